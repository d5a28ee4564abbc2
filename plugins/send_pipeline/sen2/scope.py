"""Who and what goes into the return (spec §2), as canonical tables ready for the writer. This module
selects the records; `sen2.records` formats each module's table from them.

The canonical tables carry the XML element names as columns, every value already formatted as the text
the XML will hold (missing = element omitted), plus keys: `person_seq` / `request_seq` (document order) and
the CMS ids the validation report names records by (`person_id`, `request_id`, `assessment_id`,
`plan_id`, `placement_id`). The reader produces the same tables from a file (without the ids).

Scope, as at the census (reference) day C, for the collection period P0..P1 (the previous calendar year):
1. every plan held on C (start, or transfer-in, on or before C; not ceased on or before C) with its full
   chain: Requests → Assessment → NamedPlan → ActivePlans. Decisions before P0 are reported as `H`
   (historical); a plan transferred in from another LA has no request here, so it gets a Requests
   record with outcome `H` and an Assessment with outcome `H` (spec §2: transfers in are historical);
2. every plan that ceased in the period (NamedPlan with CeaseDate and CeaseReason, no ActivePlans);
3. every request received in the period, with its outcome as known on C;
4. every request decided, and every assessment completed, in the period (received earlier);
5. ongoing work at the end of the period: requests received by P1 whose decision (`A`) or assessment
   (`A`, or `Y` with no date = decided to issue, plan not issued yet) was still open on C;
6. exports: a request of a child who moved away carries `Exported` and nothing below it (spec §5.3.6).
Events dated after C have not happened yet as far as the return is concerned.

Choices where the spec is UNVERIFIED (each marked in the code below):
- ReceivedDate is kept for `H` requests when the CMS has it (the guide says "not required", and the
  20-week measure of plans issued in the period needs it);
- an assessment still open whose draft plan was issued on or before C is reported `Y` without a date
  (the draft is issued once the LA has decided to issue);
- review items come from the review tracker: the latest review meeting on or before C since the plan
  started (any review type); PhaseTransferDueDate is the statutory deadline (SEND Regulations 2014 reg 18,
  `records.phase_transfer_deadline`, the same rule as marts.annual_reviews) of the latest phase-transfer review
  held on or before C whose deadline falls in the current academic year or later.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import data
from .calendar import Period
from .records import active_plans_table, assessment_table, fmt_code, named_plan_table, need_table, person_table, placement_table, plan_detail_table, requests_table

DATE_COLS = {
    "person": ["dob"], "request": ["received_date", "decision_date"],
    "assessment": ["outcome_date", "draft_plan_date"],
    "plan": ["start_date", "transfer_in_date", "cease_date"], "placement": ["entry_date", "leaving_date"],
    "need": ["recorded_date"],
    "review": ["due_date", "meeting_date", "decision_date", "draft_amended_date", "final_amended_date",
               "next_placement_date"],
}
INT_COLS = {
    "person": ["person_id"], "request": ["request_id", "person_id", "request_source", "rya", "mediation", "tribunal"],
    "assessment": ["assessment_id", "request_id", "week20_exception", "mediation", "tribunal", "other_mediation",
                   "other_tribunal"],
    "plan": ["plan_id", "person_id", "assessment_id", "cease_reason", "personal_budget", "organised_arrangements"],
    "placement": ["placement_id", "plan_id", "urn", "placement_rank", "sen_unit", "resourced_provision", "named_in_plan"],
    "need": ["plan_id", "need_rank"], "review": ["person_id"], "school": ["urn"],
}
@dataclass
class Scope:
    tables: dict[str, pd.DataFrame]
    sanitised: int  # text values that lost characters XML cannot carry


# ------------------------------------------------------------------------------------------ load
def load(wh, period: Period) -> dict[str, pd.DataFrame]:
    params = {"census": period.census}
    with data.Session(wh) as session:
        core = {name: session.read(name, params) for name in
                ("person", "request", "assessment", "plan", "placement", "need", "review", "school")}
    return normalise(core)


def normalise(core: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Same dtypes whatever the engine: dates as datetime64, integers as Int64, text as object."""
    out = {}
    for name, frame in core.items():
        frame = frame.copy()
        for col in DATE_COLS.get(name, []):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], errors="coerce").astype("datetime64[ns]")
        for col in INT_COLS.get(name, []):
            if col in frame:
                frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
        out[name] = frame
    return out


