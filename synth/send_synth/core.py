"""generate(): the whole synthetic local authority, written as its source systems would export it."""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from . import casework, consult, defects as D, gias, ledger, officers as off, people, placements as plc, reviews
from . import writers as W
from .names import NOTES
from .util import FAR, ay_of, day, dom_of, fy_of, iso, month_of, stamp, to_date, year_of

log = logging.getLogger(__name__)

TRACKER_COLUMNS = ["CMS ID", "Child Name", "School URN", "School", "Coordinator", "Review Type", "Review Due",
                   "Meeting Date", "Paperwork Received", "Decision Date", "Outcome", "Draft Amended Plan Issued",
                   "Final Amended Plan Issued", "Notes"]
BANDING_COLUMNS = ["band", "category", "annual_amount", "effective_from"]
SETTING_NAMES = {"EYP": "Private nursery (early years provider)", "EHE": "Elective home education",
                 "OLA": "Education otherwise than at school (LA arranged)", "OPA": "Parent-funded independent school",
                 "NEET": "NEET", "NIEO": "Not in education – awaiting placement",
                 "NIEC": "Not in education – notice to cease",
                 "OTH": "Other provision"}
OUR_PATTERNS = ("annual_reviews_*.xlsx", "finance_ledger_*.csv", "edubasealldata*.csv", "banding_rates.csv",
                "education-health-and-care-plans_*.zip")
FIRST_TRACKER_YEAR = 2017


def default_dfe_zip() -> Path:
    root = Path(__file__).resolve().parents[2]  # the repository (synth/send_synth/core.py)
    return root.parent / "shared/data/dfe_ehcp_2025/education-health-and-care-plans_2025.zip"


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), stream])


def generate(out_dir, seed: int = 42, scale: float = 1.0, defects: float = 0.0, until: date = date(2026, 1, 31),
             la_code: str = "331", dfe_zip=None) -> dict:
    """Write every source system of the synthetic LA under `out_dir`; return rows written per table/file."""
    t0 = time.time()
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not 0 <= defects < 0.5:
        raise ValueError("defects is a fraction of rows (0 <= defects < 0.5)")
    if isinstance(until, str):
        until = date.fromisoformat(until)
    if until < date(2017, 9, 1):
        raise ValueError("until must be on or after 2017-09-01 (the history starts in 2017)")
    if until > date.today().replace(year=date.today().year + 5):
        raise ValueError("until is too far in the future")
    la_code = f"{int(la_code):03d}"
    if not 1 <= int(la_code) <= 999:
        raise ValueError("la_code is a 3-digit DfE LA number")
    out = Path(out_dir)
    old_umask = os.umask(0o077)
    try:
        return _generate(out, int(seed), float(scale), float(defects), until, la_code, dfe_zip, t0)
    finally:
        os.umask(old_umask)


