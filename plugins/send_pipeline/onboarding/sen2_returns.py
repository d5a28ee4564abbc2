"""Read a SEN2 person-level return (XML, the 2025 and 2026 structures in include/sen2/) into the CMS
contract's entity shapes: person, request, assessment, plan, placement, need and review items, as TEXT
tables (as a landing holds them), each row carrying its return (file, collection year, census day).

The XML is read by the project's hardened streaming reader (sen2/reader.py: no entities, no DTD, no
network, flat memory); the Blade CSV export is read into the same canonical tables (onboarding/blade.py),
and `from_canonical` turns either into entities, so both forms of one return give the same rows.

SEN2 codes in entity terms (shared/spec/sen2.md; CMS contract): RequestOutcome / AssessmentOutcome
Y, N, W are the CMS's decision / outcome; A (still open) is NULL (pending); H (historical: decided before
the collection period) is Y without a date, since the chain led to a plan. A historical request whose
ActivePlans names a TransferLA is a transfer in: the CMS has no request or assessment for it, so none
is made, and the plan's transferred_from_la is the TransferLA. ReviewOutcome M/A/C is Maintain / Amend /
Cease, as the review tracker writes it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from send_pipeline.sen2 import reader

from .entities import ENTITIES, identity, key, table

OPEN = {"A": None, "H": "Y"}
REVIEW_OUTCOME = {"M": "Maintain", "A": "Amend", "C": "Cease"}


def read_xml(path: Path | str) -> dict[str, pd.DataFrame]:
    """The return at `path` (any supported collection year, from its header) as entity tables."""
    parsed = reader.read(path)
    origin = {"source_file": Path(path).name, "collection_year": parsed.year,
              "reference_date": parsed.header.get("ReferenceDate")}
    return from_canonical(parsed.tables, origin)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _rows(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def from_canonical(tables: dict[str, pd.DataFrame], origin: dict) -> dict[str, pd.DataFrame]:
    """Canonical SEN2 tables (sen2/scope.py's shape: XML names, person_seq / request_seq) → entities."""
    people = {r["person_seq"]: r for r in _rows(tables["person"])}
    pid = {seq: key(identity(r.get("UPN"), r.get("UniqueLearnerNumber"), r.get("Surname"), r.get("Forename"),
                             r.get("PersonBirthDate"))) for seq, r in people.items()}
    by_request = {name: {r["request_seq"]: r for r in _rows(tables[name])}
                  for name in ("assessment", "named_plan", "active_plans")}
    out = {e: [] for e in ENTITIES}
    for seq, p in people.items():
        out["person"].append({"person_id": pid[seq], "upn": p.get("UPN"), "uln": p.get("UniqueLearnerNumber"),
                              "upn_unknown_reason": p.get("UPNunknown"), "forename": p.get("Forename"),
                              "surname": p.get("Surname"), "dob": p.get("PersonBirthDate"), "sex": p.get("Sex"),
                              "ethnicity": p.get("Ethnicity"), "postcode": p.get("PostCode")})
    plan_of: dict = {}
    for r in _rows(tables["requests"]):
        rs, person = r["request_seq"], pid[r["person_seq"]]
        a, n, act = (by_request[t].get(rs) for t in ("assessment", "named_plan", "active_plans"))
        plan_id = key(person, "plan", n.get("StartDate")) if n else None
        code = r.get("RequestOutcome")
        transfer_in = code == "H" and act is not None and act.get("TransferLA") is not None
        request_id = assessment_id = None
        if not transfer_in:
            request_id = key(person, "request", r.get("ReceivedDate") or ("plan", n and n.get("StartDate")))
            out["request"].append({"request_id": request_id, "person_id": person,
                                   "received_date": r.get("ReceivedDate"), "request_source": r.get("RequestSource"),
                                   "rya": r.get("RYA"), "decision": OPEN.get(code, code),
                                   "decision_date": r.get("RequestOutcomeDate"), "exported_to_la": r.get("Exported"),
                                   "mediation": r.get("RequestMediation"), "tribunal": r.get("RequestTribunal")})
            if a:
                assessment_id = request_id
                ac = a.get("AssessmentOutcome")
                out["assessment"].append({"assessment_id": assessment_id, "request_id": request_id,
                                          "outcome": OPEN.get(ac, ac), "outcome_date": a.get("AssessmentOutcomeDate"),
                                          "week20_exception": a.get("Week20"),
                                          "mediation": a.get("AssessmentMediation"),
                                          "tribunal": a.get("AssessmentTribunal"),
                                          "other_mediation": a.get("OtherMediation"),
                                          "other_tribunal": a.get("OtherTribunal")})
        if n:
            plan_of[rs] = plan_id
            out["plan"].append({"plan_id": plan_id, "person_id": person, "assessment_id": assessment_id,
                                "start_date": n.get("StartDate"),
                                "transferred_from_la": act.get("TransferLA") if act else None,
                                "cease_date": n.get("CeaseDate"), "cease_reason": n.get("CeaseReason"),
                                "personal_budget": n.get("PB"), "organised_arrangements": n.get("OA"),
                                "direct_payments": n.get("DP"), "residential": n.get("PlanRes"),
                                "work_based": n.get("PlanWBP")})
        if act and plan_id and any(act.get(c) for c in ("ReviewMeeting", "LastReview", "PhaseTransferDueDate")):
            out["review"].append({"person_id": person, "plan_id": plan_id, "meeting_date": act.get("ReviewMeeting"),
                                  "outcome": REVIEW_OUTCOME.get(act.get("ReviewOutcome"), act.get("ReviewOutcome")),
                                  "decision_date": act.get("LastReview"), "draft_amended_date": act.get("ReviewDraft"),
                                  "phase_transfer_due_date": act.get("PhaseTransferDueDate"),
                                  "final_amended_date": act.get("PhaseTransferFinalDate")})
    out["placement"] = _placements(tables, plan_of)
    for r in _rows(tables["sen_need"]):
        if r["request_seq"] in plan_of:
            out["need"].append({"plan_id": plan_of[r["request_seq"]], "need_code": r.get("SENtype"),
                                "need_rank": r.get("SENtypeRank")})
    return {e: table(e, {c: [row.get(c) for row in rows] for c in _keys(e)}, origin) for e, rows in out.items()}


def _keys(entity: str) -> list[str]:
    from .entities import COLUMNS

    return COLUMNS[entity]


def _placements(tables: dict[str, pd.DataFrame], plan_of: dict) -> list[dict]:
    """PlanDetail (named in the plan) and PlacementDetail (attended) describe the same placements where
    they agree on rank and URN/UKPRN/setting: one placement, named_in_plan 1, dated from PlacementDetail."""
    rows: dict[str, dict] = {}
    for name, named in (("placement_detail", "0"), ("plan_detail", "1")):
        for r in _rows(tables[name]):
            plan_id = plan_of.get(r["request_seq"])
            if plan_id is None:
                continue
            where = (r.get("URN"), r.get("UKPRN"), r.get("SENSetting"), r.get("PlacementRank"))
            match = next((k for k, v in rows.items() if v["_where"] == (plan_id, *where)), None) if named == "1" else None
            if match:
                rows[match]["named_in_plan"] = "1"
                continue
            pk = key(plan_id, "placement", *where, r.get("EntryDate"))
            rows[pk] = {"_where": (plan_id, *where), "placement_id": pk, "plan_id": plan_id, "urn": r.get("URN"),
                        "ukprn": r.get("UKPRN"), "setting_code": r.get("SENSetting"),
                        "setting_other": r.get("SENSettingOther"), "placement_rank": r.get("PlacementRank"),
                        "entry_date": r.get("EntryDate"), "leaving_date": r.get("LeavingDate"),
                        "sen_unit": r.get("SENunitIndicator"), "resourced_provision": r.get("ResourcedProvisionIndicator"),
                        "named_in_plan": named, "residential": r.get("Res"), "work_based": r.get("WBP")}
    return list(rows.values())
