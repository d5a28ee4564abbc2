"""Placement histories: phases, moves, the LA's special schools filled up to their capacity."""
from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from .gias import special_capacity_factor
from .util import FAR, ay_of, ymd

# chance of a special-school place by primary need, and by phase (EY, primary, secondary, 16-19, 19+)
P_SPECIAL = {"ASD": 0.46, "SLCN": 0.15, "SEMH": 0.42, "MLD": 0.48, "SLD": 0.97, "PMLD": 0.99, "SPLD": 0.03,
             "HI": 0.25, "VI": 0.25, "MSI": 0.85, "PD": 0.55, "DS": 0.75, "OTH": 0.30}
PHASE_MULT = np.array([0.6, 1.15, 1.5, 1.15, 0.0])
NIEO_TEXT = ["Permanently excluded – awaiting placement", "Awaiting specialist placement",
             "Transferred in – awaiting school place", "Medical needs – not attending"]
STATE_KINDS = {"primary", "secondary", "special_la", "special_ooa", "pru", "nursery"}


def _phase_starts(C: np.ndarray) -> list[np.ndarray]:
    return [np.full(len(C), -FAR), ymd(C + 4, 9, 1), ymd(C + 11, 9, 1), ymd(C + 16, 9, 1), ymd(C + 19, 9, 1)]


