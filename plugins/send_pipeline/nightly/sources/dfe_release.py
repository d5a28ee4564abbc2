"""The DfE "Education, health and care plans" release: benchmarking data for England, regions, LAs.

The newest `education-health-and-care-plans_*.zip` in the inbox is read in memory (never extracted to
disk, members size-capped: nightly/extract/dfe_release.py), each CSV landed as its own entity
`dfe_<table>`, checked with the shared `dfe_statistics` suite and loaded as text into `ref.dfe_<table>`
(published cells hold `c`, `x`, `z` symbols, so marts cast what they use). A release already loaded is
not loaded again. One release a year (June).
"""
from __future__ import annotations

from send_pipeline.nightly.sources.model import Entity, Source

PATTERN = "education-health-and-care-plans_*.zip"
REQUIRED = ("timeliness_20_week", "caseload", "requests", "annual_reviews", "newplans")
OPTIONAL = ("assessments", "ceased_plans", "personal_budgets", "residential_settings", "sen_need_newplans",
            "sen_needs_all_plans", "work_based_placements", "sen2_dmo_dco")
TABLES = REQUIRED + OPTIONAL
# where each table sits in the release, the only path it is read from (a `supporting-files/caseload.csv`
# is not the caseload table: issue 16)
MEMBERS = {table: f"data/{table}.csv" for table in TABLES} | {"sen2_dmo_dco": "supporting-files/sen2_dmo_dco.csv"}

SOURCE = Source("stats", reader="dfe_release", landing="newest_release", entities=tuple(
    Entity(f"dfe_{table}", "stats", PATTERN, (), ("time_period",), "text_table", suite="dfe_statistics")
    for table in TABLES), freshness_hours=24 * 400, about="the DfE's EHC plan statistics: one release a year (June)")
