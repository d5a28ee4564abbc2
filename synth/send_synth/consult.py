"""Consultations with schools before a placement is named (new plans and phase transfers)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .util import FAR, dom_of, month_of, to_weekday


def build(rng: np.random.Generator, plans: pd.DataFrame, placements: pd.DataFrame, est: pd.DataFrame,
          draft_of_plan: np.ndarray, until: int) -> pd.DataFrame:
    P = placements[placements["rank"] == 1].sort_values(["plan", "s"], kind="stable")
    first = ~P["plan"].duplicated()
    ekind = est["kind"].to_numpy()
    is_open = est["open"].to_numpy()
    urn = est["urn"].to_numpy()
    plan_kind = plans["kind"].to_numpy()
    start = plans["local_start"].to_numpy()
    # events: (plan, target establishment or -1, window start, window end, reply deadline)
    f = P[first.to_numpy()]
    f = f[plan_kind[f["plan"].to_numpy()] != "transfer"]
    fi = f["inst"].to_numpy()
    f_set = f["setting"].astype(str).to_numpy()
    keep = (fi >= 0) | np.isin(f_set, ["NIEO", "OLA"])
    f = f[keep]
    fp = f["plan"].to_numpy()
    lo = np.where(draft_of_plan[fp] < FAR, draft_of_plan[fp], start[fp] - 40)
    hi = np.maximum(start[fp] - 7, lo + 1)
    ev_plan = [fp]
    ev_target = [f["inst"].to_numpy()]
    ev_lo = [lo]
    ev_hi = [hi]
    ev_cap = [start[fp] - 1]
    # phase transfers: a new school from 1 September, consulted the autumn before
    t = P[~first.to_numpy()]
    s = t["s"].to_numpy()
    pt = (dom_of(s) == 1) & (month_of(s) == 9) & (t["inst"].to_numpy() >= 0)
    t = t[pt]
    s = t["s"].to_numpy()
    ev_plan.append(t["plan"].to_numpy())
    ev_target.append(t["inst"].to_numpy())
    ev_lo.append(s - 330)
    ev_hi.append(s - 250)
    ev_cap.append(s - 150)
    plan_ = np.concatenate(ev_plan)
    target = np.concatenate(ev_target)
    lo = np.concatenate(ev_lo)
    hi = np.concatenate(ev_hi)
    cap = np.concatenate(ev_cap)
    n_ev = len(plan_)
    n_alt = rng.choice(3, n_ev, p=[0.5, 0.32, 0.18])
    n_alt = np.where(target < 0, np.maximum(n_alt, 1), n_alt)
    # alternatives: schools of the same kind (special schools decline more often)
    pools = {k: np.flatnonzero((ekind == k) & is_open) for k in set(ekind)}
    rows = []
    span = np.maximum(hi - lo, 1)
    for rep in range(3):
        m = np.flatnonzero(n_alt > rep)
        if not len(m):
            break
        tk = np.where(target[m] >= 0, ekind[np.clip(target[m], 0, None)], "special_la")
        alt = np.empty(len(m), dtype=np.int64)
        for k in np.unique(tk):
            mm = tk == k
            pool = pools.get(k, pools["primary"])
            alt[mm] = pool[rng.integers(0, len(pool), int(mm.sum()))]
        special = np.isin(ekind[alt], ["special_la", "special_ooa", "indep_special", "nmss"])
        r = rng.random(len(m))
        resp = np.where(r < np.where(special, 0.72, 0.55), "Declined",
                        np.where(r < np.where(special, 0.92, 0.85), "No response", "Accepted"))
        sent = to_weekday(lo[m] + np.floor(rng.random(len(m)) * span[m]).astype(np.int64))
        rd = np.where(resp == "No response", FAR, to_weekday(sent + rng.integers(5, 30, len(m))))
        rows.append(pd.DataFrame({"plan": plan_[m], "inst": alt, "sent": sent, "response": resp, "rdate": rd,
                                  "decision": "Not named"}))
    m = np.flatnonzero(target >= 0)
    sent = to_weekday(lo[m] + np.floor(rng.random(len(m)) * span[m]).astype(np.int64))
    rd = to_weekday(np.minimum(sent + rng.integers(3, 25, len(m)), np.maximum(cap[m], sent + 1)))
    rows.append(pd.DataFrame({"plan": plan_[m], "inst": target[m], "sent": sent, "response": "Accepted", "rdate": rd,
                              "decision": "Named"}))
    C = pd.concat(rows, ignore_index=True)
    C = C[C["sent"] <= until].copy()
    no_reply = (C["response"] == "No response").to_numpy()
    pending = np.where(no_reply, C["sent"].to_numpy() > until - 30, C["rdate"].to_numpy() > until)
    C.loc[pending, "response"] = None
    C.loc[pending, "decision"] = None
    C.loc[pending | no_reply, "rdate"] = FAR
    C["person_idx"] = plans["person_idx"].to_numpy()[C["plan"].to_numpy()]
    C["urn"] = urn[C["inst"].to_numpy()]
    C = C.sort_values(["sent", "plan", "urn"], kind="stable").reset_index(drop=True)
    return C