def build(rng: np.random.Generator, plans: pd.DataFrame, est: pd.DataFrame, scale: float, until: int) -> pd.DataFrame:
    """Placements (rank 1 and a few rank 2) for every plan, as day numbers; FAR leaving = still there."""
    npl = len(plans)
    C = plans["cohort"].to_numpy(np.int64)
    ls = plans["local_start"].to_numpy(np.int64)
    end = plans["cease"].to_numpy(np.int64)
    kind = plans["kind"].to_numpy()
    reason = plans["cease_reason"].to_numpy(object)
    starts = _phase_starts(C)
    seg = {k: [] for k in ("plan", "phase", "s", "e", "move", "nieo", "niec")}
    for p in range(5):
        s = np.maximum(ls, starts[p])
        e = np.minimum(end, (starts[p + 1] - 1) if p < 4 else np.full(npl, FAR))
        ok = (s <= e) & (s <= until)
        i = np.flatnonzero(ok)
        seg["plan"].append(i)
        seg["phase"].append(np.full(len(i), p))
        seg["s"].append(s[i])
        seg["e"].append(e[i])
        for k in ("move", "nieo", "niec"):
            seg[k].append(np.zeros(len(i), dtype=bool))
    S = {k: np.concatenate(v) for k, v in seg.items()}
    # the first segment of a plan transferred in: some wait for a school place
    order = np.lexsort((S["s"], S["plan"]))
    S = {k: v[order] for k, v in S.items()}
    first = np.r_[True, S["plan"][1:] != S["plan"][:-1]]
    last = np.r_[S["plan"][1:] != S["plan"][:-1], True]
    n = len(S["s"])
    length = np.minimum(S["e"], until) - S["s"]
    split_nieo = first & (kind[S["plan"]] == "transfer") & (rng.random(n) < 0.2) & (length > 120)
    split_move = (rng.random(n) < 0.07) & (length > 300) & (S["phase"] >= 1)
    split_niec = last & (end[S["plan"]] < FAR) & np.array([r == 6 for r in reason[S["plan"]]]) & \
        (S["phase"] >= 3) & (rng.random(n) < 0.3) & (length > 120)
    cut = np.where(split_nieo, S["s"] + rng.integers(20, 90, n),
                   np.where(split_niec, S["e"] - rng.integers(30, 60, n),
                            S["s"] + 120 + np.floor(rng.random(n) * np.maximum(length - 180, 1)).astype(np.int64)))
    sp = split_nieo | split_move | split_niec
    a = {k: v.copy() for k, v in S.items()}
    a["e"] = np.where(sp, cut - 1, S["e"])
    a["nieo"] = split_nieo
    b = {k: v[sp].copy() for k, v in S.items()}
    b["s"] = cut[sp]
    b["move"] = split_move[sp]
    b["niec"] = split_niec[sp]
    S = {k: np.concatenate([a[k], b[k]]) for k in a}
    order = np.lexsort((S["plan"], S["s"]))
    S = {k: v[order] for k, v in S.items()}
    n = len(S["s"])

    # ---------------------------------------------------------------- institutions
    est = est.reset_index(drop=True)
    ekind = est["kind"].to_numpy()
    low = est["low"].to_numpy()
    high = est["high"].to_numpy()
    is_open = est["open"].to_numpy()
    home = est["home"].to_numpy()
    sixth = est["sixth"].to_numpy()
    cap = est["capacity"].fillna(0).to_numpy(float)
    succ_of = {int(i): int(est.index[est["urn"] == u][0]) for i, u in zip(est.index, est["successor"]) if pd.notna(u)}

    def pool(mask):
        return np.flatnonzero(mask & is_open)

    home_pri = pool((ekind == "primary") & home)
    nursery_pri = pool((ekind == "primary") & home & (low <= 3))
    la_nursery = pool(ekind == "nursery")
    nb_pri = pool((ekind == "primary") & ~home)
    home_sec = pool((ekind == "secondary") & home)
    sixth_sec = pool((ekind == "secondary") & home & sixth)
    nb_sec = pool((ekind == "secondary") & ~home)
    pru = pool(ekind == "pru")
    home_col = pool((ekind == "college") & home)
    nb_col = pool((ekind == "college") & ~home)
    spi = pool(ekind == "spi")
    la_sp = pool(ekind == "special_la")
    over = {k: pool(ekind == k) for k in ("indep_special", "special_ooa", "nmss")}
    # resourced provision / SEN units in some mainstream schools
    rp_schools = set(rng.choice(home_pri, 6, replace=False).tolist() + rng.choice(home_sec, 3, replace=False).tolist())
    unit_schools = set(rng.choice(sorted(set(home_pri.tolist()) - rp_schools), 2, replace=False).tolist()
                       + rng.choice(sorted(set(home_sec.tolist()) - rp_schools), 1, replace=False).tolist())

    def pick(rng_u: float, cands: np.ndarray, weights: np.ndarray | None = None, avoid: int = -1) -> int:
        if avoid >= 0 and len(cands) > 1:
            cands = cands[cands != avoid]
        if weights is None:
            return int(cands[min(int(rng_u * len(cands)), len(cands) - 1)])
        w = weights[cands]
        cw = np.cumsum(w) / w.sum()
        return int(cands[min(int(np.searchsorted(cw, rng_u)), len(cands) - 1)])

    sp_cap = {int(i): cap[i] * scale for i in la_sp}
    cap_factor = {y: special_capacity_factor(y) for y in range(2010, 2040)}
    occ = {int(i): 0 for i in la_sp}
    heap: list[tuple[int, int]] = []

    need1 = plans["need1"].to_numpy(object)
    u_sp = rng.random(npl)
    p_need = np.array([P_SPECIAL[x] for x in need1])
    seg_ay = ay_of(S["s"])
    seg_age = seg_ay - C[S["plan"]]
    u_eff = np.where(S["move"], u_sp[S["plan"]] * 0.6, u_sp[S["plan"]])
    special = u_eff < p_need[S["plan"]] * PHASE_MULT[S["phase"]]
    R = rng.random((n, 5))

    inst = np.full(n, -1, dtype=np.int64)          # establishment row, or -1 for a setting code
    setting = np.full(n, None, dtype=object)
    other = np.full(n, None, dtype=object)
    wbp = np.full(n, None, dtype=object)
    last_inst = np.full(npl, -1, dtype=np.int64)
    last_set = np.full(npl, None, dtype=object)

    def eligible(cands, age):
        return cands[(low[cands] - 1 <= age) & (age <= high[cands] - 1)]

    def la_special_with_room(age, day, ay):
        f = cap_factor.get(int(ay), 1.0)
        c = eligible(la_sp, age)
        return np.array([i for i in c if occ[int(i)] < sp_cap[int(i)] * f], dtype=np.int64)

    def overflow(u1, u2, age):
        kinds = ["indep_special", "special_ooa", "nmss"]
        k = kinds[int(np.searchsorted([0.55, 0.90, 1.0], u1))]
        c = eligible(over[k], age)
        if not len(c):
            c = eligible(np.concatenate(list(over.values())), age)
        return pick(u2, c) if len(c) else -2  # nowhere suitable: mainstream / other below

    S_plan, S_phase, S_s, S_e = S["plan"], S["phase"], S["s"], S["e"]
    for i in range(n):
        p = int(S_plan[i])
        ph = int(S_phase[i])
        s = int(S_s[i])
        while heap and heap[0][0] < s:
            _, sch = heapq.heappop(heap)
            occ[sch] -= 1
        age = int(seg_age[i])
        r0, r1, r2, r3, r4 = R[i]
        prev = int(last_inst[p])
        moved = bool(S["move"][i])
        if S["nieo"][i]:
            setting[i], other[i] = "NIEO", NIEO_TEXT[2]
        elif S["niec"][i]:
            setting[i] = "NIEC"
        elif special[i] and ph <= 3:
            prev_ok = prev >= 0 and ekind[prev] in ("special_la", "indep_special", "special_ooa", "nmss") \
                and low[prev] - 1 <= age <= high[prev] - 1 and not moved
            if prev_ok and (ekind[prev] == "special_la" or r1 < 0.85):
                inst[i] = prev
            elif ph == 3 and r2 < 0.5:
                inst[i] = -2  # leave special at 16: college or specialist post-16 below
            else:
                room = la_special_with_room(age, s, seg_ay[i])
                inst[i] = pick(r3, room, cap) if len(room) else overflow(r3, r4, age)
        if inst[i] == -1 and setting[i] is None or inst[i] == -2:
            inst[i] = -1
            if ph == 0:
                if r0 < 0.5:
                    setting[i] = "EYP"
                elif r0 < 0.9 or not len(la_nursery):
                    inst[i] = pick(r1, nursery_pri, cap)
                else:
                    inst[i] = pick(r1, la_nursery)
            elif ph == 1:
                if prev >= 0 and ekind[prev] == "primary" and not moved and r2 < 0.75:
                    inst[i] = prev
                elif r0 < 0.94:
                    inst[i] = pick(r1, home_pri, cap, avoid=prev)
                elif r0 < 0.975:
                    inst[i] = pick(r1, nb_pri)
                else:
                    setting[i] = ["EHE", "OLA", "NIEO", "OPA"][int(np.searchsorted([0.45, 0.7, 0.85, 1.0], r1))]
            elif ph == 2:
                if r0 < 0.84:
                    inst[i] = pick(r1, home_sec, cap, avoid=prev)
                elif r0 < 0.88:
                    inst[i] = pick(r1, nb_sec)
                elif r0 < 0.925:
                    inst[i] = pick(r1, pru)
                else:
                    setting[i] = ["EHE", "OLA", "NIEO", "OPA"][int(np.searchsorted([0.4, 0.7, 0.9, 1.0], r1))]
            elif ph == 3:
                was_special = prev >= 0 and ekind[prev] in ("special_la", "indep_special", "special_ooa", "nmss")
                if prev >= 0 and ekind[prev] == "secondary" and sixth[prev] and not moved and r2 < 0.35:
                    inst[i] = prev
                elif was_special:
                    inst[i] = pick(r1, spi) if r0 < 0.35 else pick(r1, home_col)
                elif r0 < 0.62:
                    inst[i] = pick(r1, home_col) if r2 < 0.8 else pick(r1, nb_col)
                elif r0 < 0.72:
                    inst[i] = pick(r1, sixth_sec, cap)
                elif r0 < 0.80:
                    inst[i] = pick(r1, home_col)
                    wbp[i] = ["A", "T", "S"][int(np.searchsorted([0.6, 0.75, 1.0], r2))]
                elif r0 < 0.90:
                    setting[i] = "NEET"
                elif r0 < 0.94:
                    inst[i] = pick(r1, spi)
                elif r0 < 0.97:
                    setting[i] = "NIEO"
                else:
                    setting[i] = "OLA"
            else:
                if prev >= 0 and ekind[prev] == "college" and not moved and r2 < 0.65:
                    inst[i] = prev
                elif r0 < 0.50:
                    inst[i] = pick(r1, home_col)
                elif r0 < 0.62:
                    inst[i] = pick(r1, spi)
                elif r0 < 0.72:
                    inst[i] = pick(r1, home_col)
                    wbp[i] = "S"
                elif r0 < 0.88:
                    setting[i] = "NEET"
                elif r0 < 0.93:
                    setting[i] = "OLA"
                elif r0 < 0.97:
                    setting[i] = "NIEO"
                else:
                    setting[i], other[i] = "OTH", "Specialist post-19 provision – to be named"
            if setting[i] == "NIEO" and other[i] is None:
                other[i] = NIEO_TEXT[0] if ph == 2 and r3 < 0.5 else NIEO_TEXT[1] if r3 < 0.8 else NIEO_TEXT[3]
        if inst[i] >= 0 and ekind[inst[i]] == "special_la":
            occ[int(inst[i])] += 1
            heapq.heappush(heap, (int(S_e[i]), int(inst[i])))
        last_inst[p] = inst[i]
        last_set[p] = setting[i]

    P = pd.DataFrame({"plan": S_plan, "phase": S_phase, "s": S_s, "e": S_e, "inst": inst, "setting": setting,
                      "setting_other": other, "wbp": wbp, "rank": 1})
    # flags
    u = rng.random(len(P))
    P["rp"] = np.array([i in rp_schools for i in inst]) & (u < 0.5)
    P["unit"] = np.array([i in unit_schools for i in inst]) & (u < 0.5)
    # merge consecutive rows of the same plan at the same place
    P = P.sort_values(["plan", "s"], kind="stable").reset_index(drop=True)
    key = P["inst"].astype(str) + "|" + P["setting"].astype(str) + "|" + P["wbp"].astype(str) + "|" + \
        P["rp"].astype(str) + "|" + P["unit"].astype(str)
    new_block = (P["plan"] != P["plan"].shift()) | (key != key.shift())
    P["block"] = new_block.cumsum()
    agg = P.groupby("block", sort=False).agg(
        plan=("plan", "first"), phase=("phase", "first"), s=("s", "first"), e=("e", "last"), inst=("inst", "first"),
        setting=("setting", "first"), setting_other=("setting_other", "first"), wbp=("wbp", "first"),
        rank=("rank", "first"), rp=("rp", "first"), unit=("unit", "first"))
    P = agg.reset_index(drop=True)
    # academy conversions: before the conversion day the pupil was at the predecessor school
    rows = []
    for si, pi in ((v, k) for k, v in succ_of.items()):
        open_day = (np.datetime64(est.at[si, "open_date"]) - np.datetime64("1970-01-01")).astype(np.int64)
        m = (P["inst"] == si) & (P["s"] < open_day)
        for j in np.flatnonzero(m.to_numpy()):
            r = P.iloc[j].copy()
            if r["e"] >= open_day:
                r2 = r.copy()
                r2["s"] = open_day
                rows.append(r2)
            P.at[j, "inst"] = pi
            P.at[j, "e"] = min(int(r["e"]), int(open_day) - 1)
    if rows:
        P = pd.concat([P, pd.DataFrame(rows)], ignore_index=True)
    # a few second (rank 2) placements: dual registration, link placements, work experience
    school_age = P["phase"].isin([1, 2]) & (P["inst"] >= 0)
    length = np.minimum(P["e"].to_numpy(), until) - P["s"].to_numpy()
    pick2 = np.flatnonzero(school_age.to_numpy() & (length > 150) & (rng.random(len(P)) < 0.05))
    extra = []
    for j in pick2:
        r = P.iloc[j]
        k = ekind[int(r["inst"])]
        if k in ("special_la", "indep_special", "special_ooa", "nmss"):
            c = home_pri if r["phase"] == 1 else home_sec
        elif r["phase"] == 2:
            c = pru
        else:
            c = la_sp[(low[la_sp] <= 5)]
        s2 = int(r["s"]) + int(rng.integers(0, max(1, int(length[j]) // 2)))
        e2 = min(int(r["e"]), s2 + int(rng.integers(60, 400)))
        extra.append({"plan": r["plan"], "phase": r["phase"], "s": s2, "e": e2, "inst": pick(rng.random(), c),
                      "setting": None, "setting_other": None, "wbp": None, "rank": 2, "rp": False, "unit": False})
    if extra:
        P = pd.concat([P, pd.DataFrame(extra)], ignore_index=True)
    P = P.sort_values(["plan", "rank", "s"], kind="stable").reset_index(drop=True)
    ik = np.where(P["inst"] >= 0, ekind[P["inst"].clip(lower=0)], None)
    P["inst_kind"] = ik
    P["uses_ukprn"] = np.isin(ik.astype(str), ["college", "spi"])
    res_r = rng.random(len(P))
    resid = np.isin(ik.astype(str), ["indep_special", "nmss", "spi"])
    P["residential"] = np.where(resid & (res_r < 0.18), "A", np.where(resid & (res_r < 0.26), "B", None))
    named = np.where(P["inst"] >= 0, 1, np.isin(P["setting"].astype(str), ["OLA", "EYP", "OTH"]).astype(int))
    named = np.where(P["inst_kind"].astype(str) == "pru", 0, named)
    P["named"] = named
    return P


def special_share(P: pd.DataFrame, plans_active: np.ndarray, day: int) -> float:
    """Share of the given active plans whose rank-1 placement on `day` is a special school."""
    on = P[(P["rank"] == 1) & (P["s"] <= day) & (P["e"] >= day) & P["plan"].isin(plans_active)]
    sp = on["inst_kind"].isin(["special_la", "indep_special", "special_ooa", "nmss"])
    return float(sp.sum()) / max(1, len(plans_active))
