"""marts.dfe_measures speaks the DfE's release exactly, and sits beside ref.dfe_* (marts.dfe_measures_published).

- every measure is a column of the DfE's 2025 release table of the same name, every breakdown a
  (breakdown_topic, breakdown) the release uses (../shared/data/dfe_ehcp_2025);
- the SQL's copies of the sign-off's reference files (census days, setting types and columns) are identical;
- the published figure, the difference from it and last year's published figure line up by LA, period,
  breakdown and column.
Built on the hand-built LA of tests/nightly/statutory.py (DuckDB; the SQL runs on PostgreSQL in
tests/nightly/test_statutory.py and tests/sen2/test_dfe_agreement.py).
"""
from __future__ import annotations

import csv
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from . import statutory as S

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT.parent / "shared" / "data" / "dfe_ehcp_2025" / "education-health-and-care-plans_2025.zip"
SEN2_DIR = ROOT / "include" / "sen2"
# columns of the 2025 release that no longer come from an SEN2 return (the 2022 aggregate collection's
# "awaiting provision" and "permanently excluded") or are a duplicate header (review_meeting_prior_24)
NOT_FROM_SEN2 = {"await_prov_2022", "perm_ex_2022"}


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    from send_pipeline.nightly.steps import Run, build_marts

    tmp = tmp_path_factory.mktemp("dfe_measures")
    url = f"duckdb:///{tmp / 'w.duckdb'}"
    warehouse = S.build(url)
    warehouse.run = Run(S.settings_for(url, tmp), "dfe", S.AS_AT)
    build_marts(warehouse.run)
    yield warehouse
    warehouse.dispose()