def _generate(out: Path, seed: int, scale: float, rate: float, until_date: date, la_code: str, dfe_zip, t0) -> dict:
    until = day(until_date)
    W.secure_dir(out)
    inbox = out / "inbox"
    W.secure_dir(inbox)
    for pat in OUR_PATTERNS:
        for p in inbox.glob(pat):
            p.unlink()
    for stale in (out / "defects.json",):
        if stale.exists():
            stale.unlink()

    # ------------------------------------------------------------------ the world
    est = gias.build_establishments(_rng(seed, 1), la_code, until_date)
    cw = casework.simulate(_rng(seed, 2), scale, until)
    req, ass, plans, person_dob = cw["requests"], cw["assessments"], cw["plans"], cw["person_dob"]
    # stable id order: requests by received date, assessments by request, plans by start, people by first contact
    r_order = np.lexsort((np.arange(len(req)), req["received"].to_numpy()))
    r_new = np.empty(len(req), dtype=np.int64)
    r_new[r_order] = np.arange(len(req))
    req = req.iloc[r_order].reset_index(drop=True)
    ass["req_idx"] = r_new[ass["req_idx"].to_numpy()]
    a_order = np.argsort(ass["req_idx"].to_numpy(), kind="stable")
    a_new = np.empty(len(ass), dtype=np.int64)
    a_new[a_order] = np.arange(len(ass))
    ass = ass.iloc[a_order].reset_index(drop=True)
    plans["ass_idx"] = np.where(plans["ass_idx"] >= 0, a_new[plans["ass_idx"].clip(lower=0)], -1)
    plans = plans.sort_values(["local_start", "person_idx"], kind="stable").reset_index(drop=True)

    created = np.full(len(person_dob), FAR, dtype=np.int64)
    np.minimum.at(created, req["person_idx"].to_numpy(), req["received"].to_numpy())
    np.minimum.at(created, plans["person_idx"].to_numpy(), plans["local_start"].to_numpy())
    p_order = np.lexsort((np.arange(len(created)), created))
    person_id = np.empty(len(created), dtype=np.int64)
    person_id[p_order] = 100001 + np.arange(len(created))
    plans["person_id"] = person_id[plans["person_idx"].to_numpy()]
    plans["plan_id"] = 800001 + np.arange(len(plans))
    req["request_id"] = 500001 + np.arange(len(req))
    ass["assessment_id"] = 700001 + np.arange(len(ass))

    rv = reviews.schedule(_rng(seed, 3), plans, until)
    pl = plc.build(_rng(seed, 4), plans, est, scale, until)
    offs = off.build_officers(_rng(seed, 5), scale, until)
    asg = off.assign(_rng(seed, 6), plans, offs, until)
    ppl = people.build(_rng(seed, 7), person_dob, created, until, la_code, plans, pl, est)
    draft_of_plan = np.where(plans["ass_idx"] >= 0, ass["draft"].to_numpy()[plans["ass_idx"].clip(lower=0)], FAR)
    cons = consult.build(_rng(seed, 8), plans, pl, est, draft_of_plan, until)
    led = ledger.build(_rng(seed, 9), pl, plans, est, offs, scale, until)

    # ------------------------------------------------------------------ CMS tables
    rng = _rng(seed, 10)
    tables = _cms_tables(rng, req, ass, plans, pl, offs, asg, ppl, person_id, cons, rv, est, until)

    # ------------------------------------------------------------------ tracker rows
    trk = _tracker_rows(_rng(seed, 11), rv, plans, pl, asg, offs, ppl, person_id, est, until)
    # ------------------------------------------------------------------ ledger files
    lrng = _rng(seed, 12)
    ledger_files: dict[str, pd.DataFrame] = {}
    first_fy, last_fy = 2017, int(fy_of(np.array([until]))[0])
    lframe = ledger.to_frame(led, lrng)
    fys = led["fy"].to_numpy()
    for fy in range(first_fy, last_fy + 1):
        exp = ledger.export_day(fy, until, lrng) if fy < last_fy else until
        name = f"finance_ledger_{to_date(exp).strftime('%Y%m%d')}.csv"
        if (fys == fy).any():  # nothing posted yet in a year that has only just begun: no export
            ledger_files[name] = lframe[fys == fy].reset_index(drop=True)

    # ------------------------------------------------------------------ GIAS
    ref = until
    on = pl[(pl["s"] <= ref) & (pl["e"] >= ref)]
    urn_of = est["urn"].to_numpy()
    on_roll = {int(urn_of[i]): int(c) for i, c in on[on["inst_kind"] == "special_la"].groupby("inst").size().items()}
    rp_roll = {int(urn_of[i]): int(c) for i, c in on[on["rp"]].groupby("inst").size().items()}
    unit_roll = {int(urn_of[i]): int(c) for i, c in on[on["unit"]].groupby("inst").size().items()}
    if scale != 1.0:  # the schools are real-sized whatever the scale
        on_roll = {k: int(round(v / scale)) for k, v in on_roll.items()}
        rp_roll = {k: max(1, int(round(v / scale))) for k, v in rp_roll.items()}
        unit_roll = {k: max(1, int(round(v / scale))) for k, v in unit_roll.items()}
    gias_df = gias.gias_frame(est, _rng(seed, 13), until_date, on_roll, rp_roll, unit_roll)
    gias_name = f"edubasealldata{until_date.strftime('%Y%m%d')}.csv"

    # ------------------------------------------------------------------ defects
    found: list[dict] = []
    if rate > 0:
        found = D.inject(_rng(seed, 14), rate, tables, trk, ledger_files, set(est["urn"].astype(int)), until)

    # ------------------------------------------------------------------ write
    summary: dict[str, int] = {}
    W.write_sqlite(out / "cms.db", tables)
    for name, df in tables.items():
        summary[name] = len(df)
    fixed = datetime(until_date.year, until_date.month, until_date.day, 9, 0, 0)
    for name, rows in trk.items():
        W.write_xlsx(inbox / name, "Reviews", TRACKER_COLUMNS, rows, fixed,
                     widths={0: 10, 1: 22, 2: 11, 3: 34, 4: 22, 5: 15, 6: 12, 7: 12, 8: 12, 9: 12, 10: 10, 11: 14,
                             12: 14, 13: 36})
        summary[f"inbox/{name}"] = len(rows)
    for name, df in ledger_files.items():
        W.write_csv(inbox / name, df)
        summary[f"inbox/{name}"] = len(df)
    rates = ledger.banding_rates()
    W.write_csv(inbox / "banding_rates.csv", rates[BANDING_COLUMNS], encoding="utf-8")
    summary["inbox/banding_rates.csv"] = len(rates)
    W.write_csv(inbox / gias_name, gias_df)
    summary[f"inbox/{gias_name}"] = len(gias_df)
    src = Path(dfe_zip) if dfe_zip else default_dfe_zip()
    if src.is_file():
        dst = inbox / src.name
        shutil.copyfile(src, dst)
        W.secure_file(dst)
        summary[f"inbox/{src.name}"] = 1
    else:
        log.warning("DfE statistics zip not found at %s: not copied", src)
    if rate > 0:
        p = out / "defects.json"
        W._write_bytes(p, json.dumps(found, indent=1, default=str).encode("utf-8"))
        summary["defects.json"] = len(found)
    summary["seconds"] = round(time.time() - t0, 2)
    return summary


