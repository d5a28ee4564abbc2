"""The conformed model: every source entity, how its columns map, its key and how it loads.

Column names on the left are the source's own (shared/contracts/sources.md); on the right the
warehouse's. `required` source columns must exist or the source is stopped; any other column a real
export adds is carried into the raw landing and ignored by the load.

Load modes:
- `upsert`: rows replace earlier versions with the same key (CMS tables with `updated_at`; ledger).
- `snapshot`: the extract is the whole table and replaces it (CMS tables without `updated_at`, GIAS,
  banding rates).
- `by_file`: rows from a file replace the rows loaded earlier from a file of the same name, then the
  key de-duplicates across files (review tracker workbooks, re-sent during the year).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    source: str
    name: str
    type: str  # int | text | code | label | date | timestamp | flag | amount | decimal | fy
    required: bool = True  # must exist in the source (a missing one stops the source)
    not_null: bool = False  # a row without a value is quarantined (parse stage)


@dataclass(frozen=True)
class Entity:
    name: str  # also the GX suite name and the core table name
    source: str  # cms | reviews | ledger | banding | schools
    origin: str  # CMS table, or file pattern in the inbox
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    load: str  # upsert | snapshot | by_file
    updated_at: str | None = None  # CMS column used for incremental extracts
    pseudonym: str | None = None  # column to derive a keyed hash from (person_key / officer_key)
    extra: tuple[tuple[str, str], ...] = field(default=())  # derived columns (name, type) added at conform

    @property
    def table(self) -> str:
        return f"core.{self.name}"

    def model_columns(self) -> list[tuple[str, str]]:
        cols = [(c.name, c.type) for c in self.columns] + list(self.extra)
        if self.pseudonym:
            cols.append((f"{self.pseudonym.split('_')[0]}_key", "text"))
        cols += [("source_file", "text"), ("source_row", "int"), ("run_id", "text")]
        # Lineage: the LA whose system the row came from. GIAS rows already carry `la_code` (the school's own LA).
        return cols if any(c.name == "la_code" for c in self.columns) else cols + [("la_code", "text")]


def C(source: str, name: str | None = None, type: str = "text", **kw) -> Column:  # noqa: N802
    return Column(source, name or source, type, **kw)


FLAG, DATE, INT, CODE = "flag", "date", "int", "code"

ENTITIES: dict[str, Entity] = {}


def _add(entity: Entity) -> None:
    ENTITIES[entity.name] = entity


# --- GIAS establishments -------------------------------------------------------------------
_add(Entity("school", "schools", "edubasealldata*.csv", (
    C("URN", "urn", INT, not_null=True), C("LA (code)", "la_code"), C("LA (name)", "la_name"),
    C("EstablishmentNumber", "establishment_number"), C("EstablishmentName", "name"),
    C("TypeOfEstablishment (name)", "type_name"), C("EstablishmentTypeGroup (name)", "type_group"),
    C("EstablishmentStatus (name)", "status"), C("PhaseOfEducation (name)", "phase"),
    C("StatutoryLowAge", "low_age", INT), C("StatutoryHighAge", "high_age", INT),
    C("Postcode", "postcode"), C("UKPRN", "ukprn"), C("SchoolCapacity", "capacity", INT),
    C("ResourcedProvisionOnRoll", "resourced_provision_on_roll", INT),
    C("SenUnitOnRoll", "sen_unit_on_roll", INT),
), key=("urn",), load="snapshot"))

# --- banding rates -------------------------------------------------------------------------
_add(Entity("banding_rate", "banding", "banding_rates.csv", (
    C("band", "band", CODE, not_null=True), C("category", "category", not_null=True),
    C("annual_amount", "annual_amount", "amount"), C("effective_from", "effective_from", DATE, not_null=True),
), key=("band", "category", "effective_from"), load="snapshot"))

# --- case management system ----------------------------------------------------------------
_add(Entity("person", "cms", "cms_person", (
    C("person_id", type=INT, not_null=True), C("upn", type=CODE), C("uln"), C("upn_unknown_reason", type=CODE),
    C("forename"), C("surname"), C("dob", type=DATE), C("sex", type=CODE), C("ethnicity", type=CODE),
    C("postcode", type=CODE), C("updated_at", type="timestamp"),
), key=("person_id",), load="upsert", updated_at="updated_at", pseudonym="person_id",
    extra=(("upn_problem", "text"), ("uln_problem", "text"))))

_add(Entity("request", "cms", "cms_request", (
    C("request_id", type=INT, not_null=True), C("person_id", type=INT, not_null=True),
    C("received_date", type=DATE, not_null=True), C("request_source", type=INT), C("rya", type=FLAG),
    C("decision", type=CODE), C("decision_date", type=DATE), C("exported_to_la", type=CODE),
    C("mediation", type=FLAG), C("tribunal", type=FLAG), C("updated_at", type="timestamp"),
), key=("request_id",), load="upsert", updated_at="updated_at"))

_add(Entity("assessment", "cms", "cms_assessment", (
    C("assessment_id", type=INT, not_null=True), C("request_id", type=INT, not_null=True),
    C("outcome", type=CODE), C("outcome_date", type=DATE), C("draft_plan_date", type=DATE),
    C("week20_exception", type=FLAG), C("exception_reason"), C("mediation", type=FLAG),
    C("tribunal", type=FLAG), C("other_mediation", type=FLAG), C("other_tribunal", type=FLAG),
    C("updated_at", type="timestamp"),
), key=("assessment_id",), load="upsert", updated_at="updated_at"))

_add(Entity("plan", "cms", "cms_plan", (
    C("plan_id", type=INT, not_null=True), C("person_id", type=INT, not_null=True),
    C("assessment_id", type=INT), C("start_date", type=DATE, not_null=True),
    C("transferred_from_la", type=CODE), C("transfer_in_date", type=DATE), C("cease_date", type=DATE),
    C("cease_reason", type=INT), C("personal_budget", type=FLAG), C("organised_arrangements", type=FLAG),
    C("direct_payments", type=CODE), C("residential", type=CODE), C("work_based", type=CODE),
    C("updated_at", type="timestamp"),
), key=("plan_id",), load="upsert", updated_at="updated_at"))

_add(Entity("officer", "cms", "cms_officer", (
    C("officer_id", type=INT, not_null=True), C("name"), C("role", not_null=True), C("grade"),
    C("fte", type="decimal"), C("start_date", type=DATE), C("end_date", type=DATE), C("is_agency", type=FLAG),
), key=("officer_id",), load="snapshot", pseudonym="officer_id"))

_add(Entity("coordinator_assignment", "cms", "cms_plan_coordinator", (
    C("plan_id", type=INT, not_null=True), C("officer_id", type=INT, not_null=True),
    C("from_date", type=DATE, not_null=True), C("to_date", type=DATE),
), key=("plan_id", "officer_id", "from_date"), load="snapshot"))

_add(Entity("placement", "cms", "cms_placement", (
    C("placement_id", type=INT, not_null=True), C("plan_id", type=INT, not_null=True), C("urn", type=INT),
    C("ukprn", type="text"), C("setting_code", type=CODE), C("setting_other"),
    C("placement_rank", type=INT), C("entry_date", type=DATE), C("leaving_date", type=DATE),
    C("sen_unit", type=FLAG), C("resourced_provision", type=FLAG), C("named_in_plan", type=FLAG),
    C("residential", type=CODE), C("work_based", type=CODE), C("updated_at", type="timestamp"),
), key=("placement_id",), load="upsert", updated_at="updated_at"))

_add(Entity("need", "cms", "cms_need", (
    C("plan_id", type=INT, not_null=True), C("need_code", type=CODE, not_null=True),
    C("need_rank", type=INT, not_null=True), C("recorded_date", type=DATE),
), key=("plan_id", "need_rank", "recorded_date"), load="snapshot"))

_add(Entity("consultation", "cms", "cms_consultation", (
    C("consultation_id", type=INT, not_null=True), C("person_id", type=INT, not_null=True),
    C("urn", type=INT), C("sent_date", type=DATE), C("response"), C("response_date", type=DATE),
    C("decision"),
), key=("consultation_id",), load="snapshot"))

# --- annual review tracker workbooks -------------------------------------------------------
# `Child Name`, `School` and `Notes` stay in the raw landing only: the warehouse keys people by CMS ID.
_add(Entity("review", "reviews", "annual_reviews_*.xlsx", (
    C("CMS ID", "person_id", INT, not_null=True), C("School URN", "school_urn", INT),
    C("Coordinator", "coordinator"), C("Review Type", "review_type", "label", not_null=True),
    C("Review Due", "due_date", DATE), C("Meeting Date", "meeting_date", DATE),
    C("Paperwork Received", "paperwork_received_date", DATE), C("Decision Date", "decision_date", DATE),
    C("Outcome", "outcome", "label"), C("Draft Amended Plan Issued", "draft_amended_date", DATE),
    C("Final Amended Plan Issued", "final_amended_date", DATE),
), key=("person_id", "meeting_date", "review_type"), load="by_file"))

# --- finance ledger ------------------------------------------------------------------------
_add(Entity("ledger_line", "ledger", "finance_ledger_*.csv", (
    C("Transaction ID", "transaction_id", not_null=True), C("Posting Date", "posting_date", DATE, not_null=True),
    C("Financial Year", "financial_year", "fy", not_null=True), C("Cost Centre", "cost_centre"),
    C("Account Code", "account_code", not_null=True), C("Account Description", "account_description"),
    C("Supplier", "supplier"), C("URN", "urn", INT), C("CMS ID", "person_id", INT), C("Band", "band", CODE),
    C("Description", "description"), C("Amount", "amount", "amount", not_null=True),
), key=("transaction_id",), load="upsert", extra=(("posting_fy", "text"),)))

SOURCES: dict[str, list[Entity]] = {}
for _e in ENTITIES.values():
    SOURCES.setdefault(_e.source, []).append(_e)

# The order sources load in: references first, so later validations can check keys against them.
# `stats` (the DfE release, loaded to ref.dfe_*) is handled by stats.py: its tables vary by file.
SOURCE_ORDER = ("stats", "schools", "banding", "cms", "reviews", "ledger")
