"""Person rows: names, sex, ethnicity, postcode, UPN / ULN / UPN-unknown reason."""
from __future__ import annotations

import numpy as np
import pandas as pd

from send_pipeline.kernel.identifiers import UPN_ALPHA, make_uln, make_upn
from . import names as N
from .casework import ETHNICITY, TRANSFER_FROM
from .placements import STATE_KINDS
from .util import FAR, ay_of, choice, cohort

POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _with_check_letters(bodies: list[str]) -> list[str]:
    """Permanent UPNs (12 digits after the check letter), check letters computed in one go."""
    digits = np.frombuffer("".join(bodies).encode("ascii"), dtype=np.uint8).reshape(len(bodies), 12) - 48
    total = (digits.astype(np.int64) * np.arange(2, 14)).sum(axis=1) % 23
    letters = np.array(list(UPN_ALPHA))[total]
    out = [a + b for a, b in zip(letters, bodies)]
    assert out[0] == make_upn(bodies[0][:3], bodies[0][3:7], bodies[0][7:9], bodies[0][9:])
    return out


def build(rng: np.random.Generator, dob: np.ndarray, created: np.ndarray, until: int, la_code: str,
          plans: pd.DataFrame, placements: pd.DataFrame, est: pd.DataFrame) -> pd.DataFrame:
    """One row per person index (0..n-1); identifiers consistent with their age and schooling."""
    n = len(dob)
    sex = np.where(rng.random(n) < 0.70, "M", "F")
    fm = np.array(N.FORENAMES_M)[rng.integers(0, len(N.FORENAMES_M), n)]
    ff = np.array(N.FORENAMES_F)[rng.integers(0, len(N.FORENAMES_F), n)]
    forename = np.where(sex == "M", fm, ff)
    surname = np.array(N.SURNAMES)[rng.integers(0, len(N.SURNAMES), n)]
    eth = choice(rng, list(ETHNICITY), list(ETHNICITY.values()), n)
    dist = choice(rng, ["CV1", "CV2", "CV3", "CV4", "CV5", "CV6", "CV7"], [8, 22, 18, 14, 14, 22, 2], n)
    L = np.array(list(POSTCODE_LETTERS))
    postcode = (pd.Series(dist) + " " + pd.Series(rng.integers(1, 10, n).astype(str))
                + pd.Series(L[rng.integers(0, len(L), n)]) + pd.Series(L[rng.integers(0, len(L), n)])).to_numpy()

    # schooling: first state-funded school (establishment number for the UPN), any post-16 provider
    pl = placements.merge(plans[["person_idx"]], left_on="plan", right_index=True)
    state = pl[pl["inst_kind"].isin(list(STATE_KINDS))].sort_values("s")
    first_school = state.drop_duplicates("person_idx").set_index("person_idx")
    post16 = set(pl.loc[pl["inst_kind"].isin(["college", "spi"]) | pl["setting"].isin(["NEET"]), "person_idx"])
    transfer_la = plans.drop_duplicates("person_idx").set_index("person_idx")["transfer_la"]
    age_now = (np.minimum(until, FAR) - dob) / 365.25
    C = cohort(dob)
    estab_no = est["estab_no"].to_numpy()
    est_la = est["la_code"].to_numpy()

    # vectorised inputs of each identifier
    r_upn = rng.random(n)
    r_uln = rng.random(n)
    r_la = rng.random(n)
    serial = rng.integers(0, 1000, n)
    est_rand = rng.integers(2000, 4999, n)
    has_school = np.zeros(n, dtype=bool)
    fi = first_school.index.to_numpy(np.int64)
    has_school[fi] = True
    first_inst = np.zeros(n, dtype=np.int64)
    first_inst[fi] = first_school["inst"].to_numpy(np.int64)
    first_day = np.zeros(n, dtype=np.int64)
    first_day[fi] = first_school["s"].to_numpy(np.int64)
    e_no = np.array([int(v) if pd.notna(v) else -1 for v in estab_no], dtype=np.int64)
    estab = np.where(has_school & (e_no[first_inst] >= 0), e_no[first_inst], est_rand)
    yr = np.where(has_school, ay_of(first_day) % 100, (C + 4) % 100)
    other_la = np.array(TRANSFER_FROM)[np.arange(n) % len(TRANSFER_FROM)]
    la = np.where(has_school, est_la[first_inst], np.where(r_la < 0.9, la_code, other_la)).astype(object)
    t_la = transfer_la.reindex(range(n)).to_numpy(object)
    from_other = np.array([isinstance(t, str) for t in t_la]) & (r_la < 0.7)
    la = np.where(from_other, t_la, la)  # first registered at a school in the LA they came from
    gets_upn = has_school | ((age_now >= 5) & (r_upn < 0.97))
    gets_uln = (age_now >= 16) & (np.isin(np.arange(n), list(post16)) | (r_uln < 0.6))

    upn = np.full(n, None, dtype=object)
    uln = np.full(n, None, dtype=object)
    used_uln: set[str] = set()
    bodies = []
    # Each UPN head (LA, establishment, year) has 1,000 serials. A child takes the first free serial
    # from its own, in cyclic order; a full head passes to the next establishment. "First free from
    # k" is a union-find over each head's taken serials (same result as probing one by one, without
    # the quadratic probing a national-size LA would cost).
    nxt: dict[str, dict[int, int]] = {}

    def first_free(taken: dict[int, int], x: int) -> int:
        root = x
        while root in taken:
            root = taken[root]
        while x in taken and taken[x] != root:  # path compression
            taken[x], x = root, taken[x]
        return root

    for i in np.flatnonzero(gets_upn):
        start = int(serial[i]) % 1000
        e = int(estab[i])
        while True:
            head = f"{la[i]:0>3}{e:04d}{int(yr[i]):02d}"
            taken = nxt.setdefault(head, {})
            slot = first_free(taken, start)
            if slot == 1000:
                slot = first_free(taken, 0)
                slot = 1000 if slot >= start else slot
            if slot < 1000:
                break
            e = (e + 1) % 10000
        taken[slot] = slot + 1
        bodies.append(f"{head}{slot:03d}")
    if bodies:
        upn[gets_upn] = _with_check_letters(bodies)
    stems = rng.integers(100_000_000, 999_999_999, n)
    for i in np.flatnonzero(gets_uln):
        stem = int(stems[i])
        while True:
            cand = make_uln(str(stem))
            if cand and cand not in used_uln:
                break
            stem = int(rng.integers(100_000_000, 999_999_999))
        used_uln.add(cand)
        uln[i] = cand
    none = ~gets_upn & ~gets_uln
    unknown = np.where(none, np.where(age_now < 6, "UN1", np.where(age_now >= 16, "UN9", "UN2")), None)
    return pd.DataFrame({"forename": forename, "surname": surname, "dob": dob, "sex": sex, "ethnicity": eth,
                         "postcode": postcode, "upn": upn, "uln": uln, "upn_unknown_reason": unknown,
                         "created": created})