# ---------------------------------------------------------------------- CMS
def _upd(rng, *days) -> np.ndarray:
    """updated_at: the last of the given event days that has happened (FAR ignored)."""
    m = np.full(len(days[0]), -FAR, dtype=np.int64)
    for d in days:
        d = np.asarray(d, dtype=np.int64)
        m = np.maximum(m, np.where(d < FAR, d, -FAR))
    return m


def _cms_tables(rng, req, ass, plans, pl, offs, asg, ppl, person_id, cons, rv, est, until) -> dict[str, pd.DataFrame]:
    T: dict[str, pd.DataFrame] = {}
    nreq = len(req)
    # requests
    med_day = req["received"].to_numpy() + rng.integers(60, 240, nreq)
    r_upd = _upd(rng, req["received"], req["decision_date"], req["withdraw"],
                 np.where((req["mediation"] + req["tribunal"]).to_numpy() > 0, med_day, FAR))
    r_upd = np.minimum(r_upd, until)
    T["cms_request"] = pd.DataFrame({
        "request_id": req["request_id"], "person_id": person_id[req["person_idx"].to_numpy()],
        "received_date": iso(req["received"]), "request_source": req["source"].astype(int),
        "rya": req["rya"].astype(int), "decision": req["decision"], "decision_date": iso(req["decision_date"]),
        "exported_to_la": req["exported"], "mediation": req["mediation"].astype(int),
        "tribunal": req["tribunal"].astype(int), "updated_at": stamp(r_upd, rng)})
    # assessments
    rq = ass["req_idx"].to_numpy()
    a_med = (ass[["mediation", "tribunal", "other_mediation", "other_tribunal"]].sum(axis=1).to_numpy() > 0)
    a_upd = _upd(rng, req["decision_date"].to_numpy()[rq], ass["draft"], ass["outcome_date"], ass["withdraw"],
                 np.where(a_med, req["decision_date"].to_numpy()[rq] + rng.integers(90, 300, len(ass)), FAR))
    a_upd = np.minimum(a_upd, until)
    T["cms_assessment"] = pd.DataFrame({
        "assessment_id": ass["assessment_id"], "request_id": req["request_id"].to_numpy()[rq],
        "outcome": ass["outcome"], "outcome_date": iso(ass["outcome_date"]), "draft_plan_date": iso(ass["draft"]),
        "week20_exception": ass["w20"].astype(int), "exception_reason": ass["reason"],
        "mediation": ass["mediation"].astype(int), "tribunal": ass["tribunal"].astype(int),
        "other_mediation": ass["other_mediation"].astype(int), "other_tribunal": ass["other_tribunal"].astype(int),
        "updated_at": stamp(a_upd, rng)})
    # placements
    urn_of = est["urn"].to_numpy()
    ukprn_of = est["ukprn"].to_numpy()
    inst = pl["inst"].to_numpy()
    has = inst >= 0
    uk = pl["uses_ukprn"].to_numpy()
    pl = pl.assign(leave=np.where(pl["e"].to_numpy() <= until, pl["e"].to_numpy(), FAR))
    order = np.lexsort((pl["rank"].to_numpy(), pl["plan"].to_numpy(), pl["s"].to_numpy()))
    pid = np.empty(len(pl), dtype=np.int64)
    pid[order] = 900001 + np.arange(len(pl))
    plan_ids = plans["plan_id"].to_numpy()
    urn = pd.array(np.where(has & ~uk, urn_of[np.clip(inst, 0, None)], 0), dtype="Int64")
    urn[~(has & ~uk)] = pd.NA
    ukp_vals = np.array([ukprn_of[i] if (h and u) else np.nan for i, h, u in zip(np.clip(inst, 0, None), has, uk)],
                        dtype=float)
    ukprn = pd.array(np.nan_to_num(ukp_vals).astype(np.int64), dtype="Int64")
    ukprn[np.isnan(ukp_vals)] = pd.NA
    p_upd = np.minimum(_upd(rng, pl["s"], pl["leave"]), until)
    T["cms_placement"] = pd.DataFrame({
        "placement_id": pid, "plan_id": plan_ids[pl["plan"].to_numpy()], "urn": urn, "ukprn": ukprn,
        "setting_code": pl["setting"], "setting_other": pl["setting_other"], "placement_rank": pl["rank"].astype(int),
        "entry_date": iso(pl["s"]), "leaving_date": iso(pl["leave"]), "sen_unit": pl["unit"].astype(int),
        "resourced_provision": pl["rp"].astype(int), "named_in_plan": pl["named"].astype(int),
        "residential": pl["residential"], "work_based": pl["wbp"], "updated_at": stamp(p_upd, rng),
    }).sort_values("placement_id").reset_index(drop=True)
    # plans
    npl = len(plans)
    last_pl = pl[pl["rank"] == 1].sort_values(["plan", "s"]).drop_duplicates("plan", keep="last").set_index("plan")
    residential = last_pl["residential"].reindex(range(npl)).to_numpy(object)
    work_based = last_pl["wbp"].reindex(range(npl)).to_numpy(object)
    start_year = year_of(plans["start"].to_numpy())
    pb = (rng.random(npl) < np.where(start_year >= 2021, 0.08, 0.05)).astype(int)
    oa = np.where(pb == 1, (rng.random(npl) < 0.5).astype(int), 0)
    dp = np.where(pb == 1, np.array(["E", "S", "H", "I"])[rng.choice(4, npl, p=[0.45, 0.25, 0.1, 0.2])], None)
    dp = np.where((pb == 1) & (rng.random(npl) < 0.6), dp, None)
    lv = pl.assign(lv=np.where(pl["leave"] < FAR, pl["leave"], -FAR))
    last_move = lv.groupby("plan").agg(s=("s", "max"), e=("lv", "max")).reindex(range(npl))
    last_final = rv[rv["final"] < FAR].groupby("plan")["final"].max().reindex(range(npl)).fillna(-FAR).astype(np.int64)
    pl_upd = np.minimum(_upd(rng, plans["start"], plans["transfer_in"], plans["cease"],
                             last_move["s"].fillna(-FAR).astype(np.int64), last_move["e"].fillna(-FAR).astype(np.int64),
                             last_final.to_numpy()), until)
    ass_ids = ass["assessment_id"].to_numpy()
    aid = pd.array(np.where(plans["ass_idx"] >= 0, ass_ids[plans["ass_idx"].clip(lower=0)], 0), dtype="Int64")
    aid[(plans["ass_idx"] < 0).to_numpy()] = pd.NA
    T["cms_plan"] = pd.DataFrame({
        "plan_id": plan_ids, "person_id": plans["person_id"], "assessment_id": aid, "start_date": iso(plans["start"]),
        "transferred_from_la": plans["transfer_la"], "transfer_in_date": iso(plans["transfer_in"]),
        "cease_date": iso(plans["cease"]), "cease_reason": pd.array(plans["cease_reason"].tolist(), dtype="Int64"),
        "personal_budget": pb, "organised_arrangements": oa, "direct_payments": dp, "residential": residential,
        "work_based": work_based, "updated_at": stamp(pl_upd, rng)})
    # needs
    n1 = pd.DataFrame({"plan_id": plan_ids, "need_code": plans["need1"], "need_rank": 1,
                       "recorded_date": iso(plans["local_start"])})
    m2 = plans["need2"].notna().to_numpy()
    n2 = pd.DataFrame({"plan_id": plan_ids[m2], "need_code": plans["need2"].to_numpy()[m2], "need_rank": 2,
                       "recorded_date": iso(plans["local_start"].to_numpy()[m2])})
    T["cms_need"] = pd.concat([n1, n2]).sort_values(["plan_id", "need_rank"]).reset_index(drop=True)
    # officers and co-ordinators
    oid = offs["officer_id"].to_numpy()
    T["cms_officer"] = pd.DataFrame({
        "officer_id": oid, "name": offs["name"], "role": offs["role"], "grade": offs["grade"], "fte": offs["fte"],
        "start_date": iso(offs["start"]), "end_date": iso(np.where(offs["end"] <= until, offs["end"], FAR)),
        "is_agency": offs["is_agency"].astype(int)})
    T["cms_plan_coordinator"] = pd.DataFrame({
        "plan_id": plan_ids[asg["plan"].to_numpy()], "officer_id": oid[asg["officer"].to_numpy()],
        "from_date": iso(asg["from"]), "to_date": iso(asg["to"]),
    }).sort_values(["plan_id", "from_date"]).reset_index(drop=True)
    # consultations
    T["cms_consultation"] = pd.DataFrame({
        "consultation_id": 600001 + np.arange(len(cons)), "person_id": person_id[cons["person_idx"].to_numpy()],
        "urn": cons["urn"].astype(int), "sent_date": iso(cons["sent"]), "response": cons["response"],
        "response_date": iso(cons["rdate"]), "decision": cons["decision"]})
    # people: updated when their record (or their case) last changed
    last_case = np.full(len(ppl), -FAR, dtype=np.int64)
    np.maximum.at(last_case, req["person_idx"].to_numpy(), r_upd)
    np.maximum.at(last_case, plans["person_idx"].to_numpy(), pl_upd)
    created = ppl["created"].to_numpy()
    extra = created + np.floor(rng.random(len(ppl)) * np.maximum(until - created, 0)).astype(np.int64)
    address_change = np.where(rng.random(len(ppl)) < 0.3, extra, -FAR)
    u_upd = np.minimum(np.maximum(np.maximum(last_case, created), address_change), until)
    T["cms_person"] = pd.DataFrame({
        "person_id": person_id, "upn": ppl["upn"], "uln": ppl["uln"], "upn_unknown_reason": ppl["upn_unknown_reason"],
        "forename": ppl["forename"], "surname": ppl["surname"], "dob": iso(ppl["dob"]), "sex": ppl["sex"],
        "ethnicity": ppl["ethnicity"], "postcode": ppl["postcode"], "updated_at": stamp(u_upd, rng),
    }).sort_values("person_id").reset_index(drop=True)
    for k in T:
        T[k] = T[k][W.CMS_COLUMNS[k]]
    return T


