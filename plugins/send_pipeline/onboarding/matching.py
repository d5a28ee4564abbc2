"""One person is one person, across several returns and the CMS; the latest return wins for what it
covers, and the CMS, where configured, wins for the period it covers. Pure functions over entity tables
(onboarding.returns / blade, and CMS-shaped tables: shapes.columns), no warehouse.

THE MATCH RULE (stated once, here; docs/onboarding.md repeats it):
1. Two records are the same person when they share a UPN, or share a ULN, or share surname + forename +
   date of birth (trimmed, case-insensitive) where at least one of them has no UPN. A record with none
   of these is quarantined ("no UPN, no ULN and no full name with date of birth").
2. A matched group is AMBIGUOUS, and every record of it is quarantined (nothing of it loaded), when it holds
   - two different dates of birth ("one UPN or ULN, different dates of birth"), or
   - two different UPNs, or two different ULNs, joined through the other identifiers ("one person, two UPNs");
   and two groups with different UPNs that share name + date of birth are both quarantined ("same name and
   date of birth, different UPNs: a changed UPN or two people"): an officer decides, the pipeline does not.
   Reasons carry no values (names, UPNs, dates): the values go only to the owner-only quarantine file.
3. PRECEDENCE per record (a plan by person + start date, a request by person + received date, ...):
   the CMS, when it is configured, for records dated in the period it covers (cms_from onwards), and for any
   record it also holds; otherwise the return with the latest census day. A record's children (assessment,
   placements, needs, review items) come from the origin that won the record, never mixed.
4. IDS after matching: a person the CMS holds keeps the CMS's person_id; any other person gets
   ids.stable_id("person", <best identity of the group>), which is the reader's id for a cleanly matched
   person; requests and plans get ids.stable_id(entity, person, date); an assessment takes its request's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import ids, shapes

ENTITIES = shapes.ENTITIES
FROM = "from_origin"  # the column naming which origin (a key of combine's `origins`) a kept row came from

REASON_DOB = "one UPN or ULN, different dates of birth"
REASON_TWO_UPNS = "one person, two UPNs or ULNs"
REASON_NAME_DOB = "same name and date of birth, different UPNs: a changed UPN or two people"
REASON_NO_ID = "no UPN, no ULN and no full name with date of birth"
CMS = "cms"

# each entity's record identity after matching (the columns, with person_id/plan_id/request_id re-keyed)
RECORD = {"person": ["person_id"], "request": ["person_id", "received_date"], "plan": ["person_id", "start_date"]}
CHILD_OF = {"assessment": ("request", "request_id"), "placement": ("plan", "plan_id"), "need": ("plan", "plan_id"),
            "review": ("plan", "plan_id")}


@dataclass
class Matched:
    tables: dict[str, pd.DataFrame]            # entity → rows kept, person_id etc. re-keyed to the matched person
    quarantine: pd.DataFrame                   # origin, entity, person_id (the origin's), reason: no values
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # origin → entity → rows kept
    # origin → entity → rows given; rows_in - counts = superseded by another origin's record (a later
    # return, the CMS), held with a quarantined person, or an orphan (its parent record is not kept)
    rows_in: dict[str, dict[str, int]] = field(default_factory=dict)


def _record_id(entity: str, *parts) -> str:
    return str(ids.stable_id(entity, *parts))


def _names(s: pd.Series) -> pd.Series:
    return pd.Series([ids.norm_name(None if v is pd.NA or (isinstance(v, float) and v != v) else v) or None
                      for v in s], index=s.index, dtype=object)


def _norm(s: pd.Series) -> pd.Series:
    return pd.Series([None if v is None or v is pd.NA or (isinstance(v, float) and v != v) or not str(v).strip()
                      else str(v).strip().upper() for v in s], index=s.index, dtype=object)


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def match_people(people: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """For person rows of every origin (columns origin, person_id, upn, uln, surname, forename, dob): the
    matched person's id per row, and the quarantine reason per row (None = matched cleanly)."""
    p = people.reset_index(drop=True)
    upn, uln, dob = _norm(p["upn"]), _norm(p["uln"]), _norm(p["dob"])
    name = pd.Series([None if None in parts else "|".join(parts)
                      for parts in zip(_names(p["surname"]), _names(p["forename"]), dob)], dtype=object)
    u = _Union(len(p))
    first_upn: dict = {}
    for i, v in upn.items():  # a shared UPN: one person
        if v is not None:
            u.join(i, first_upn.setdefault(v, i))
    for col, needs_no_upn in ((uln, False), (name, True)):  # a shared ULN; name + dob where one lacks a UPN
        members: dict = {}
        for i, v in col.items():
            if v is not None:
                members.setdefault(v, []).append(i)
        for group in members.values():
            anchor = next((i for i in group if upn[i] is None), None) if needs_no_upn else group[0]
            if anchor is not None:
                for i in group:
                    u.join(anchor, i)
    root = pd.Series([u.find(i) for i in range(len(p))])
    reason = pd.Series([None] * len(p), dtype=object)
    groups = pd.DataFrame({"root": root, "upn": upn, "uln": uln, "dob": dob, "name": name})
    per = groups.groupby("root").agg(upns=("upn", "nunique"), ulns=("uln", "nunique"), dobs=("dob", "nunique"))
    reason[root.map(per["dobs"] > 1).to_numpy()] = REASON_DOB
    reason[(upn.isna() & uln.isna() & name.isna()).to_numpy()] = REASON_NO_ID
    two = root.map((per["upns"] > 1) | (per["ulns"] > 1)).to_numpy() & reason.isna().to_numpy()
    reason[two] = REASON_TWO_UPNS
    # name + dob shared by groups with different UPNs
    named = groups[groups["upn"].notna() & groups["name"].notna()]
    clash = named.groupby("name")["upn"].nunique()
    clash_names = set(clash[clash > 1].index)
    clash_roots = set(named.loc[named["name"].isin(clash_names), "root"])
    reason[root.isin(clash_roots).to_numpy() & reason.isna().to_numpy()] = REASON_NAME_DOB
    # the matched person's id: derived from the group's best identifier (UPN, else ULN, else name+dob)
    best = groups.assign(ident=[ids.identity(a, b, sn, fn, d) or f"row:{i}" for i, (a, b, sn, fn, d) in enumerate(
        zip(p["upn"].astype(object).where(upn.notna(), None), p["uln"].astype(object).where(uln.notna(), None),
            p["surname"].astype(object), p["forename"].astype(object), dob))])
    best["rank"] = best["ident"].str[:3].map({"upn": 0, "uln": 1, "nam": 2, "row": 3})
    ident = best.sort_values(["rank", "ident"]).drop_duplicates("root").set_index("root")["ident"]
    matched = root.map(lambda r: _record_id("person", ident[r]))
    matched.index, reason.index = people.index, people.index
    return matched, reason


