"""Benchmarking against the real DfE release (read straight from the zip by the nightly run): the tables
reproduce the published Coventry and England figures exactly, and the statistical neighbour list's
names all find their LA in the release."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from send_pipeline.nightly.extract.dfe_release import _read_zip
from send_pipeline.nightly.load import replace_text_table
from send_pipeline.foi.export import csv_frame
from send_pipeline.foi.neighbours import name_map, neighbours, read_list, unmatched
from send_pipeline.kernel.warehouse import Warehouse

ZIP = Path(__file__).resolve().parents[3] / "shared" / "data" / "dfe_ehcp_2025" / "education-health-and-care-plans_2025.zip"
COVENTRY_NEIGHBOURS = ["Derby", "Southampton", "Peterborough", "Bolton", "Wolverhampton", "Hillingdon", "Rochdale",
                       "Walsall", "Luton", "Stoke-on-Trent"]


@pytest.fixture(scope="module")
def night(foi_night):
    wh = Warehouse(foi_night["url"])
    yield wh, foi_night["work"] / "output" / "foi"
    wh.dispose()


def _csv(folder: Path, table_id: str) -> pd.DataFrame:
    return csv_frame((folder / f"{table_id}.csv").read_bytes())


def _row(frame: pd.DataFrame, period: str, comparator: str, rank: str = "z") -> pd.Series:
    rows = frame[(frame.time_period == period) & (frame.comparator == comparator) & (frame.neighbour_rank == rank)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_the_neighbour_list_loses_no_la_against_the_release(night):
    wh, _ = night
    release = set(wh.frame("SELECT DISTINCT la_name FROM ref.dfe_caseload WHERE geographic_level = 'Local authority' "
                           "AND time_period = '202425'").la_name)
    listed = neighbours()
    assert len(release) == 153 and listed.la_name.nunique() == 153
    assert unmatched(release, listed) == []                       # every LA and every neighbour is found
    assert set(listed.la_name) == release                         # and every LA of the release has neighbours
    assert (listed.groupby("la_name").neighbour_rank.apply(sorted) == [list(range(1, 11))] * 153).all()
    raw = read_list()
    unmapped = sorted((set(raw.la_name) | set(raw.neighbour_name)) - release)
    assert unmapped == sorted(name_map())  # exactly the four names the map exists for
    assert name_map()["Kingston Upon Hull, City of"] == "Kingston upon Hull, City of"
    built = wh.frame("SELECT * FROM foi.statistical_neighbours")
    assert len(built) == 153 * 10 and set(built.neighbour_la_name) <= release


def test_coventrys_comparators(night):
    wh, _ = night
    la = wh.frame("SELECT * FROM foi.la_identity").iloc[0]
    assert (la.new_la_code, la.old_la_code, la.la_name, la.region_name) == ("E08000026", "331", "Coventry", "West Midlands")
    sn = wh.frame("SELECT la_name FROM foi.comparators WHERE comparator = 'Statistical neighbour' ORDER BY sort_order").la_name
    assert sn.tolist() == COVENTRY_NEIGHBOURS


def test_reproduces_the_published_coventry_and_england_figures(night):
    _, folder = night
    t20 = _csv(folder, "benchmark_20_week_timeliness")
    cov, eng = _row(t20, "2024", "This LA"), _row(t20, "2024", "England")
    # DfE timeliness_20_week.csv, 2024, all EHC plans issued
    assert (cov.la_name, cov.new_la_code, cov.old_la_code) == ("Coventry", "E08000026", "331")
    assert (cov.plans_issued_den, cov.plans_issued_within_20_weeks, cov.pc_plans_issued_within_20_weeks) == ("686", "424", "61.8")
    assert (cov.plans_issued_den_ex, cov.plans_issued_20_weeks_ex, cov.pc_plans_issued_20_weeks_ex) == ("618", "392", "63.4")
    assert (eng.plans_issued_den, eng.plans_issued_within_20_weeks, eng.pc_plans_issued_within_20_weeks) == ("90392", "41448", "45.9")
    assert eng.pc_plans_issued_20_weeks_ex == "46.4"
    assert _row(t20, "2024", "Region").pc_plans_issued_within_20_weeks == "41"        # West Midlands, as published
    assert _row(t20, "2023", "This LA").pc_plans_issued_within_20_weeks == "35.1"
    assert round(100 * 424 / 686, 1) == 61.8 and round(100 * 392 / 618, 1) == 63.4     # and they follow from the counts
    special = _csv(folder, "benchmark_special_schools")
    cov, eng = _row(special, "202425", "This LA"), _row(special, "202425", "England")
    assert (cov.ehcplans, cov.special_total, cov.special_total_pc) == ("3477", "1445", "41.6")
    assert (eng.ehcplans, eng.special_total, eng.special_total_pc) == ("638745", "193880", "30.4")
    assert _row(special, "202324", "This LA").special_total_pc == "46"
    reviews = _csv(folder, "benchmark_review_decisions")
    cov, eng = _row(reviews, "2024", "This LA"), _row(reviews, "2024", "England")
    assert (cov.number_decsion_4weeks, cov.number_decision_gt_4weeks, cov.pc_decsion_4weeks) == ("895", "1521", "37")
    assert (eng.number_decsion_4weeks, eng.pc_decsion_4weeks) == ("154924", "44.4")
    plans = _csv(folder, "benchmark_plans")
    cov = _row(plans, "202425", "This LA")
    assert (cov.ehcplans, cov.plans_per_1000) == ("3477", "x")  # no population source: not available
    assert set(plans.plans_per_1000) == {"x"}


def test_every_published_cell_is_the_dfes_own(night):
    wh, folder = night
    for table_id, ref, topic, cols in [
        ("benchmark_20_week_timeliness", "dfe_timeliness_20_week", "All EHC plans issued",
         ["plans_issued_den", "pc_plans_issued_within_20_weeks", "pc_plans_issued_20_weeks_ex"]),
        ("benchmark_special_schools", "dfe_caseload", "All EHC plans", ["ehcplans", "special_total_pc"]),
        ("benchmark_review_decisions", "dfe_annual_reviews", "All annual reviews", ["pc_decsion_4weeks"]),
    ]:
        published = wh.frame(f"SELECT * FROM ref.{ref} WHERE breakdown_topic = :t AND breakdown = :t", {"t": topic})
        ours = _csv(folder, table_id)
        ours = ours[ours.comparator != "Statistical neighbours average"]
        assert len(ours) == published.time_period.nunique() * 13  # LA, England, region, ten neighbours
        for row in ours.itertuples():
            level = published[(published.time_period == row.time_period) & (published.geographic_level == row.geographic_level)]
            if row.geographic_level == "Local authority":
                level = level[level.la_name == row.la_name]
            elif row.geographic_level == "Regional":
                level = level[level.region_name == row.region_name]
            assert len(level) == 1, (table_id, row)
            for col in cols:
                assert getattr(row, col) == level.iloc[0][col], (table_id, row.time_period, row.la_name, col)


def test_neighbour_average_is_the_mean_of_their_published_figures(night):
    _, folder = night
    t20 = _csv(folder, "benchmark_20_week_timeliness")
    year = t20[t20.time_period == "2024"]
    values = year[year.comparator == "Statistical neighbour"].pc_plans_issued_within_20_weeks.astype(float)
    assert len(values) == 10
    average = _row(t20, "2024", "Statistical neighbours average", "z")
    assert float(average.pc_plans_issued_within_20_weeks) == round(values.mean(), 1) == 59.4
    assert average.plans_issued_den == "z"


@pytest.mark.postgres
def test_postgresql_gives_the_same_benchmarking_tables(night, pg_database, tmp_path):
    from send_pipeline.foi.build import build_foi
    from send_pipeline.foi.export import csv_bytes, publish
    from send_pipeline.nightly.steps import Run
    from send_pipeline.kernel.settings import Settings

    _, folder = night
    wh = Warehouse(pg_database)
    wh.ensure()
    members = _read_zip(ZIP)  # the release as an LA downloads it, straight from the zip
    with wh.transaction() as conn:
        for table in ("caseload", "timeliness_20_week", "annual_reviews"):
            replace_text_table(wh, conn, f"ref.dfe_{table}", members[table])
    settings = Settings(cms_url="", warehouse_url=pg_database, inbox_dir=tmp_path, output_dir=tmp_path,
                        landing_dir=tmp_path, la_code="331", pseudonym_secret=b"x")
    build_foi(Run(settings, "pg_bench", date(2026, 2, 1)))
    ids = ["benchmark_plans", "benchmark_special_schools", "benchmark_20_week_timeliness", "benchmark_review_decisions"]
    release = publish(wh, 5, ids)
    for p in release.tables:
        assert csv_bytes(p.frame, p.table) == (folder / f"{p.table.id}.csv").read_bytes(), p.table.id
    wh.dispose()
