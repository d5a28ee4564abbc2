"""People, requests for assessment, assessments and plans (with their ends) of the synthetic LA."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .util import FAR, ay_of, choice, cohort, gamma_days, to_weekday, year_of, ymd

# Requests received per calendar year at scale 1 (Coventry; 2016 from its 2016/17 figure).
REQUESTS_PER_YEAR = {2016: 360, 2017: 440, 2018: 462, 2019: 439, 2020: 480, 2021: 532, 2022: 699,
                     2023: 924, 2024: 1100, 2025: 1200}
# Share of plans issued within 20 weeks, by the year the request was received.
WITHIN_20 = {2016: 0.55, 2017: 0.55, 2018: 0.50, 2019: 0.52, 2020: 0.57, 2021: 0.72, 2022: 0.75,
             2023: 0.40, 2024: 0.62, 2025: 0.60}
MONTH_WEIGHTS = np.array([1.0, 1.05, 1.1, 0.85, 1.1, 1.05, 1.0, 0.45, 0.9, 1.2, 1.2, 0.8])

REQUEST_AGES = {1: 1, 2: 3, 3: 119, 4: 192, 5: 103, 6: 62, 7: 69, 8: 59, 9: 70, 10: 107, 11: 72, 12: 52,
                13: 58, 14: 63, 15: 50, 16: 34, 17: 17, 18: 4, 19: 5, 20: 3, 21: 2, 22: 1}
CASELOAD_AGES = {4: 162, 5: 254, 6: 208, 7: 203, 8: 203, 9: 218, 10: 234, 11: 282, 12: 255, 13: 253,
                 14: 269, 15: 247, 16: 219, 17: 185, 18: 119, 19: 62, 20: 46, 21: 29, 22: 17, 23: 3}

NEEDS = ["ASD", "SLCN", "SEMH", "MLD", "SLD", "PMLD", "SPLD", "HI", "VI", "MSI", "PD", "DS", "OTH"]
NEED_P = {
    "young": [37, 26, 7, 8, 6, 2.5, 1, 2, 1, 0.3, 3.5, 1.5, 4.2],
    "mid": [35, 14, 16, 12, 4, 1.5, 5, 2, 1, 0.3, 3, 1, 5.2],
    "old": [31, 8, 26, 11, 4, 1.2, 8, 2, 1, 0.3, 3, 0.8, 3.7],
}
NEED2_P = [14, 22, 18, 16, 4, 0, 10, 2, 1, 0, 5, 0, 8]

ETHNICITY = {"WBRI": 52, "WOTH": 5.2, "WIRI": 0.3, "WROM": 0.6, "AIND": 5.5, "APKN": 5.0, "ABAN": 1.4,
             "AOTH": 4.6, "CHNE": 0.3, "BAFR": 11.8, "BCRB": 0.7, "BOTH": 1.3, "MWBC": 2.9, "MWBA": 1.4,
             "MWAS": 2.0, "MOTH": 2.4, "OOTH": 1.9, "REFU": 1.2, "NOBT": 1.5}
TRANSFER_FROM = ["937", "334", "330", "332", "333", "335", "336", "855", "856", "860", "885", "891", "892",
                 "202", "304", "352", "380", "916", "919", "926", "941", "940"]
EXCEPTION_REASONS = [
    "School closed for 4+ weeks (summer holidays) during assessment",
    "Exceptional personal circumstances affecting the child or parent",
    "Child or parent absent from the area for 4+ weeks",
    "Parent requested delay to obtain further advice",
]


def _between(rng: np.random.Generator, lo, hi) -> np.ndarray:
    """Uniform integers in [lo, hi) with array bounds (hi <= lo gives lo)."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    span = np.maximum(hi - lo, 1)
    return lo + np.floor(rng.random(np.broadcast(lo, hi).shape) * span).astype(np.int64)


def _dates_in_year(rng: np.random.Generator, year: int, n: int) -> np.ndarray:
    months = rng.choice(12, size=n, p=MONTH_WEIGHTS / MONTH_WEIGHTS.sum()) + 1
    first = ymd(np.full(n, year), months, 1)
    nxt = ymd(np.where(months == 12, year + 1, year), np.where(months == 12, 1, months + 1), 1)
    return to_weekday(first + np.floor(rng.random(n) * (nxt - first)).astype(np.int64))


def _ages(rng, dist: dict[int, float], n: int) -> np.ndarray:
    k = np.array(list(dist.keys()))
    p = np.array(list(dist.values()), dtype=float)
    return k[rng.choice(len(k), size=n, p=p / p.sum())]