def combine(origins: dict[str, dict[str, pd.DataFrame]], cms_from: str | None = None,
            census: dict[str, str] | None = None) -> Matched:
    """Several origins' entity tables → one set: people matched, each record from one origin.

    `origins`: origin name (a return's file name, or "cms") → entity → table (entity shapes, TEXT);
    `cms_from`: the first day the CMS covers (ISO), when "cms" is among the origins (None: the CMS wins only
    the records it holds); `census`: return origin → its census (reference) day, ISO text, the later the
    higher its precedence (default: the return's own `return_reference_date`).
    Returned tables carry FROM (the origin's name); the quarantine names origin, entity, the origin's
    person_id and a value-free reason.
    """
    names = list(origins)
    census = dict(census or {})
    for o in names:
        ref = origins[o]["person"].get("return_reference_date")
        if o not in census and ref is not None and ref.notna().any():
            census[o] = str(ref.dropna().iloc[0])
    people = pd.concat([origins[o]["person"].assign(**{FROM: o}) for o in names], ignore_index=True)
    matched, reason = match_people(people)
    # a person the CMS holds keeps the CMS's own id (the review tracker's `CMS ID` and every later night
    # refer to it); a person known only from returns keeps the id derived from their identity
    from_cms = (people[FROM] == CMS) & reason.isna()
    cms_id = dict(zip(matched[from_cms], people.loc[from_cms, "person_id"]))
    matched = matched.map(lambda m: cms_id.get(m, m))
    people = people.assign(matched=matched, reason=reason)
    remap = {(o, pid): m for o, pid, m in people[[FROM, "person_id", "matched"]].itertuples(index=False)}
    bad = {(o, pid) for o, pid, r in people[[FROM, "person_id", "reason"]].itertuples(index=False) if r}
    quarantine = people.loc[people["reason"].notna(), [FROM, "person_id", "reason"]]
    quarantine = quarantine.rename(columns={FROM: "origin"}).assign(entity="person")
    with_cms = CMS in names

    def precedence(frame: pd.DataFrame, date_col: str | None) -> tuple[list[int], list[str]]:
        """Per row, higher wins: the CMS (2); a return (1, then its census day); a return's record dated in
        the period the CMS covers (-1: dropped, the CMS is complete there)."""
        prec, day = [], []
        dates = frame[date_col] if date_col else pd.Series([None] * len(frame), index=frame.index)
        for o, d in zip(frame[FROM], dates):
            if o == CMS:
                prec.append(2)
            elif with_cms and cms_from is not None and isinstance(d, str) and d >= cms_from:
                prec.append(-1)
            else:
                prec.append(1)
            day.append("" if o == CMS else census.get(o, ""))
        return prec, day

    out: dict[str, pd.DataFrame] = {}
    winner: dict[str, dict] = {}  # parent entity → (origin, old id) → kept?
    for entity in ["person", "request", "plan"]:
        rows = []
        for o in names:
            f = origins[o][entity].assign(**{FROM: o})
            keep = pd.Series([(o, pid) not in bad for pid in f["person_id"]], index=f.index, dtype=bool)
            f = f.loc[keep].copy()
            f["_old"] = f[entity + "_id"] if entity != "person" else f["person_id"]
            f["person_id"] = [remap[(o, pid)] for pid in f["person_id"]]
            rows.append(f)
        f = pd.concat(rows, ignore_index=True)
        date_col = {"request": "received_date", "plan": "start_date"}.get(entity)
        f["_prec"], f["_day"] = precedence(f, date_col)
        f = f[f["_prec"] >= 0]
        if entity == "request":  # a request without a received date is known by its origin's id
            f["_rec"] = f["received_date"].astype(object).where(f["received_date"].notna(), "id:" + f["_old"].astype(str))
            record = ["person_id", "_rec"]
        else:
            record = RECORD[entity]
        f = f.sort_values(["_prec", "_day"], ascending=False, kind="stable").drop_duplicates(record, keep="first")
        if entity != "person":
            f[entity + "_id"] = [_record_id(entity, *vals) for vals in f[record].itertuples(index=False)]
        winner[entity] = {(o, old): new for o, old, new in f[[FROM, "_old", entity + "_id"]].itertuples(index=False)}
        out[entity] = f.drop(columns=[c for c in ("_old", "_prec", "_day", "_rec") if c in f]).reset_index(drop=True)
    # a plan's assessment is its request's (the CMS's own assessment ids are mapped through its request)
    assessment_of = {(o, a): winner["request"].get((o, r)) for o in names
                     for a, r in origins[o]["assessment"][["assessment_id", "request_id"]].itertuples(index=False)}
    out["plan"]["assessment_id"] = [assessment_of.get((o, a)) if pd.notna(a) else None
                                    for o, a in out["plan"][[FROM, "assessment_id"]].itertuples(index=False)]
    for entity, (parent, col) in CHILD_OF.items():
        rows = []
        for o in names:
            f = origins[o][entity].assign(**{FROM: o})
            new = [winner[parent].get((o, v)) for v in f[col]]
            f = f.assign(**{col: new}).loc[pd.Series(new, index=f.index, dtype=object).notna()]
            if entity == "assessment":
                f["assessment_id"] = f["request_id"]
            if "person_id" in f:
                f["person_id"] = [remap.get((o, v), v) for v in f["person_id"]]
            rows.append(f)
        out[entity] = pd.concat(rows, ignore_index=True)
    counts = {o: {e: int((out[e][FROM] == o).sum()) for e in ENTITIES} for o in names}
    rows_in = {o: {e: int(len(origins[o][e])) for e in ENTITIES} for o in names}
    q = quarantine[["origin", "entity", "person_id", "reason"]].reset_index(drop=True)
    return Matched(out, q, counts, rows_in)