# ------------------------------------------------------------------------------------------ select
def select(core: dict[str, pd.DataFrame], period: Period) -> Scope:
    C, P0, P1 = pd.Timestamp(period.census), pd.Timestamp(period.start), pd.Timestamp(period.end)
    person, request, assessment = core["person"], core["request"], core["assessment"]
    plan, placement, need, review = core["plan"], core["placement"], core["need"], core["review"]

    # ---- plans: held on C, ceased in the period
    plan = plan[plan["person_id"].isin(person["person_id"])].copy()
    local_start = plan["transfer_in_date"].fillna(plan["start_date"])
    plan["local_start"] = local_start
    plan["ceased_by_census"] = plan["cease_date"].notna() & (plan["cease_date"] <= C)
    plan["held"] = (local_start <= C) & (plan["start_date"] <= C) & ~plan["ceased_by_census"]
    plan["ceased_in_period"] = plan["cease_date"].between(P0, P1) & (local_start <= plan["cease_date"])
    plan["relevant"] = plan["held"] | plan["ceased_in_period"]

    # ---- assessments: one per request (the latest id)
    assessment = assessment.sort_values("assessment_id").drop_duplicates("request_id", keep="last")

    # ---- requests with their outcomes as known on C
    req = request[request["person_id"].isin(person["person_id"])].copy()
    req = req.merge(assessment.add_prefix("a_"), left_on="request_id", right_on="a_request_id", how="left")
    dec, ddate = req["decision"].astype(object), req["decision_date"]
    decided = ddate.notna() & (ddate <= C)
    code = pd.Series("A", index=req.index, dtype=object)
    code[(dec == "W") & (ddate.isna() | decided)] = "W"
    # a decision without its date stays a decision (REQ04 asks for the date); a later one is still open
    yn = dec.isin(["Y", "N"]) & (decided | ddate.isna())
    code[yn] = dec[yn]
    code[(dec == "Y") & decided & (ddate < P0)] = "H"
    req["req_code"] = code

    out, odate, draft = req["a_outcome"].astype(object), req["a_outcome_date"], req["a_draft_plan_date"]
    done = odate.notna() & (odate <= C)
    acode = pd.Series("A", index=req.index, dtype=object)
    # UNVERIFIED: an open assessment whose draft plan went out on or before C has a decision to issue
    acode[(out != "N") & draft.notna() & (draft <= C)] = "Y"
    # a withdrawal is never a decision; one dated after C has not happened yet
    acode[(out == "W") & (odate.isna() | done)] = "W"
    # Y without a date = decided to issue, not issued yet; N without a date stays N (ASM01 asks for it)
    known = out.isin(["Y", "N"]) & (done | odate.isna())
    acode[known] = out[known]
    acode[(out == "Y") & done & (odate < P0)] = "H"
    req["ass_code"] = acode
    req["ass_dated"] = out.isin(["Y", "N"]) & done & (acode != "H")

    # the plan issued from each request's assessment
    plan_by_ass = plan[plan["assessment_id"].notna()].sort_values("plan_id").drop_duplicates("assessment_id", keep="last")
    req = req.merge(plan_by_ass[["assessment_id", "plan_id"]].rename(columns={"assessment_id": "a_assessment_id"}),
                    on="a_assessment_id", how="left")
    req["plan_relevant"] = req["plan_id"].isin(plan.loc[plan["relevant"], "plan_id"])

    rcv = req["received_date"]
    in_period = rcv.between(P0, P1)
    decided_in_period = req["req_code"].isin(["Y", "N"]) & ddate.between(P0, P1)
    assessed_in_period = req["ass_dated"] & odate.between(P0, P1)
    open_assessment = req["req_code"].isin(["Y", "H"]) & (req["a_assessment_id"].isna() | (req["ass_code"] == "A")
                                                          | ((req["ass_code"] == "Y") & ~req["ass_dated"]))
    ongoing = (req["req_code"] == "A") | open_assessment
    req["in_scope"] = (rcv <= P1) & (in_period | decided_in_period | assessed_in_period | ongoing | req["plan_relevant"])
    req = req[req["in_scope"]].copy()
    req["exported"] = fmt_code(req["exported_to_la"]).notna()

    # ---- plans in scope whose request is not (transfers in, or a request the warehouse does not hold):
    # reported as a historical chain (RequestOutcome H, AssessmentOutcome H)
    covered = set(req.loc[req["plan_id"].notna(), "plan_id"].astype(int))
    orphan_plans = plan[plan["relevant"] & ~plan["plan_id"].isin(covered)].copy()
    hist = pd.DataFrame({
        "request_id": pd.array([pd.NA] * len(orphan_plans), dtype="Int64"),
        "person_id": orphan_plans["person_id"].to_numpy(),
        "received_date": pd.NaT, "req_code": "H", "ass_code": "H", "ass_dated": False,
        "plan_id": orphan_plans["plan_id"].to_numpy(), "exported": False,
        "a_assessment_id": pd.array([pd.NA] * len(orphan_plans), dtype="Int64"),
        "sort_date": orphan_plans["start_date"].to_numpy(),
    })
    req["sort_date"] = req["received_date"]
    req = pd.concat([req, hist], ignore_index=True) if len(hist) else req.reset_index(drop=True)

    # ---- document order: people by CMS id, requests by date then id
    req["person_id"] = req["person_id"].astype("Int64")
    req["request_id"] = req["request_id"].astype("Int64")
    req["plan_id"] = pd.to_numeric(req["plan_id"], errors="coerce").astype("Int64")
    req = req.sort_values(["person_id", "sort_date", "request_id", "plan_id"], kind="stable",
                          na_position="first").reset_index(drop=True)
    people = person[person["person_id"].isin(req["person_id"])].sort_values("person_id").reset_index(drop=True)
    people["person_seq"] = np.arange(1, len(people) + 1)
    req["person_seq"] = req["person_id"].map(dict(zip(people["person_id"], people["person_seq"]))).astype(int)
    req["request_seq"] = np.arange(1, len(req) + 1)

    sanitised: list = []
    tables = {
        "person": person_table(people, sanitised),
        "requests": requests_table(req),
    }
    ass_rows = req[req["req_code"].isin(["Y", "H"]) & ~req["exported"]].copy()
    tables["assessment"] = assessment_table(ass_rows)

    plans = plan.set_index("plan_id")
    named = ass_rows[(ass_rows["ass_code"].eq("H") | (ass_rows["ass_code"].eq("Y") & ass_rows["ass_dated"]))
                     & ass_rows["plan_id"].notna()].copy()
    named = named.join(plans, on="plan_id", rsuffix="_plan")
    named = named[named["start_date"].notna()]
    tables["named_plan"] = named_plan_table(named, C)
    tables["plan_detail"] = plan_detail_table(named, placement, C, sanitised)

    active = named[named["held"].fillna(False).astype(bool)].copy()
    tables["active_plans"] = active_plans_table(active, person, review, P0, C)
    tables["placement_detail"] = placement_table(active, placement, P0, C, sanitised)
    tables["sen_need"] = need_table(active, need)
    return Scope(tables, len(sanitised))
