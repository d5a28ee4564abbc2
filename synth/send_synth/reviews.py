"""Annual reviews of every plan: when due, when held, paperwork, decision, amended plans."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .util import FAR, ay_of, dom_of, gamma_days, month_of, to_weekday, year_of, ymd

REVIEW_CEASE_REASONS = {1, 2, 3, 4, 6, 9}
PT_AGES = (3, 10, 15)  # age on 31 August in the year before reception, Year 6, Year 11


def _between(rng, lo, hi):
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    return lo + np.floor(rng.random(lo.shape) * np.maximum(hi - lo, 1)).astype(np.int64)


def schedule(rng: np.random.Generator, plans: pd.DataFrame, until: int) -> pd.DataFrame:
    """One row per review (held or next due), for every plan, up to the end of the current academic year.

    `plans` needs: local_start, cease (FAR = open), cease_reason, cohort, kind.
    """
    horizon = int(ymd(int(ay_of(np.array([until]))[0]) + 1, 8, 31))
    ls = plans["local_start"].to_numpy(np.int64)
    cease = plans["cease"].to_numpy(np.int64)
    reason = plans["cease_reason"].to_numpy(object)
    by_review = np.array([r in REVIEW_CEASE_REASONS for r in reason])
    C = plans["cohort"].to_numpy(np.int64)
    npl = len(plans)
    due = np.where(plans["kind"].to_numpy() == "transfer", ls + rng.integers(30, 300, npl), ls + 365)
    prev = np.full(npl, FAR, dtype=np.int64)
    last_row = np.full(npl, -1, dtype=np.int64)
    alive = due <= horizon
    cols = {k: [] for k in ("plan", "due", "type", "meeting", "paperwork", "decision", "outcome", "draft",
                            "final", "pt_deadline")}
    nrows = 0
    cease_rows: list[np.ndarray] = []
    while alive.any():
        idx = np.flatnonzero(alive)
        n = len(idx)
        d = due[idx]
        base = np.where(prev[idx] < FAR, prev[idx], ls[idx])
        ay = ay_of(d)
        age = ay - C[idx]
        mon = month_of(d)
        pt_year = np.isin(age, PT_AGES)
        autumn = ymd(ay, 9, 1) + rng.integers(20, 85, n)
        bring = pt_year & (mon <= 8) & (autumn > base + 90)
        d = np.where(bring, to_weekday(autumn), d)
        is_pt = pt_year & (((mon >= 9) | (mon <= 3)) | bring)
        r = rng.random(n)
        early = ~is_pt & (r < 0.03)
        emerg = ~is_pt & (r >= 0.03) & (r < 0.042)
        on_time = rng.random(n) < 0.80
        meet_annual = np.where(on_time, d - rng.integers(0, 43, n), d + 1 + gamma_days(rng, 2.0, 25.0, n))
        meet_pt = np.where(rng.random(n) < 0.9, d - rng.integers(0, 22, n), d + rng.integers(1, 60, n))
        meet_early = np.minimum(base + rng.integers(100, 300, n), d - 14)
        meet = np.where(is_pt, meet_pt, np.where(early | emerg, meet_early, meet_annual))
        meet = to_weekday(np.maximum(meet, base + 45))
        # schools hold reviews in term time: none in the summer holidays
        mm, dd_ = month_of(meet), dom_of(meet)
        summer = (mm == 8) | ((mm == 7) & (dd_ >= 22))
        autumn_start = ymd(year_of(meet), 9, 1) + rng.integers(3, 15, n)
        before = ymd(year_of(meet), 7, 1) + rng.integers(0, 20, n)
        early_enough = on_time & ~is_pt & (before > base + 45)
        meet = np.where(summer, to_weekday(np.where(early_enough, before, autumn_start)), meet)
        d = np.where(early | emerg, np.maximum(meet - rng.integers(0, 15, n), base + 30), d)
        rtype = np.where(is_pt, "Phase Transfer", np.where(early, "Early", np.where(emerg, "Emergency", "Annual")))
        # --- plans ending before this review: a last (cease) review, or none
        c = cease[idx]
        ending = (c < FAR) & (meet > c - 40)
        final_ok = ending & by_review[idx] & (c - 90 > base + 60)
        mark_prev = ending & by_review[idx] & ~final_ok & (last_row[idx] >= 0)
        if mark_prev.any():
            cease_rows.append(last_row[idx[mark_prev]])
        meet = np.where(final_ok, to_weekday(c - rng.integers(40, 91, n)), meet)
        rtype = np.where(final_ok, "Annual", rtype)
        keep = ~ending | final_ok
        # --- what happened after the meeting
        d1 = np.where(rng.random(n) < 0.60, rng.integers(1, 16, n), 16 + gamma_days(rng, 2.0, 9.0, n))
        paper = to_weekday(meet + d1)
        d2 = np.where(rng.random(n) < 0.78, rng.integers(5, 29, n), 29 + gamma_days(rng, 2.0, 18.0, n))
        d2 = np.maximum(d2, d1 + rng.integers(0, 8, n))
        decision = to_weekday(meet + d2)
        decision = np.where(final_ok, np.minimum(decision, c - 14), decision)
        paper = np.minimum(paper, decision)
        amend_p = np.where(is_pt, 0.88, 0.28)
        outcome = np.where(rng.random(n) < amend_p, "Amend", "Maintain").astype(object)
        outcome = np.where(final_ok, "Cease", outcome)
        draft = np.where(outcome == "Amend", decision + np.where(rng.random(n) < 0.5, 0, rng.integers(1, 15, n)), FAR)
        draft = to_weekday(draft)
        deadline = np.where(is_pt, np.where(age == 15, ymd(ay + 1, 3, 31), ymd(ay + 1, 2, 15)), FAR)
        fin_normal = draft + np.where(rng.random(n) < 0.8, rng.integers(14, 57, n), 57 + gamma_days(rng, 2.0, 20.0, n))
        pt_ok = (rng.random(n) < 0.82) & (draft + 14 <= deadline)
        fin_pt = np.where(pt_ok, _between(rng, draft + 14, deadline + 1),
                          np.maximum(deadline, draft + 14) + rng.integers(1, 75, n))
        final = np.where(outcome == "Amend", np.where(is_pt, fin_pt, fin_normal), FAR)
        final = np.where(final < FAR, to_weekday(final), FAR)
        final = np.where(is_pt & (final < FAR) & pt_ok, np.minimum(final, deadline), final)
        # --- not yet happened (as of `until`)
        held = meet <= until
        paper = np.where(held & (paper <= until), paper, FAR)
        decision = np.where(held & (decision <= until), decision, FAR)
        outcome = np.where(decision < FAR, outcome, None)
        draft = np.where((decision < FAR) & (draft <= until), draft, FAR)
        final = np.where((draft < FAR) & (final <= until), final, FAR)
        meet_out = np.where(held, meet, FAR)
        # plans that have ceased: nothing after the cease date
        cc = np.where(c < FAR, c, FAR)
        draft = np.where(draft > cc, FAR, draft)
        final = np.where(final > cc, FAR, final)
        k = np.flatnonzero(keep)
        cols["plan"].append(idx[k])
        cols["due"].append(d[k])
        cols["type"].append(rtype[k])
        cols["meeting"].append(meet_out[k])
        cols["paperwork"].append(paper[k])
        cols["decision"].append(decision[k])
        cols["outcome"].append(outcome[k])
        cols["draft"].append(draft[k])
        cols["final"].append(final[k])
        cols["pt_deadline"].append(deadline[k])
        rows_here = nrows + np.arange(len(k))
        last_row[idx[k]] = rows_here
        nrows += len(k)
        # --- next
        prev[idx] = np.where(held, meet, prev[idx])
        due[idx] = meet + 365
        alive[idx] = keep & ~final_ok & held & (meet + 365 <= horizon)
    out = pd.DataFrame({k: np.concatenate(v) if v else np.array([]) for k, v in cols.items()})
    if cease_rows:
        cr = np.concatenate(cease_rows)
        cr = cr[out.loc[cr, "decision"].to_numpy() < FAR]
        out.loc[cr, "outcome"] = "Cease"
        out.loc[cr, "draft"] = FAR
        out.loc[cr, "final"] = FAR
    for c_ in ("due", "meeting", "paperwork", "decision", "draft", "final", "pt_deadline", "plan"):
        out[c_] = out[c_].astype(np.int64)
    return out
