"""The statutory team over time and which co-ordinator holds which plan."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import names as N
from .util import FAR, to_date, ymd

SENIOR = ("Senior EHC Plan Co-ordinator", "Grade 9")
COORD = ("EHC Plan Co-ordinator", "Grade 7")
MANAGER = ("SEND Statutory Team Manager", "Grade 10")
SUPPORT = ("SEND Support Officer", "Grade 5")
CASE_WEIGHT = {SENIOR[0]: 130.0, COORD[0]: 275.0}  # relative shares of the caseload
AGENCY_FROM = (2021, 10)  # agency co-ordinators only from the 2021/22 financial year

# co-ordinator posts: (year, month) each post was created, at scale 1
COORD_POSTS = [(2014, 9)] * 6 + [(2019, 9), (2022, 7), (2023, 4), (2023, 4), (2024, 1), (2024, 1)]
EXTRA_AGENCY = [((2021, 10), (2022, 6)), ((2024, 5), None)]


def _month_start(y: int, m: int) -> int:
    return int(ymd(y, m, 1))


def _add_months(d: int, k: int) -> int:
    dt = to_date(d)
    y, m = dt.year + (dt.month - 1 + k) // 12, (dt.month - 1 + k) % 12 + 1
    return _month_start(y, m)


def build_officers(rng: np.random.Generator, scale: float, until: int) -> pd.DataFrame:
    rows: list[dict] = []
    agency_from = _month_start(*AGENCY_FROM)
    names = [f"{f} {s}" for f in N.OFFICER_FORENAMES for s in N.OFFICER_SURNAMES]
    order = rng.permutation(len(names))
    # a national-size team outgrows the name lists: later rounds repeat them with a distinguishing initial
    name_iter = (f"{names[i]}" if k == 0 else f"{names[i].split(' ', 1)[0]} {chr(65 + (k - 1) % 26)}. {names[i].split(' ', 1)[1]}"
                 for k in range(10_000) for i in order)

    def person(role, grade, start, end, fte, agency=0):
        rows.append(dict(name=next(name_iter), role=role, grade=("Agency" if agency else grade), fte=fte,
                         start=start, end=end, is_agency=agency))

    def fill_post(role, grade, opened: int, tenure_years: float, fte_choices):
        t = opened
        while t <= until:
            months = max(6, int(rng.exponential(tenure_years * 12)))
            end_start = _add_months(t, months)
            end = end_start - 1
            fte = float(rng.choice(fte_choices[0], p=fte_choices[1]))
            if end >= until:
                person(role, grade, t, FAR, fte)
                return
            person(role, grade, t, end, fte)
            gap = int(rng.integers(1, 4))
            nxt = _add_months(end_start, gap)
            if nxt > until:  # every post is filled on the extract date
                nxt = max(end_start, _month_start(to_date(until).year, to_date(until).month))
            if role == COORD[0] and end_start >= agency_from and nxt - 1 <= until:
                person(COORD[0], None, end_start, nxt - 1, 1.0, agency=1)
            elif role == COORD[0] and end_start >= agency_from:
                person(COORD[0], None, end_start, FAR, 1.0, agency=1)
            t = nxt

    k = lambda n: max(1, int(round(n * scale)))  # noqa: E731
    opened0 = _month_start(2014, 9)
    fill_post(*MANAGER, opened0, 6.0, ([1.0], [1.0]))
    for _ in range(k(3)):
        fill_post(*SENIOR, opened0, 5.0, ([1.0, 0.8], [0.85, 0.15]))
    posts = COORD_POSTS if scale >= 1 else COORD_POSTS[: max(1, int(round(len(COORD_POSTS) * scale)))]
    reps = max(1, int(round(scale))) if scale >= 1 else 1
    for _ in range(reps):
        for (y, m) in posts:
            fill_post(*COORD, _month_start(y, m), 4.0, ([1.0, 0.9, 0.8, 0.6], [0.75, 0.08, 0.12, 0.05]))
    for _ in range(k(1)):
        for (a, b) in EXTRA_AGENCY:
            s = _month_start(*a)
            e = _add_months(_month_start(*b), 1) - 1 if b else FAR
            if s <= until:
                person(COORD[0], None, s, e if e <= until else FAR, 1.0, agency=1)
    for _ in range(k(2)):
        fill_post(*SUPPORT, opened0, 5.0, ([1.0, 0.6], [0.7, 0.3]))
    df = pd.DataFrame(rows)
    df = df.sort_values(["start", "name"], kind="stable").reset_index(drop=True)
    df["officer_id"] = np.arange(1, len(df) + 1) + 10
    return df


def assign(rng: np.random.Generator, plans: pd.DataFrame, officers: pd.DataFrame, until: int) -> pd.DataFrame:
    """Plan co-ordinator history: (plan index, officer row, from, to)."""
    holds = officers["role"].isin([SENIOR[0], COORD[0]]).to_numpy()
    w_role = np.where(officers["role"] == SENIOR[0], CASE_WEIGHT[SENIOR[0]], CASE_WEIGHT[COORD[0]])
    w = w_role * officers["fte"].to_numpy(float)
    o_start = officers["start"].to_numpy(np.int64)
    o_end = officers["end"].to_numpy(np.int64)
    ls = plans["local_start"].to_numpy(np.int64)
    cease = plans["cease"].to_numpy(np.int64)
    npl = len(plans)
    cur = np.full(npl, -1, dtype=np.int64)
    rec_plan, rec_off, rec_from = [], [], []

    def give(ix, frm, pool_idx):
        if len(ix) == 0:
            return
        p = w[pool_idx] / w[pool_idx].sum()
        choice = pool_idx[rng.choice(len(pool_idx), size=len(ix), p=p)]
        cur[ix] = choice
        rec_plan.append(ix)
        rec_off.append(choice)
        rec_from.append(frm)

    ms = _month_start(2014, 9)
    while ms <= until:
        me = _add_months(ms, 1) - 1
        in_post = np.flatnonzero(holds & (o_start <= ms) & (o_end >= me))
        if len(in_post) == 0:
            in_post = np.flatnonzero(holds & (o_start <= me) & (o_end >= ms))
        active = (ls <= me) & (cease >= ms)
        # officer left: hand the case over
        lost = active & (cur >= 0) & ~np.isin(cur, in_post)
        ix = np.flatnonzero(lost)
        give(ix, np.maximum(ls[ix], ms), in_post)
        # new plans this month
        ix = np.flatnonzero(active & (cur < 0))
        give(ix, np.maximum(ls[ix], ms), in_post)
        # newcomers take a share of the existing caseload; September rebalancing
        new = in_post[o_start[in_post] == ms]
        held = np.flatnonzero(active & (cur >= 0) & (ls < ms))
        if len(new) and len(held):
            share = w[new].sum() / w[in_post].sum() * 0.8
            ix = held[rng.random(len(held)) < share]
            give(ix, np.full(len(ix), ms), new)
        if to_date(ms).month == 9 and len(held):
            ix = held[rng.random(len(held)) < 0.06]
            give(ix, np.full(len(ix), ms), in_post)
        ms = _add_months(ms, 1)
    a = pd.DataFrame({"plan": np.concatenate(rec_plan), "officer": np.concatenate(rec_off),
                      "from": np.concatenate(rec_from)})
    a = a.sort_values(["plan", "from"], kind="stable")
    # one assignment per plan per day: keep the last
    a = a.drop_duplicates(["plan", "from"], keep="last")
    a = a[a["from"] <= np.where(cease[a["plan"].to_numpy()] < FAR, cease[a["plan"].to_numpy()], FAR)]
    nxt = a.groupby("plan")["from"].shift(-1)
    a["to"] = np.where(nxt.notna(), nxt.fillna(0).astype(np.int64) - 1, cease[a["plan"].to_numpy()])
    # drop no-op reassignments (same officer again)
    a = a.reset_index(drop=True)
    same = (a["plan"] == a["plan"].shift()) & (a["officer"] == a["officer"].shift())
    if same.any():
        grp = (~same).cumsum()
        a = a.groupby(grp).agg(plan=("plan", "first"), officer=("officer", "first"), **{"from": ("from", "first")},
                               to=("to", "last")).reset_index(drop=True)
    a["to"] = np.where(a["to"] > until, FAR, a["to"])
    return a


def caseload_on(assign_df: pd.DataFrame, officers: pd.DataFrame, d: int) -> pd.DataFrame:
    on = assign_df[(assign_df["from"] <= d) & (assign_df["to"] >= d)]
    c = on.groupby("officer").size().rename("plans")
    return officers.join(c, how="inner")[["name", "role", "fte", "plans"]]
