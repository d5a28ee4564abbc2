"""The SEN2 returns a council already holds: person-level XML (collection years 2023 to 2026) and the
COLLECT "Blade" CSV export of them (`Blade-Export_<dd-mm-yyyy>_*.csv`, nine files), dropped in the inbox.

Read by onboarding/returns.py and onboarding/blade.py into the CMS contract's shapes (every row saying
which return and collection year it came from), landed and checked with the CMS entities' own suites,
each return on its own (one child appears once per return, and once in each of several returns). The
rows are STAGED (`staging.sen2_<entity>`, a re-sent return replacing its own rows); after the load,
onboarding/merge.py matches people across every return held and the CMS's own rows
(onboarding/matching.py: one person is one person, the latest return wins for what it covers, the CMS
for what it holds and the period it covers, SEND_CMS_FROM) and writes the winners into core.person,
request, assessment, plan, placement, need and review, with `return_file` and `return_year`.
A return arrives once a year (January census): freshness 400 days. The source runs only when
SEND_SOURCES names it (`by_default=False`): a council that holds no returns in the inbox is not told
every night that they are missing.
"""
from __future__ import annotations

from send_pipeline.nightly.sources import cms
from send_pipeline.nightly.sources.model import DATE, INT, C, Entity, Source

PATTERNS = ("*.xml", "Blade-Export_*.csv")
PROVENANCE = (C("origin", not_null=True), C("return_file", not_null=True), C("return_year", type=INT, not_null=True),
              C("return_reference_date", type=DATE), C("return_sha256"))
REVIEW_COLUMNS = (C("person_id", type=INT, not_null=True), C("plan_id", type=INT), C("school_urn", type=INT, required=False),
                  C("review_type", type="label", not_null=True), C("due_date", type=DATE), C("meeting_date", type=DATE),
                  C("paperwork_received_date", type=DATE, required=False), C("decision_date", type=DATE),
                  C("outcome", type="label"), C("draft_amended_date", type=DATE), C("final_amended_date", type=DATE))


def _staged(core: Entity | None, name: str, columns=None, key=None, derived=()) -> Entity:
    own = columns or tuple(c for c in core.columns if c.name != "updated_at")
    return Entity(f"sen2_{name}", "sen2_returns", " | ".join(PATTERNS), own + PROVENANCE,
                  key=(*(key or core.key), "return_file"), load="by_file", feeds=name,
                  derived=derived or (core.derived if core else ()))


STAGED = tuple(_staged(e, e.name) for e in (cms.PERSON, cms.REQUEST, cms.ASSESSMENT, cms.PLAN, cms.PLACEMENT, cms.NEED))
STAGED += (_staged(None, "review", REVIEW_COLUMNS, key=("person_id", "meeting_date", "review_type")),)

SOURCE = Source("sen2_returns", reader="sen2_returns", landing="new_files", entities=STAGED,
                freshness_hours=24 * 400, about="the SEN2 returns (XML or Blade CSV): one a year (January)",
                by_default=False)
