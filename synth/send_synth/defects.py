"""Defects real extracts contain, injected on purpose and listed so that tests can check each is caught.

Every injected defect is one dict: source (cms / tracker / ledger), entity (CMS table) or file (inbox file
name), key (CMS primary key, tracker Excel row number, ledger Transaction ID), kind, column, value.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from send_pipeline.kernel.identifiers import UPN_ALPHA
from .util import to_date

# tracker column positions
T_CMS, T_URN, T_TYPE, T_DUE, T_MEET, T_PAPER, T_DEC = 0, 2, 5, 6, 7, 8, 9
TRACKER_HEAD = {T_CMS: "CMS ID", T_URN: "School URN", T_TYPE: "Review Type", T_MEET: "Meeting Date",
                T_PAPER: "Paperwork Received", T_DEC: "Decision Date"}
_TXT = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")

CMS_KINDS = ["missing_upn", "bad_upn_check_letter", "unknown_urn", "decision_before_received", "cease_before_start",
             "orphan_placement", "orphan_request"]
TRACKER_KINDS = ["unknown_urn", "meeting_after_decision", "duplicate_row", "orphan_cms_id", "impossible_date",
                 "na_in_date", "stale_tbc", "review_type_format"]
LEDGER_KINDS = ["duplicate_row", "unknown_urn", "amount_typo"]


def cell_date(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        m = _TXT.match(v.strip())
        if m:
            y = int(m[3])
            y = y + 2000 if y < 100 else y
            try:
                return date(y, int(m[2]), int(m[1]))
            except ValueError:
                return None
    return None


def _count(rate: float, rows: int) -> int:
    return max(1, int(round(rate * rows))) if rows else 0


def _unknown_urns(rng, known: set[int], n: int) -> list[int]:
    out: list[int] = []
    while len(out) < n:
        u = int(rng.integers(150000, 999999))
        if u not in known and u not in out:
            out.append(u)
    return out


def inject(rng: np.random.Generator, rate: float, tables: dict[str, pd.DataFrame], tracker: dict[str, list[list]],
           ledger_files: dict[str, pd.DataFrame], gias_urns: set[int], until: int) -> list[dict]:
    found: list[dict] = []
    found += _cms(rng, rate, tables, gias_urns, until)
    found += _tracker(rng, rate, tracker, tables, gias_urns, until)
    found += _ledger(rng, rate, ledger_files, gias_urns)
    return found


# ---------------------------------------------------------------------- CMS
def _pick(rng, candidates: np.ndarray, n: int, used: set) -> np.ndarray:
    c = np.array([x for x in candidates if x not in used])
    if not len(c):
        return c
    sel = rng.choice(c, size=min(n, len(c)), replace=False)
    used.update(sel.tolist())
    return np.sort(sel)


def _cms(rng, rate, T, gias_urns, until) -> list[dict]:
    out: list[dict] = []
    rec = lambda ent, key, kind, col, val: out.append(  # noqa: E731
        {"source": "cms", "entity": ent, "key": int(key), "kind": kind, "column": col, "value": val})
    # people: missing UPN for a school-age child; wrong check letter
    P = T["cms_person"]
    used: set = set()
    dob = pd.to_datetime(P["dob"])
    age = (pd.Timestamp(to_date(until)) - dob).dt.days / 365.25
    elig = P.index[(P["upn"].notna() & P["uln"].isna() & (age >= 5) & (age < 16)).to_numpy()].to_numpy()
    for i in _pick(rng, elig, _count(rate, len(P)), used):
        P.at[i, "upn"] = None
        rec("cms_person", P.at[i, "person_id"], "missing_upn", "upn", None)
    elig = P.index[P["upn"].notna().to_numpy()].to_numpy()
    for i in _pick(rng, elig, _count(rate, len(P)), used):
        upn = P.at[i, "upn"]
        wrong = [c for c in UPN_ALPHA if c != upn[0]]
        bad = wrong[int(rng.integers(len(wrong)))] + upn[1:]
        P.at[i, "upn"] = bad
        rec("cms_person", P.at[i, "person_id"], "bad_upn_check_letter", "upn", bad)
    # placements: a URN GIAS does not know
    L = T["cms_placement"]
    used = set()
    elig = L.index[L["urn"].notna().to_numpy()].to_numpy()
    sel = _pick(rng, elig, _count(rate, len(L)), used)
    for i, u in zip(sel, _unknown_urns(rng, gias_urns, len(sel))):
        L.at[i, "urn"] = u
        rec("cms_placement", L.at[i, "placement_id"], "unknown_urn", "urn", u)
    # requests decided before they were received; plans ceasing before they started
    R = T["cms_request"]
    used = set()
    elig = R.index[R["decision_date"].notna().to_numpy()].to_numpy()
    for i in _pick(rng, elig, _count(rate, len(R)), used):
        d = date.fromisoformat(R.at[i, "received_date"]) - timedelta(days=int(rng.integers(1, 30)))
        R.at[i, "decision_date"] = d.isoformat()
        rec("cms_request", R.at[i, "request_id"], "decision_before_received", "decision_date", d.isoformat())
    PL = T["cms_plan"]
    elig = PL.index[PL["cease_date"].notna().to_numpy()].to_numpy()
    for i in _pick(rng, elig, _count(rate, len(PL)), set()):
        d = date.fromisoformat(PL.at[i, "start_date"]) - timedelta(days=int(rng.integers(1, 200)))
        PL.at[i, "cease_date"] = d.isoformat()
        rec("cms_plan", PL.at[i, "plan_id"], "cease_before_start", "cease_date", d.isoformat())
    # orphans: placements of a plan that does not exist, requests of a person who does not exist
    n = _count(rate, len(L))
    free = np.array([j for j in range(len(L)) if L.index[j] not in used])
    src = L.iloc[np.sort(rng.choice(free, min(n, len(free)), replace=False))].copy()
    src["placement_id"] = int(L["placement_id"].max()) + 1 + np.arange(len(src))
    src["plan_id"] = int(PL["plan_id"].max()) + 50000 + np.arange(len(src))
    for _, r in src.iterrows():
        rec("cms_placement", r["placement_id"], "orphan_placement", "plan_id", int(r["plan_id"]))
    T["cms_placement"] = pd.concat([L, src], ignore_index=True)
    n = _count(rate, len(R))
    free = np.array([j for j in range(len(R)) if R.index[j] not in used])
    src = R.iloc[np.sort(rng.choice(free, min(n, len(free)), replace=False))].copy()
    src["request_id"] = int(R["request_id"].max()) + 1 + np.arange(len(src))
    src["person_id"] = int(P["person_id"].max()) + 50000 + np.arange(len(src))
    for _, r in src.iterrows():
        rec("cms_request", r["request_id"], "orphan_request", "person_id", int(r["person_id"]))
    T["cms_request"] = pd.concat([R, src], ignore_index=True)
    return out


# ---------------------------------------------------------------------- tracker
def _tracker(rng, rate, files: dict[str, list[list]], T, gias_urns, until) -> list[dict]:
    flat = [(f, i) for f, rows in files.items() for i in range(len(rows))]
    if not flat:
        return []
    n = _count(rate, len(flat))
    used: set = set()
    marks: list[tuple[str, int, dict]] = []  # (file, id(row), record)
    until_d = to_date(until)
    max_person = int(T["cms_person"]["person_id"].max())

    def rows_where(pred):
        return [k for k, (f, i) in enumerate(flat) if k not in used and pred(files[f][i])]

    def choose(cands, m):
        if not cands:
            return []
        sel = rng.choice(len(cands), size=min(m, len(cands)), replace=False)
        picked = sorted(cands[j] for j in sel)
        used.update(picked)
        return picked

    def mark(k, kind, col, val):
        f, i = flat[k]
        row = files[f][i]
        marks.append((f, id(row), {"source": "tracker", "file": f, "key": None, "kind": kind,
                                   "column": TRACKER_HEAD.get(col, col) if isinstance(col, int) else col,
                                   "value": val if not isinstance(val, date) else val.isoformat(),
                                   "cms_id": row[T_CMS]}))

    for k, u in zip(choose(rows_where(lambda r: r[T_URN] is not None), n), _unknown_urns(rng, gias_urns, n)):
        files[flat[k][0]][flat[k][1]][T_URN] = u
        mark(k, "unknown_urn", T_URN, u)
    for k in choose(rows_where(lambda r: cell_date(r[T_MEET]) and cell_date(r[T_DEC])), n):
        row = files[flat[k][0]][flat[k][1]]
        d = cell_date(row[T_MEET]) - timedelta(days=int(rng.integers(3, 40)))
        row[T_DEC] = d
        mark(k, "meeting_after_decision", T_DEC, d)
    for j, k in enumerate(choose(rows_where(lambda r: True), n)):
        row = files[flat[k][0]][flat[k][1]]
        row[T_CMS] = max_person + 10000 + j
        mark(k, "orphan_cms_id", T_CMS, row[T_CMS])
    for k in choose(rows_where(lambda r: cell_date(r[T_PAPER]) is not None), n):
        row = files[flat[k][0]][flat[k][1]]
        y = cell_date(row[T_PAPER]).year
        bad = [f"31/02/{y}", f"30/02/{y}", f"31/04/{y}", f"31/06/{y}", f"31/09/{y}", f"31/11/{y}"][int(rng.integers(6))]
        row[T_PAPER] = bad
        mark(k, "impossible_date", T_PAPER, bad)
    for k in choose(rows_where(lambda r: cell_date(r[T_MEET]) and cell_date(r[T_DEC])
                               and (until_d - cell_date(r[T_MEET])).days > 90), n):
        row = files[flat[k][0]][flat[k][1]]
        row[T_DEC] = ["n/a", "N/A", "n/a "][int(rng.integers(3))]
        mark(k, "na_in_date", T_DEC, row[T_DEC])
    for k in choose(rows_where(lambda r: cell_date(r[T_MEET]) and cell_date(r[T_DEC])
                               and (until_d - cell_date(r[T_MEET])).days > 180), n):
        row = files[flat[k][0]][flat[k][1]]
        row[T_DEC] = "TBC"
        mark(k, "stale_tbc", T_DEC, "TBC")
    for k in choose(rows_where(lambda r: True), n):
        row = files[flat[k][0]][flat[k][1]]
        t = row[T_TYPE]
        row[T_TYPE] = [t + " ", t.lower(), t.lower() + " ", t.upper(), " " + t][int(rng.integers(5))]
        mark(k, "review_type_format", T_TYPE, row[T_TYPE])
    dups = choose(rows_where(lambda r: True), n)
    dup_ids = {}
    for k in dups:
        f, i = flat[k]
        dup_ids.setdefault(f, {})[id(files[f][i])] = True
    for f in list(files):
        if f not in dup_ids:
            continue
        new_rows = []
        for row in files[f]:
            new_rows.append(row)
            if id(row) in dup_ids[f]:
                copy = list(row)
                new_rows.append(copy)
                marks.append((f, id(copy), {"source": "tracker", "file": f, "key": None, "kind": "duplicate_row",
                                            "column": None, "value": None, "cms_id": row[T_CMS]}))
        files[f] = new_rows
    # Excel row numbers (header is row 1)
    pos = {f: {id(r): i + 2 for i, r in enumerate(rows)} for f, rows in files.items()}
    out = []
    for f, rid, recd in marks:
        recd["key"] = pos[f][rid]
        if recd["kind"] == "duplicate_row":
            recd["duplicate_of"] = recd["key"] - 1
        out.append(recd)
    return out


# ---------------------------------------------------------------------- ledger
def _ledger(rng, rate, files: dict[str, pd.DataFrame], gias_urns) -> list[dict]:
    out: list[dict] = []
    total = sum(len(df) for df in files.values())
    if not total:
        return out
    n = _count(rate, total)
    names = list(files)
    sizes = np.array([len(files[f]) for f in names], dtype=float)
    per_file = [rng.multinomial(n, sizes / sizes.sum()) for _ in LEDGER_KINDS]
    for fi, f in enumerate(names):
        df = files[f]
        if not len(df):
            continue
        taken: set[int] = set()
        c_urn, c_amt = df.columns.get_loc("URN"), df.columns.get_loc("Amount")

        def choose(cands, m):
            cands = np.array([c for c in cands if c not in taken], dtype=np.int64)
            if not (len(cands) and m):
                return np.array([], dtype=np.int64)
            sel = np.sort(rng.choice(cands, min(m, len(cands)), replace=False))
            taken.update(sel.tolist())
            return sel

        sel = choose(np.flatnonzero((df["URN"] != "").to_numpy()), per_file[1][fi])
        for i, u in zip(sel, _unknown_urns(rng, gias_urns, len(sel))):
            df.iat[i, c_urn] = str(u)
            out.append({"source": "ledger", "file": f, "key": df.iat[i, 0], "kind": "unknown_urn", "column": "URN",
                        "value": str(u)})
        amt = df["Amount"].to_numpy()
        sel = choose([i for i in range(len(df)) if amt[i].startswith("£") and "0" in amt[i]], per_file[2][fi])
        for i in sel:
            bad = df.iat[i, c_amt].replace("0", "O", 1)
            df.iat[i, c_amt] = bad
            out.append({"source": "ledger", "file": f, "key": df.iat[i, 0], "kind": "amount_typo", "column": "Amount",
                        "value": bad})
        sel = choose(range(len(df)), per_file[0][fi])
        if len(sel):
            rep = np.ones(len(df), dtype=int)
            rep[sel] = 2
            files[f] = df.loc[df.index.repeat(rep)].reset_index(drop=True)
            for i in sel:
                out.append({"source": "ledger", "file": f, "key": df.iat[i, 0], "kind": "duplicate_row",
                            "column": "Transaction ID", "value": df.iat[i, 0]})
    return out