def _dob(rng, at_day: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Birth dates for people aged `age` (in whole years) on `at_day`."""
    return at_day - np.round(age * 365.25).astype(np.int64) - rng.integers(0, 365, len(at_day))


def simulate(rng: np.random.Generator, scale: float, until: int, start_year: int = 2016,
             opening_plans: int = 1830) -> dict[str, pd.DataFrame]:
    """Requests, assessments and plans with dates as day numbers (FAR = none)."""
    until_year = int(year_of(until))
    # ---------------------------------------------------------------- requests (regular flow)
    rec_days, ages = [], []
    for y in range(start_year, until_year + 1):
        target = REQUESTS_PER_YEAR.get(y, REQUESTS_PER_YEAR[2025] * 1.04 ** (y - 2025))
        n = int(round(target * scale * (1 + 0.02 * rng.standard_normal())))
        d = _dates_in_year(rng, y, n)
        d = d[d <= until]
        rec_days.append(d)
        ages.append(_ages(rng, REQUEST_AGES, len(d)))
    received = np.concatenate(rec_days)
    age = np.concatenate(ages)
    order = np.argsort(received, kind="stable")
    received, age = received[order], age[order]
    nreq = len(received)
    dob_new = _dob(rng, received, age)

    decision = choice(rng, ["Y", "N", "W"], [0.80, 0.16, 0.04], nreq).astype(object)
    decision = np.where((age >= 19) & (rng.random(nreq) < 0.3), "N", decision).astype(object)
    dd = np.where(rng.random(nreq) < 0.86, rng.integers(14, 43, nreq), 43 + gamma_days(rng, 2.0, 12.0, nreq))
    decision_date = np.where(decision == "W", FAR, to_weekday(received + dd))
    withdraw = received + rng.integers(7, 60, nreq)
    pending = ((decision != "W") & (decision_date > until)) | ((decision == "W") & (withdraw > until))
    decision = np.where(pending, None, decision).astype(object)
    decision_date = np.where(pending, FAR, decision_date)
    exported = np.where((decision == "W") & (rng.random(nreq) < 0.3),
                        choice(rng, TRANSFER_FROM, np.ones(len(TRANSFER_FROM)), nreq), None).astype(object)
    req = pd.DataFrame({
        "received": received, "dob": dob_new, "decision": decision, "decision_date": decision_date,
        "withdraw": np.where(decision == "W", withdraw, FAR), "exported": exported,
        "source": choice(rng, [1, 2, 3, 4, 5], [0.42, 0.40, 0.09, 0.04, 0.05], nreq),
        "rya": (rng.random(nreq) < 0.003).astype(int),
        "opening": False,
    })
    isN = req["decision"].to_numpy() == "N"
    req["mediation"] = (isN & (rng.random(nreq) < 0.08)).astype(int)
    req["tribunal"] = (isN & (rng.random(nreq) < 0.05)).astype(int)

    # ---------------------------------------------------------------- assessments
    ai = np.flatnonzero(req["decision"].to_numpy() == "Y")
    na = len(ai)
    rcv = received[ai]
    ddate = decision_date[ai]
    out = choice(rng, ["Y", "N", "W"], [0.80, 0.15, 0.05], na).astype(object)
    ryear = year_of(rcv + 120)
    rate = np.array([WITHIN_20.get(int(y), 0.6) for y in ryear])
    within = rng.random(na) < rate
    lo = np.maximum(ddate - rcv + 42, 84)
    t_in = _between(rng, lo, 141)
    t_late = 141 + gamma_days(rng, 2.0, 24.0, na) + (rng.random(na) < 0.03) * rng.integers(150, 320, na)
    t_y = np.maximum(np.where(within & (lo < 141), t_in, t_late), ddate - rcv + 42)
    out_y = to_weekday(rcv + t_y)
    out_y = np.where(out_y - rcv == 141, out_y + 1, out_y)
    out_n = to_weekday(ddate + np.where(rng.random(na) < 0.85, rng.integers(28, 71, na),
                                        71 + gamma_days(rng, 2, 15, na)))
    outcome_date = np.where(out == "Y", out_y, np.where(out == "N", out_n, FAR))
    wdraw = ddate + rng.integers(10, 90, na)
    draft = np.where(out == "Y", out_y - rng.integers(14, 43, na), FAR)
    draft = np.where(out == "Y", np.minimum(np.maximum(draft, ddate + 14), out_y - 7), FAR)
    draft = np.where((out == "Y") & (draft <= ddate), ddate + (out_y - ddate) // 2, draft)
    pend = ((out != "W") & (outcome_date > until)) | ((out == "W") & (wdraw > until))
    out = np.where(pend, None, out).astype(object)
    outcome_date = np.where(pend, FAR, outcome_date)
    draft = np.where(draft > until, FAR, draft)
    late = (out == "Y") & (outcome_date - rcv > 140)
    w20 = (late & (rng.random(na) < 0.14)).astype(int)
    isn = out == "N"
    ass = pd.DataFrame({
        "req_idx": ai, "outcome": out, "outcome_date": outcome_date, "draft": draft,
        "withdraw": np.where(out == "W", wdraw, FAR), "w20": w20,
        "reason": np.where(w20 == 1, choice(rng, EXCEPTION_REASONS, [4, 3, 2, 1], na), None),
        "mediation": (isn & (rng.random(na) < 0.10)).astype(int),
        "tribunal": (isn & (rng.random(na) < 0.06)).astype(int),
        "other_mediation": ((out == "Y") & (rng.random(na) < 0.03)).astype(int),
        "other_tribunal": ((out == "Y") & (rng.random(na) < 0.02)).astype(int),
        "opening": False,
    })

    # ---------------------------------------------------------------- persons for requests (repeats)
    # a refused person may come back with a fresh request some months later
    person_of_req = np.arange(nreq)  # provisional: one person per request
    refused_at = np.full(nreq, FAR)
    refused_at[isN] = decision_date[isN]
    a_n = ass["outcome"].to_numpy() == "N"
    refused_at[ai[a_n]] = outcome_date[a_n]
    pool: list[int] = []
    pool_ptr = np.argsort(refused_at, kind="stable")
    j = 0
    rep_draw = rng.random(nreq)
    pick_draw = rng.random(nreq)
    person_dob = dob_new.copy()
    for r in range(nreq):
        while j < nreq and refused_at[pool_ptr[j]] + 150 <= received[r]:
            pool.append(int(pool_ptr[j]))
            j += 1
        if pool and rep_draw[r] < 0.08:
            k = int(pick_draw[r] * len(pool))
            prev = pool.pop(k)
            p = person_of_req[prev]
            if (received[r] - person_dob[p]) < 23 * 365:
                person_of_req[r] = p
    # dob follows the person
    req["person_idx"] = person_of_req
    req["dob"] = person_dob[person_of_req]

    # ---------------------------------------------------------------- plans from assessments
    issued = np.flatnonzero(ass["outcome"].to_numpy() == "Y")
    plans = pd.DataFrame({
        "ass_idx": issued, "person_idx": person_of_req[ai[issued]], "start": outcome_date[issued],
        "transfer_la": None, "transfer_in": FAR, "kind": "new",
    })

    # ---------------------------------------------------------------- opening stock (2014-2016)
    n_open = int(round(opening_plans * scale))
    o_age = _ages(rng, {a: w for a, w in CASELOAD_AGES.items() if a >= 4}, n_open)
    census17 = int(ymd(2017, 1, 16))
    o_dob = _dob(rng, np.full(n_open, census17), o_age)
    lo_s, hi_s = int(ymd(2014, 9, 1)), int(ymd(2016, 7, 31))
    o_start = to_weekday(_between(rng, np.maximum(lo_s, o_dob + 2 * 365), hi_s))
    o_start = np.minimum(o_start, hi_s)
    o_t = np.where(rng.random(n_open) < 0.5, rng.integers(90, 141, n_open), 141 + gamma_days(rng, 2, 25, n_open))
    o_rcv = to_weekday(o_start - o_t)
    o_dd = to_weekday(o_rcv + rng.integers(18, 43, n_open))
    o_draft = np.maximum(o_start - rng.integers(14, 43, n_open), o_dd + 14)
    base_person = nreq
    oreq = pd.DataFrame({
        "received": o_rcv, "dob": o_dob, "decision": "Y", "decision_date": o_dd, "withdraw": FAR, "exported": None,
        "source": choice(rng, [1, 2, 3, 4, 5], [0.42, 0.40, 0.09, 0.04, 0.05], n_open), "rya": 0,
        "opening": True, "mediation": 0, "tribunal": 0, "person_idx": base_person + np.arange(n_open),
    })
    oass = pd.DataFrame({
        "req_idx": nreq + np.arange(n_open), "outcome": "Y", "outcome_date": o_start, "draft": o_draft,
        "withdraw": FAR, "w20": 0, "reason": None, "mediation": 0, "tribunal": 0, "other_mediation": 0,
        "other_tribunal": 0, "opening": True,
    })
    oplans = pd.DataFrame({
        "ass_idx": na + np.arange(n_open), "person_idx": base_person + np.arange(n_open), "start": o_start,
        "transfer_la": None, "transfer_in": FAR, "kind": "opening",
    })
    req = pd.concat([req, oreq], ignore_index=True)
    ass = pd.concat([ass, oass], ignore_index=True)
    person_dob = np.concatenate([person_dob, o_dob])

    # ---------------------------------------------------------------- transfers in (~5% of plans)
    t_days, t_age = [], []
    new_by_year = pd.Series(year_of(plans["start"].to_numpy())).value_counts()
    for y in range(2015, until_year + 1):
        base = new_by_year.get(y, 0) if y >= 2017 else 200 * scale
        n = int(rng.poisson(0.07 * base))
        d = _dates_in_year(rng, y, n)
        d = d[d <= until]
        t_days.append(d)
        t_age.append(_ages(rng, {a: w for a, w in CASELOAD_AGES.items() if a <= 18}, len(d)))
    t_in = np.concatenate(t_days)
    t_age = np.concatenate(t_age)
    nt = len(t_in)
    t_dob = _dob(rng, t_in, t_age)
    t_start = to_weekday(_between(rng, np.maximum(t_in - 1500, t_dob + 2 * 365), t_in - 60))
    t_start = np.minimum(t_start, t_in - 30)
    base_person = len(person_dob)
    tplans = pd.DataFrame({
        "ass_idx": -1, "person_idx": base_person + np.arange(nt), "start": t_start,
        "transfer_la": choice(rng, TRANSFER_FROM, np.ones(len(TRANSFER_FROM)), nt), "transfer_in": t_in,
        "kind": "transfer",
    })
    person_dob = np.concatenate([person_dob, t_dob])
    plans = pd.concat([plans, oplans, tplans], ignore_index=True)
    plans["dob"] = person_dob[plans["person_idx"].to_numpy()]
    plans["local_start"] = np.where(plans["kind"] == "transfer", plans["transfer_in"], plans["start"])

    # ---------------------------------------------------------------- needs
    npl = len(plans)
    C = cohort(plans["dob"].to_numpy())
    age_start = ay_of(plans["local_start"].to_numpy()) - C
    grp = np.where(age_start < 6, "young", np.where(age_start < 11, "mid", "old"))
    need1 = np.empty(npl, dtype=object)
    for g in ("young", "mid", "old"):
        m = grp == g
        need1[m] = choice(rng, NEEDS, NEED_P[g], int(m.sum()))
    need2 = choice(rng, NEEDS, NEED2_P, npl).astype(object)
    for _ in range(3):
        same = need2 == need1
        need2[same] = choice(rng, NEEDS, NEED2_P, int(same.sum()))
    need2 = np.where((need2 == need1) | (rng.random(npl) >= 0.40), None, need2)
    plans["need1"], plans["need2"] = need1, need2

    # ---------------------------------------------------------------- ends (cease)
    a_exit = choice(rng, np.arange(15, 25), [6, 10, 22, 20, 14, 9, 7, 5, 3, 4], npl)
    severe = np.isin(need1, ["SLD", "PMLD", "MSI", "DS", "PD"])
    a_exit = np.where(severe, np.minimum(a_exit + 2, 24), a_exit)
    a_exit = np.minimum(np.maximum(a_exit, age_start + 1), 24)
    exit_day = to_weekday(ymd(C + a_exit + 1, 7, 15) + rng.integers(0, 75, npl))
    exit_reason = np.where(a_exit >= 24, 1, choice(rng, [6, 2, 4, 3, 9], [45, 27, 15, 7, 6], npl))
    ls = plans["local_start"].to_numpy()
    exit_day = np.maximum(exit_day, ls + 120)

    def hazard(rate, mask=None):
        t = ls + np.round(rng.exponential(365.25 / rate, npl)).astype(np.int64)
        return t if mask is None else np.where(mask, t, FAR)

    age_at = lambda t: ay_of(np.minimum(t, 2_900_000)) - C  # noqa: E731
    t5 = hazard(0.023)
    t5 = np.where(age_at(t5) >= 19, FAR, t5)
    t2 = hazard(0.007)
    t2 = np.where(age_at(t2) >= 16, FAR, t2)
    cands = np.vstack([exit_day, t5, t2, hazard(0.002), hazard(0.0015), hazard(0.002)])
    reasons = np.vstack([exit_reason, np.full(npl, 5), np.full(npl, 2), np.full(npl, 7), np.full(npl, 8),
                         np.full(npl, 9)])
    k = np.argmin(cands, axis=0)
    cease = to_weekday(cands[k, np.arange(npl)])
    reason = reasons[k, np.arange(npl)]
    cease = np.maximum(cease, ls + 30)
    active = cease > until
    plans["cease"] = np.where(active, FAR, cease)
    plans["cease_reason"] = np.where(active, None, reason).astype(object)
    plans["cohort"] = C
    return {"requests": req, "assessments": ass, "plans": plans, "person_dob": person_dob}