# ---------------------------------------------------------------------- tracker
def _tracker_rows(rng, rv, plans, pl, asg, offs, ppl, person_id, est, until) -> dict[str, list[list]]:
    ay_until = int(ay_of(np.array([until]))[0])
    rv = rv.copy()
    rv["ay"] = ay_of(rv["due"].to_numpy())
    rv = rv[(rv["ay"] >= FIRST_TRACKER_YEAR) & (rv["ay"] <= ay_until)].copy()
    rv["ref"] = np.minimum(np.where(rv["meeting"] < FAR, rv["meeting"], rv["due"]), until)
    rv["ref"] = np.maximum(rv["ref"], plans["local_start"].to_numpy()[rv["plan"].to_numpy()])
    rv = rv.sort_values("ref", kind="stable").reset_index(drop=True)
    # where the child was, and who held the plan, on the reference day
    p1 = pl[pl["rank"] == 1][["plan", "s", "inst", "setting"]].sort_values("s", kind="stable")
    where = pd.merge_asof(rv[["plan", "ref"]].reset_index(), p1, left_on="ref", right_on="s", by="plan",
                          direction="backward").set_index("index").sort_index()
    a = asg[["plan", "from", "officer"]].sort_values("from", kind="stable")
    who = pd.merge_asof(rv[["plan", "ref"]].reset_index(), a, left_on="ref", right_on="from", by="plan",
                        direction="backward").set_index("index").sort_index()
    inst = where["inst"].fillna(-1).astype(np.int64).to_numpy()
    urn = np.where(inst >= 0, est["urn"].to_numpy()[np.clip(inst, 0, None)], 0)
    school = np.where(inst >= 0, est["name"].to_numpy()[np.clip(inst, 0, None)],
                      where["setting"].map(SETTING_NAMES).fillna("").to_numpy())
    off_i = who["officer"].fillna(-1).astype(np.int64).to_numpy()
    coord = np.where(off_i >= 0, offs["name"].to_numpy()[np.clip(off_i, 0, None)], "")
    pidx = plans["person_idx"].to_numpy()[rv["plan"].to_numpy()]
    child = (ppl["forename"].to_numpy()[pidx] + " " + ppl["surname"].to_numpy()[pidx])
    cms = person_id[pidx]
    n = len(rv)
    # how each date was typed: a real date (75%) or text in one of three habits
    style = rng.choice(4, size=(n, 6), p=[0.75, 0.11, 0.07, 0.07])
    tbc = rng.random((n, 2)) < 0.4
    note_r = rng.random(n)
    note_k = rng.integers(0, len(NOTES), n)
    age = ay_of(rv["due"].to_numpy()) - plans["cohort"].to_numpy()[rv["plan"].to_numpy()]
    pt_note = np.where(age == 3, "Phase transfer – starting Reception", np.where(
        age == 10, "Phase transfer – Year 6 to Year 7", "Phase transfer – Year 11 to post-16"))
    cells = {}
    for j, k in enumerate(("due", "meeting", "paperwork", "decision", "draft", "final")):
        cells[k] = _typed_col(rv[k].to_numpy(np.int64), style[:, j])
    meet = rv["meeting"].to_numpy(np.int64)
    cells["meeting"] = np.where(meet >= FAR, np.where(tbc[:, 0], "TBC", None), cells["meeting"])
    recent = (meet < FAR) & (until - meet <= 42)
    dec = rv["decision"].to_numpy(np.int64)
    cells["decision"] = np.where((dec >= FAR) & recent & tbc[:, 1], "TBC", cells["decision"])
    types = rv["type"].to_numpy()
    outcome = np.array([o if isinstance(o, str) else None for o in rv["outcome"]], dtype=object)
    note = np.where(types == "Phase Transfer", np.where(note_r < 0.6, pt_note, None),
                    np.where(note_r < 0.12, np.array(NOTES, dtype=object)[note_k], None))
    urn_cell = np.where(urn > 0, urn, None)
    school_cell = np.where(school != "", school, None)
    coord_cell = np.where(coord != "", coord, None)
    cols = [cms.tolist(), child.tolist(), [None if v is None else int(v) for v in urn_cell], school_cell.tolist(),
            coord_cell.tolist(), types.tolist(), cells["due"].tolist(), cells["meeting"].tolist(),
            cells["paperwork"].tolist(), cells["decision"].tolist(), outcome.tolist(), cells["draft"].tolist(),
            cells["final"].tolist(), note.tolist()]
    rows = [list(r) for r in zip(*cols)]
    files: dict[str, list[list]] = {}
    ays = rv["ay"].to_numpy()
    for y in range(FIRST_TRACKER_YEAR, ay_until + 1):
        idx = np.flatnonzero(ays == y)
        files[f"annual_reviews_{y}-{(y + 1) % 100:02d}.xlsx"] = [rows[i] for i in idx]
    return files


def _typed_col(days: np.ndarray, style: np.ndarray) -> np.ndarray:
    """How people typed dates: a real date (style 0) or text 12/03/2024, 12.3.24, 12/3/2024."""
    out = np.full(len(days), None, dtype=object)
    ok = np.flatnonzero(days < FAR)
    if not len(ok):
        return out
    d = days[ok]
    out[ok] = d.astype("datetime64[D]").astype(object)
    Y, M, D_ = year_of(d), month_of(d), dom_of(d)
    st = style[ok]
    for k in np.flatnonzero(st > 0):
        y, m, dd, t = int(Y[k]), int(M[k]), int(D_[k]), int(st[k])
        out[ok[k]] = (f"{dd:02d}/{m:02d}/{y}" if t == 1 else f"{dd}.{m}.{y % 100:02d}" if t == 2 else f"{dd}/{m}/{y}")
    return out
