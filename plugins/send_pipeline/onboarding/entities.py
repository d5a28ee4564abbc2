"""The CMS contract's entity shapes (shared/contracts/sources.md) as a return can fill them, and the
deterministic ids a return's rows get.

A return carries no CMS ids, so every id is derived from the return's own identifiers (a stable hash,
the same in every return and in the XML and Blade forms of one return):
- person     = the person's identity: `upn:<UPN>`, else `uln:<ULN>`, else `nd:<surname>|<forename>|<dob>`
               (upper-cased, trimmed; the match across returns is onboarding.matching's job);
- plan       = person + NamedPlan StartDate (a plan in the 2023 and 2024 returns is one plan);
- request    = person + ReceivedDate, else (a historical request without one) person + its plan's start;
- assessment = its request (SEN2 has at most one assessment per request);
- placement  = plan + rank + URN/UKPRN/setting + EntryDate; need = plan + rank (the contract's key).
Ids are the decimal text of the first 60 bits of sha256 over that text: integers, as the contract's
ids are, and no identifier readable in them.
"""
from __future__ import annotations

import hashlib

import pandas as pd

ORIGIN_COLUMNS = ["source_file", "collection_year", "reference_date"]

COLUMNS = {
    "person": ["person_id", "upn", "uln", "upn_unknown_reason", "forename", "surname", "dob", "sex", "ethnicity",
               "postcode"],
    "request": ["request_id", "person_id", "received_date", "request_source", "rya", "decision", "decision_date",
                "exported_to_la", "mediation", "tribunal"],
    "assessment": ["assessment_id", "request_id", "outcome", "outcome_date", "week20_exception", "mediation",
                   "tribunal", "other_mediation", "other_tribunal"],
    "plan": ["plan_id", "person_id", "assessment_id", "start_date", "transferred_from_la", "cease_date",
             "cease_reason", "personal_budget", "organised_arrangements", "direct_payments", "residential",
             "work_based"],
    "placement": ["placement_id", "plan_id", "urn", "ukprn", "setting_code", "setting_other", "placement_rank",
                  "entry_date", "leaving_date", "sen_unit", "resourced_provision", "named_in_plan", "residential",
                  "work_based"],
    "need": ["plan_id", "need_code", "need_rank"],
    # review items (ActivePlans): the tracker's columns where they mean the same thing
    "review": ["person_id", "plan_id", "meeting_date", "outcome", "decision_date", "draft_amended_date",
               "phase_transfer_due_date", "final_amended_date"],
}
ENTITIES = list(COLUMNS)
TEXT = pd.StringDtype("pyarrow")


def key(*parts) -> str:
    """The id of a record whose identity is `parts` (text; None/NaN read as empty)."""
    text = "|".join("" if p is None or (isinstance(p, float) and p != p) else str(p).strip().upper() for p in parts)
    return str(int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:15], 16))


def identity(upn, uln, surname, forename, dob) -> str:
    """The text a person's id is derived from: UPN, else ULN, else name + date of birth."""
    def blank(v):
        return v is None or (isinstance(v, float) and v != v) or not str(v).strip()

    if not blank(upn):
        return f"upn:{str(upn).strip().upper()}"
    if not blank(uln):
        return f"uln:{str(uln).strip()}"
    return f"nd:{'' if blank(surname) else str(surname).strip().upper()}|" \
           f"{'' if blank(forename) else str(forename).strip().upper()}|{'' if blank(dob) else str(dob).strip()}"


def table(entity: str, rows: dict[str, list], origin: dict) -> pd.DataFrame:
    """A landing-shaped table: the entity's columns in contract order, all TEXT, plus the origin."""
    n = len(next(iter(rows.values()))) if rows else 0
    data = {c: pd.array([None if _missing(v) else str(v) for v in rows.get(c, [None] * n)], dtype=TEXT)
            for c in COLUMNS[entity]}
    for c in ORIGIN_COLUMNS:
        data[c] = pd.array([None if origin.get(c) is None else str(origin[c])] * n, dtype=TEXT)
    return pd.DataFrame(data)


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA
