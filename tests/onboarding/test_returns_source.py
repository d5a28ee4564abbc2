"""Done-when (issue 19 part B): a return written by the project's own sen2 build (the tiny LA of
tests/sen2, census 15 January 2026), dropped in the inbox and read back by the `sen2_returns` source
into an EMPTY warehouse with SEND_SOURCES leaving the CMS out, gives the same person, request,
assessment, plan, placement and need counts as the LA holds for what the return covers, and the same
marts.ehcna_timeliness (calendar year 2025) and marts.dfe_measures (collection year 2026) figures; the
same again for the Blade CSV form of the return (tests/onboarding/blade_writer.py)."""
from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from send_pipeline.nightly.sources import gias
from tests.onboarding import blade_writer
from tests.sen2 import tiny

NIGHT = date(2026, 1, 20)  # a few days after the census
# hand-worked from tests/sen2/tiny.py (test_returns.py says why): 13 people of whom 112 and 113 are out of
# scope; 10 dated requests (110's transfer-in chain has none); 7 assessments; 5 plans; 6 placements (901
# left before the period); 5 needs (803 ceased in the period: its MLD is not reported)
COVERED = {"person": 11, "request": 10, "assessment": 7, "plan": 5, "placement": 6, "need": 5}
SOURCES = "schools,sen2_returns"


def write_gias(inbox: Path) -> Path:
    """A GIAS extract with the tiny LA's three schools (every declared column, most blank)."""
    path = inbox / "edubasealldata20260110.csv"
    cols = [c.source for c in gias.SCHOOL.columns]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        for urn, ukprn, name, type_name, group in tiny.SCHOOLS:
            w.writerow({"URN": urn, "UKPRN": ukprn or "", "EstablishmentName": name, "LA (code)": "331",
                        "TypeOfEstablishment (name)": type_name, "EstablishmentTypeGroup (name)": group,
                        "EstablishmentStatus (name)": "Open"})
    return path


def night(monkeypatch, work: Path, inbox: Path, run_id: str = "onb_night", sources: str = SOURCES, as_at=NIGHT,
          cms_url: str | None = None, warehouse_url: str | None = None):
    """One nightly run (run_nightly, no Airflow) into the warehouse under `work`."""
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.nightly.steps import Run, run_nightly

    monkeypatch.setenv("AIRFLOW_CONN_SEND_CMS", cms_url or f"sqlite:///{work / 'no_cms.db'}")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_WAREHOUSE", warehouse_url or f"duckdb:///{work / 'warehouse.duckdb'}")
    monkeypatch.setenv("SEND_INBOX_DIR", str(inbox))
    monkeypatch.setenv("SEND_OUTPUT_DIR", str(work / "output"))
    monkeypatch.setenv("SEND_LANDING_DIR", str(work / "landing"))
    monkeypatch.setenv("SEND_DATA_DIR", str(work))
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_PSEUDONYMISATION", "generic://:test-secret@")
    monkeypatch.setenv("SEND_SOURCES", sources)
    return run_nightly(Run(Settings.resolve(), run_id, as_at))


def counts(wh) -> dict[str, int]:
    return {e: int(wh.scalar(f"SELECT COUNT(*) FROM core.{e}")) for e in COVERED}


@pytest.fixture(scope="module")
def original(tiny_return, tmp_path_factory):
    """The tiny LA's own warehouse (the CMS's rows), its marts built as at the same night."""
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.nightly.steps import Run, build_marts
    from tests.nightly import statutory as S

    tmp = tmp_path_factory.mktemp("onb_original")
    url = f"duckdb:///{tmp / 'w.duckdb'}"
    wh = tiny.build_warehouse(url)
    settings = Settings(cms_url="", warehouse_url=url, inbox_dir=tmp, output_dir=tmp, landing_dir=tmp, la_code="331",
                        pseudonym_secret=S.SECRET)
    build_marts(Run(settings, "original", NIGHT))
    yield wh
    wh.dispose()


def _loaded(tmp_path_factory, name: str, drop):
    from send_pipeline.kernel.warehouse import Warehouse

    work = tmp_path_factory.mktemp(name)
    inbox = work / "inbox"
    inbox.mkdir()
    write_gias(inbox)
    drop(inbox)
    with pytest.MonkeyPatch.context() as mp:
        result = night(mp, work, inbox)
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    return wh, result, work


@pytest.fixture(scope="module", params=["xml", "blade"])
def loaded(request, tiny_return, tmp_path_factory):
    def drop(inbox: Path):
        if request.param == "xml":
            shutil.copy(tiny_return["xml"], inbox / Path(tiny_return["xml"]).name)
        else:
            blade_writer.write(tiny_return["xml"], inbox)
    wh, result, work = _loaded(tmp_path_factory, f"onb_{request.param}", drop)
    yield request.param, wh, result, work
    wh.dispose()


def test_the_return_gives_the_counts_it_covers(loaded, original):
    form, wh, result, _ = loaded
    assert counts(wh) == COVERED
    # the LA's own warehouse holds the same for the people the return covers
    scope = ", ".join(str(p) for p in tiny.PEOPLE if p not in tiny.OUT_OF_SCOPE)
    assert int(original.scalar(f"SELECT COUNT(*) FROM core.person WHERE person_id IN ({scope})")) == COVERED["person"]
    assert "cms" not in result and "sen2_returns" in result  # the CMS was skipped, not failed


