"""The catalogue is defined once and holds together: every table has its SQL, metadata and layout."""
from __future__ import annotations

import re

import pytest

from send_pipeline.foi import catalogue
from send_pipeline.foi.build import model_order
from send_pipeline.foi.steps import REFERENCE, parse_period, start_year, threshold

ISSUE_TABLES = {  # what the issue asks for, at least
    "coordinator_caseloads": "quarter", "agency_consultant_spend": "financial_year",
    "school_consultations": "academic_year", "funding_per_child_by_provision": "financial_year",
    "ehcna_requests_and_plans": "calendar_year", "annual_review_timeliness": "calendar_year",
    "plans_by_need_age_setting": "academic_year", "special_school_places": "academic_year",
    "school_spend": "financial_year", "benchmark_plans": "academic_year",
    "benchmark_special_schools": "academic_year", "benchmark_20_week_timeliness": "calendar_year",
    "benchmark_review_decisions": "calendar_year",
}


def test_the_catalogue_covers_the_issue_with_every_period_type():
    cat = catalogue.load()
    assert {t.id: t.period_type for t in cat.tables if t.id in ISSUE_TABLES} == ISSUE_TABLES
    assert {t.period_type for t in cat.tables} == set(catalogue.PERIOD_TYPES)
    for t in cat.tables:
        assert t.title and len(t.definition) > 80 and t.source and t.sheet, t.id
        assert len(t.sheet) <= 31


@pytest.mark.parametrize("table", catalogue.load().tables, ids=lambda t: t.id)
def test_each_table_has_one_sql_file_in_the_house_style(table):
    sql = table.sql_path.read_text()
    assert sql.startswith(f"-- foi.{table.id}:"), "a header comment saying what the table is"
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    assert re.search(r"^with\b", body.strip()), "import CTEs first"
    assert re.search(r"\bfinal as \(", body) and body.strip().endswith("select * from final"), "a final CTE, selected"
    assert ";" not in body, "one statement"
    for col in table.columns:  # every published column is produced by name
        assert re.search(rf"\b{col}\b", body), f"{table.id}: {col}"


def test_published_layout_is_the_dfe_one():
    for t in catalogue.load().tables:
        assert t.columns[:6] == ["time_period", "time_identifier", "geographic_level", "new_la_code",
                                 "old_la_code", "la_name"], t.id
        assert t.columns[-len(t.measures):] == [m.name for m in t.measures]


def test_models_build_in_dependency_order():
    order = model_order(catalogue.load())
    assert order.index("census_plans") < order.index("plans_by_need_age_setting")
    assert order.index("census_plans") < order.index("special_school_places")
    assert order.index("comparators") < order.index("benchmark_20_week_timeliness")


def test_periods_and_references(monkeypatch):
    assert parse_period("") is None and parse_period(None) is None
    assert parse_period("2023") == (2023, 2023)
    assert parse_period("2023-24") == (2023, 2023)           # one academic or financial year
    assert parse_period("2019-2024") == (2019, 2024) and parse_period("2019 to 2024") == (2019, 2024)
    for bad in ("2024-2019", "last year", "2023-25"):
        with pytest.raises(ValueError):
            parse_period(bad)
    assert start_year(202425) == 2024 and start_year("2024") == 2024
    assert REFERENCE.match("FOI-2026-0123") and not REFERENCE.match("../etc") and not REFERENCE.match("a b")
    monkeypatch.delenv("SEND_FOI_THRESHOLD", raising=False)
    assert threshold() == 5 and threshold("10") == 10
    monkeypatch.setenv("SEND_FOI_THRESHOLD", "3")
    assert threshold() == 3
    with pytest.raises(ValueError):
        threshold(1)
