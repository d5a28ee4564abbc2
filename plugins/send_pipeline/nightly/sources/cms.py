"""The case management system: read-only through SQLAlchemy (connection `send_cms`), every night.

Tables with `updated_at` are read incrementally (rows changed since the last good run, plus rows
quarantined earlier and not loaded since) and upserted by key; the others are read whole (snapshot).
"""
from __future__ import annotations

from send_pipeline.nightly.sources.model import CODE, DATE, FLAG, INT, C, Derived, Entity, Source
from send_pipeline.kernel import identifiers


def upn_problem(upn, uln, reason) -> str | None:
    """What is wrong with a UPN (DfE check letter, shape), or that a child has neither UPN, ULN nor a reason."""
    if upn is None and uln is None and reason is None:
        return "no UPN, ULN or UPN-unknown reason"
    return identifiers.upn_problem(upn) if upn else None


def uln_problem(uln) -> str | None:
    return identifiers.uln_problem(uln) if uln else None


PERSON = Entity("person", "cms", "cms_person", (
    C("person_id", type=INT, not_null=True), C("upn", type=CODE), C("uln"), C("upn_unknown_reason", type=CODE),
    C("forename"), C("surname"), C("dob", type=DATE), C("sex", type=CODE), C("ethnicity", type=CODE),
    C("postcode", type=CODE), C("updated_at", type="timestamp"),
), key=("person_id",), load="upsert", updated_at="updated_at", pseudonym="person_id",
    derived=(Derived("upn_problem", "text", ("upn", "uln", "upn_unknown_reason"), upn_problem),
             Derived("uln_problem", "text", ("uln",), uln_problem)), key_set="person_ids")

REQUEST = Entity("request", "cms", "cms_request", (
    C("request_id", type=INT, not_null=True), C("person_id", type=INT, not_null=True),
    C("received_date", type=DATE, not_null=True), C("request_source", type=INT), C("rya", type=FLAG),
    C("decision", type=CODE), C("decision_date", type=DATE), C("exported_to_la", type=CODE),
    C("mediation", type=FLAG), C("tribunal", type=FLAG), C("updated_at", type="timestamp"),
), key=("request_id",), load="upsert", updated_at="updated_at", key_set="request_ids")

ASSESSMENT = Entity("assessment", "cms", "cms_assessment", (
    C("assessment_id", type=INT, not_null=True), C("request_id", type=INT, not_null=True),
    C("outcome", type=CODE), C("outcome_date", type=DATE), C("draft_plan_date", type=DATE),
    C("week20_exception", type=FLAG), C("exception_reason"), C("mediation", type=FLAG),
    C("tribunal", type=FLAG), C("other_mediation", type=FLAG), C("other_tribunal", type=FLAG),
    C("updated_at", type="timestamp"),
), key=("assessment_id",), load="upsert", updated_at="updated_at", key_set="assessment_ids")

PLAN = Entity("plan", "cms", "cms_plan", (
    C("plan_id", type=INT, not_null=True), C("person_id", type=INT, not_null=True),
    C("assessment_id", type=INT), C("start_date", type=DATE, not_null=True),
    C("transferred_from_la", type=CODE), C("transfer_in_date", type=DATE), C("cease_date", type=DATE),
    C("cease_reason", type=INT), C("personal_budget", type=FLAG), C("organised_arrangements", type=FLAG),
    C("direct_payments", type=CODE), C("residential", type=CODE), C("work_based", type=CODE),
    C("updated_at", type="timestamp"),
), key=("plan_id",), load="upsert", updated_at="updated_at", key_set="plan_ids")

OFFICER = Entity("officer", "cms", "cms_officer", (
    C("officer_id", type=INT, not_null=True), C("name"), C("role", not_null=True), C("grade"),
    C("fte", type="decimal"), C("start_date", type=DATE), C("end_date", type=DATE), C("is_agency", type=FLAG),
), key=("officer_id",), load="snapshot", pseudonym="officer_id", key_set="officer_ids")

COORDINATOR_ASSIGNMENT = Entity("coordinator_assignment", "cms", "cms_plan_coordinator", (
    C("plan_id", type=INT, not_null=True), C("officer_id", type=INT, not_null=True),
    C("from_date", type=DATE, not_null=True), C("to_date", type=DATE),
), key=("plan_id", "officer_id", "from_date"), load="snapshot")

PLACEMENT = Entity("placement", "cms", "cms_placement", (
    C("placement_id", type=INT, not_null=True), C("plan_id", type=INT, not_null=True), C("urn", type=INT),
    C("ukprn", type="text"), C("setting_code", type=CODE), C("setting_other"),
    C("placement_rank", type=INT), C("entry_date", type=DATE), C("leaving_date", type=DATE),
    C("sen_unit", type=FLAG), C("resourced_provision", type=FLAG), C("named_in_plan", type=FLAG),
    C("residential", type=CODE), C("work_based", type=CODE), C("updated_at", type="timestamp"),
), key=("placement_id",), load="upsert", updated_at="updated_at")

NEED = Entity("need", "cms", "cms_need", (
    C("plan_id", type=INT, not_null=True), C("need_code", type=CODE, not_null=True),
    C("need_rank", type=INT, not_null=True), C("recorded_date", type=DATE),
), key=("plan_id", "need_rank", "recorded_date"), load="snapshot")

CONSULTATION = Entity("consultation", "cms", "cms_consultation", (
    C("consultation_id", type=INT, not_null=True), C("person_id", type=INT, not_null=True),
    C("urn", type=INT), C("sent_date", type=DATE), C("response"), C("response_date", type=DATE),
    C("decision"),
), key=("consultation_id",), load="snapshot")

SOURCE = Source("cms", reader="cms", landing="incremental", entities=(PERSON, REQUEST, ASSESSMENT, PLAN, OFFICER, COORDINATOR_ASSIGNMENT, PLACEMENT, NEED, CONSULTATION),
                about="the case management system: nightly")