def test_every_row_says_which_return_and_year(loaded, tiny_return):
    form, wh, _, _ = loaded
    name = Path(tiny_return["xml"]).name if form == "xml" else "Blade-Export_28-01-2026_*.csv"
    for entity in COVERED:
        got = wh.frame(f"SELECT DISTINCT return_file, return_year FROM core.{entity}")
        assert got.values.tolist() == [[name, 2026]], entity


def test_the_run_log_reconciles_and_says_where_records_came_from(loaded):
    form, wh, result, work = loaded
    log = wh.frame("SELECT entity, rows_extracted, rows_loaded, rows_quarantined, message FROM ops.run_log "
                   "WHERE source = 'sen2_returns' ORDER BY entity").set_index("entity")
    assert (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all()
    assert log.loc["sen2_person", "rows_loaded"] == 11 and log.rows_quarantined.sum() == 0
    assert log.loc["sen2_plan", "message"].startswith("core.plan: 5 from the returns (")
    summary = (work / "output" / "quality" / "onb_night" / "run_summary.txt").read_text()
    assert "records by source" in summary and "sen2_returns" in summary


def _timeliness(wh, year: int):
    frame = wh.frame("SELECT * FROM marts.ehcna_timeliness WHERE time_period = :y", {"y": year})
    return frame.drop(columns=["as_at", "la_code"], errors="ignore").to_dict("records")


def test_ehcna_timeliness_for_the_year_the_return_covers_is_the_las(loaded, original):
    _, wh, _, _ = loaded
    assert _timeliness(wh, 2025) == _timeliness(original, 2025)
    assert _timeliness(wh, 2025)[0]["requests_received"] == 7  # 502, 504-509 received in 2025


def _measures(wh, census_year: int):
    """The collection year's figures: calendar tables for the year before the census, census-day ones
    for the census day (academic time_period 202526 = January 2026)."""
    frame = wh.frame(
        "SELECT dfe_table, breakdown_topic, breakdown, measure, value FROM marts.dfe_measures "
        "WHERE (time_identifier = 'Calendar year' AND CAST(time_period AS VARCHAR) = :c) "
        "OR (time_identifier = 'Academic year' AND CAST(time_period AS VARCHAR) = :a)",
        {"c": str(census_year - 1), "a": f"{census_year - 1}{census_year % 100:02d}"})
    return {(r.dfe_table, r.breakdown_topic, r.breakdown, r.measure): r.value for r in frame.itertuples()}


def test_dfe_measures_for_the_collection_year_are_the_las(loaded, original):
    _, wh, _, _ = loaded
    ours, theirs = _measures(wh, 2026), _measures(original, 2026)
    assert ours and set(ours) == set(theirs)
    differ = {k: (ours[k], theirs[k]) for k in ours if not (ours[k] == theirs[k] or (ours[k] != ours[k] and theirs[k] != theirs[k]))}
    assert differ == {}


def test_the_same_on_postgresql(tiny_return, pg_database, tmp_path, monkeypatch):
    from send_pipeline.kernel.warehouse import Warehouse

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_gias(inbox)
    shutil.copy(tiny_return["xml"], inbox / Path(tiny_return["xml"]).name)
    night(monkeypatch, tmp_path, inbox, warehouse_url=pg_database)
    wh = Warehouse(pg_database)
    try:
        assert counts(wh) == COVERED
        assert wh.scalar("SELECT COUNT(DISTINCT return_year) FROM core.plan WHERE return_year = 2026") == 1
    finally:
        wh.dispose()


def test_a_review_the_tracker_holds_is_the_trackers_not_twice(loaded, tmp_path):
    """The tracker (source `reviews`, after sen2_returns) loads its reviews by person, meeting and type:
    a return's review with the same key is not merged beside it."""
    import sqlalchemy as sa

    from send_pipeline.kernel.settings import Settings
    from send_pipeline.nightly.steps import Run
    from send_pipeline.onboarding import merge
    from tests.nightly import statutory as S

    _, wh, _, _ = loaded
    ours = wh.frame("SELECT person_id, meeting_date, review_type FROM core.review WHERE return_file IS NOT NULL")
    assert len(ours) == 1  # 101's annual review of 12 May 2025
    run = Run(Settings(cms_url="", warehouse_url="", inbox_dir=tmp_path, output_dir=tmp_path, landing_dir=tmp_path,
                       la_code="331", pseudonym_secret=S.SECRET, sources=("schools", "sen2_returns")), "again", NIGHT)
    with wh.connect() as conn:
        tx = conn.begin()
        conn.execute(sa.text("INSERT INTO core.review (person_id, meeting_date, review_type, source_file) "
                             "VALUES (:p, :m, :t, 'annual_reviews_2025-26.xlsx')"),
                     {"p": int(ours.person_id[0]), "m": ours.meeting_date[0], "t": ours.review_type[0]})
        merged = merge.merge_returns(run, wh, conn)
        rows = conn.exec_driver_sql("SELECT source_file FROM core.review").fetchall()
        tx.rollback()
    assert rows == [("annual_reviews_2025-26.xlsx",)] and list(merged["counts"]["review"].values()) == [0]