def _csv(name: str) -> list[dict]:
    with open(SEN2_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@pytest.mark.skipif(not RELEASE.exists(), reason="the DfE release is not in ../shared")
def test_every_measure_and_breakdown_is_the_releases(wh):
    ours = wh.frame("SELECT DISTINCT dfe_table, measure, breakdown_topic, breakdown FROM marts.dfe_measures")
    with zipfile.ZipFile(RELEASE) as z:
        for table, rows in ours.groupby("dfe_table"):
            release = pd.read_csv(z.open(f"data/{table}.csv"), dtype=str, encoding="utf-8-sig")
            columns = set(release.columns[12:])
            measures = set(rows.measure)
            # annual_reviews names its years (review_meeting_24 is 2024's): this LA's earlier years use the
            # same pattern, which the 2025 release cannot show
            dated = {m for m in measures - columns if table == "annual_reviews" and m[-2:].isdigit()}
            assert measures - dated <= columns, (table, sorted(measures - dated - columns))
            assert {c for c in columns if not c.endswith(".1")} - NOT_FROM_SEN2 <= measures, table
            pairs = set(zip(release.breakdown_topic, release.breakdown))
            assert set(zip(rows.breakdown_topic, rows.breakdown)) <= pairs, table


def test_long_form_has_one_value_per_key(wh):
    dup = wh.frame("SELECT dfe_table, time_period, breakdown_topic, breakdown, measure, COUNT(*) AS n "
                   "FROM marts.dfe_measures GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1")
    assert dup.empty, dup.head()
    periods = wh.frame("SELECT DISTINCT dfe_table, time_period, time_identifier FROM marts.dfe_measures")
    academic = periods[periods.dfe_table.isin(["caseload", "sen_needs_all_plans", "personal_budgets"])]
    assert set(academic.time_identifier) == {"Academic year"} and 202425 in set(academic.time_period)
    # from the first record's year (plan 40 started 15 January 2018) to the last census day before the as-at date
    assert set(periods[periods.dfe_table == "requests"].time_period) == set(range(2018, 2025))


def test_the_sql_copies_of_the_sign_offs_reference_files_are_identical(wh):
    days = wh.frame("SELECT census_year, census_date FROM staging.census_days WHERE published_day")
    got = {int(r.census_year): str(r.census_date) for r in days.itertuples()}
    published = {int(r["collection_year"]): r["census_day"] for r in _csv("census_days.csv")}
    assert got == {y: d for y, d in published.items() if date.fromisoformat(d) <= S.AS_AT}
    types = wh.frame("SELECT kind, value, dfe_column FROM staging.dfe_setting_types")
    assert sorted(map(tuple, types.to_numpy().tolist())) == sorted((r["kind"], r["value"], r["dfe_column"])
                                                                   for r in _csv("dfe_setting_types.csv"))
    ethnicity = wh.frame("SELECT code, label FROM staging.dfe_ethnicity")
    assert dict(zip(ethnicity.code, ethnicity.label)) == {r["code"]: r["label"] for r in _csv("dfe_ethnicity.csv")}
    assert len(ethnicity) == len(_csv("dfe_ethnicity.csv"))
    cols = wh.frame("SELECT * FROM staging.dfe_setting_columns ORDER BY position")
    rows = _csv("dfe_setting_columns.csv")
    assert cols.dfe_column.tolist() == [r["dfe_column"] for r in rows]
    assert cols.group_column.fillna("").tolist() == [r["group_column"] for r in rows]
    assert cols.label.tolist() == [r["label"] for r in rows]


def test_published_figures_sit_beside_ours(wh):
    from send_pipeline.sen2 import published

    all_topic = "All requests for EHC needs assessments"
    ref = pd.DataFrame([
        {"time_period": "2024", "time_identifier": "Calendar year", "geographic_level": "Local authority",
         "old_la_code": "331", "breakdown_topic": all_topic, "breakdown": all_topic,
         "requests_received_in_year": "9", "request_outcome_six_weeks": "c"},
        {"time_period": "2023", "time_identifier": "Calendar year", "geographic_level": "Local authority",
         "old_la_code": "331", "breakdown_topic": all_topic, "breakdown": all_topic,
         "requests_received_in_year": "4", "request_outcome_six_weeks": "1"},
        {"time_period": "2024", "time_identifier": "Calendar year", "geographic_level": "Local authority",
         "old_la_code": "332", "breakdown_topic": all_topic, "breakdown": all_topic,
         "requests_received_in_year": "999", "request_outcome_six_weeks": "999"},  # another LA
    ])
    with wh.transaction() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS ref.dfe_requests")
        conn.exec_driver_sql("CREATE TABLE ref.dfe_requests (" + ", ".join(f"{c} VARCHAR" for c in ref.columns) + ")")
        wh.insert_frame(conn, "ref.dfe_requests", ref)
        published.build(wh, conn, "331")
    got = wh.frame("SELECT * FROM marts.dfe_measures_published WHERE dfe_table = 'requests' AND time_period = 2024 "
                   "AND breakdown = breakdown_topic").set_index("measure")
    received = got.loc["requests_received_in_year"]
    assert (float(received.value), received.published_value, float(received.difference)) == (10, "9", 1)
    assert (received.previous_time_period, received.previous_published_value, float(received.change_from_previous)) \
        == (2023, "4", 6)
    six = got.loc["request_outcome_six_weeks"]  # suppressed in the release: shown as published, no difference
    assert six.published_value == "c" and pd.isna(six.difference) and six.previous_published_value == "1"
    assert pd.isna(got.loc["requests_withdrawn"].published_value)  # a column the release row does not carry


def test_the_ethnicity_breakdown(wh):
    got = wh.frame("SELECT breakdown, value FROM marts.dfe_measures WHERE dfe_table = 'requests' AND time_period = 2024 "
                   "AND breakdown_topic = 'Ethnicity' AND measure = 'requests_received_in_year'")
    counts = {b: v for b, v in zip(got.breakdown, got.value) if v}
    # received 2024: requests 1-5, 7 and 9-12; 2 is WENG (White British), 3 REFU and 7 NOBT, 11 AKPA
    assert counts == {"White - White British": 7, "Unclassified": 2, "Asian - Pakistani": 1}
