"""What a night publishes (issue 17): the marts are rebuilt only by a night whose every entity loaded
and reconciled, and a rerun of an older night never rewinds them. Steps without Airflow, on DuckDB."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from tests.helpers import point_at, table_checksums

LATEST, OLDER, ASKED = date(2026, 2, 1), date(2026, 1, 25), date(2026, 1, 20)


def _run(run_id, as_at, scheduled=True):
    """A run as Airflow makes one (as-at = its logical date) or, `scheduled=False`, one whose as-at was
    asked for by name (the CLI, the DAG's as_at param)."""
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.nightly.steps import Run

    return Run(Settings.resolve(), run_id, as_at, logical_date=as_at if scheduled else None)


@pytest.fixture(scope="module")
def first_night(small_la, tmp_path_factory):
    """One good night as at LATEST into a fresh DuckDB warehouse (a private copy of the LA, without
    the DfE release zip this module needs nothing of), once for the module."""
    from send_pipeline.nightly.steps import run_nightly

    base = tmp_path_factory.mktemp("publication")
    la = base / "la"
    shutil.copytree(small_la, la, ignore=shutil.ignore_patterns("education-health-and-care-plans_*.zip"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        point_at(monkeypatch, la, base / "work")
        run_nightly(_run("night_latest", LATEST))
    return la, base / "work"


@pytest.fixture
def night(first_night, tmp_path, monkeypatch):
    """A copy of the first night's warehouse and outputs for one test to change."""
    from send_pipeline.kernel.warehouse import Warehouse

    la, work = first_night
    shutil.copytree(work, tmp_path / "work")
    point_at(monkeypatch, la, tmp_path / "work")
    wh = Warehouse(f"duckdb:///{tmp_path / 'work' / 'warehouse.duckdb'}")
    yield wh
    wh.dispose()


def _marts_as_at(wh) -> set:
    return set(wh.frame("SELECT DISTINCT as_at FROM marts.annual_reviews").as_at.map(str))


def _builds(wh) -> list[tuple]:
    frame = wh.frame("SELECT run_id, as_at, run_as_at FROM ops.marts_build ORDER BY built_at")
    return [(r.run_id, str(r.as_at)[:10], str(r.run_as_at)[:10]) for r in frame.itertuples()]


def test_a_rerun_of_an_older_night_rebuilds_as_at_the_latest_date(night, caplog):
    from send_pipeline.nightly.steps import run_nightly

    wh = night
    assert _marts_as_at(wh) == {"2026-02-01"}
    before = table_checksums(wh, schemas=("marts",), ignore=("run_id",))
    wh.dispose()
    with caplog.at_level("WARNING", logger="send_pipeline.nightly.marts"):
        run_nightly(_run("night_older", OLDER))  # e.g. the 25 January run cleared after the 1 February one
    assert _marts_as_at(wh) == {"2026-02-01"}
    assert table_checksums(wh, schemas=("marts",), ignore=("run_id",)) == before  # not rewound: the same marts
    assert _builds(wh) == [("night_latest", "2026-02-01", "2026-02-01"), ("night_older", "2026-02-01", "2026-01-25")]
    assert ("run night_older is for 2026-01-25, before the 2026-02-01 the marts were last built for: rebuilt as at "
            "2026-02-01 from the warehouse as it now is (a rerun never rewinds the marts)") in caplog.text


def test_the_foi_tables_and_pack_then_read_the_latest_date(night):
    """The pack's 'send_nightly has not succeeded since' reads the marts' date: still the latest."""
    from send_pipeline.foi import catalogue
    from send_pipeline.foi.build import ensure_marts
    from send_pipeline.nightly.steps import run_nightly

    wh = night
    wh.dispose()
    run_nightly(_run("night_older", OLDER))
    assert ensure_marts(_run("foi", date(2026, 2, 2)), catalogue.load()) == LATEST


def test_an_as_at_asked_for_by_name_is_built_as_asked(night, caplog):
    from send_pipeline.nightly.steps import run_nightly

    wh = night
    wh.dispose()
    with caplog.at_level("WARNING", logger="send_pipeline.nightly.marts"):
        run_nightly(_run("asked", ASKED, scheduled=False))
    assert _marts_as_at(wh) == {"2026-01-20"}
    assert _builds(wh)[-1] == ("asked", "2026-01-20", "2026-01-20")
    assert "the marts were as at 2026-02-01; rebuilt as at 2026-01-20 as asked" in caplog.text
    run_nightly(_run("next_night", date(2026, 1, 22)))  # a scheduled night after it goes on from there
    assert _marts_as_at(wh) == {"2026-01-22"}


def test_a_night_that_did_not_load_everything_leaves_the_marts_as_they_were(night):
    from send_pipeline.kernel.errors import MartsRefused
    from send_pipeline.nightly import steps

    wh = night
    before = table_checksums(wh, schemas=("marts",))
    wh.dispose()
    run = _run("night_partial", date(2026, 2, 2))
    for source in ("stats", "schools", "banding", "cms"):  # reviews and ledger did not load this run
        steps.run_source(source, run)
    with pytest.raises(MartsRefused) as refused:
        steps.build_reconciled_marts(run)
    assert str(refused.value) == (
        "marts not rebuilt: run night_partial did not load: reviews (review); ledger (ledger_line). The marts stay "
        "as at 2026-02-01, their last good date; fix the source, clear its task group, then clear build_marts")
    assert table_checksums(wh, schemas=("marts",)) == before
    assert [b[0] for b in _builds(wh)] == ["night_latest"]
    # a load recorded but not reconciled counts too
    for source in ("reviews", "ledger"):
        steps.run_source(source, run)
    with wh.transaction() as conn:
        conn.exec_driver_sql("UPDATE ops.run_log SET reconciled = FALSE WHERE run_id = 'night_partial' "
                             "AND entity IN ('plan', 'school')")
    with pytest.raises(MartsRefused, match=r"did not reconcile: schools \(school\); cms \(plan\)\. The marts stay "
                                           r"as at 2026-02-01"):
        steps.build_reconciled_marts(run)
    with wh.transaction() as conn:
        conn.exec_driver_sql("UPDATE ops.run_log SET reconciled = TRUE WHERE run_id = 'night_partial'")
    steps.build_reconciled_marts(run)  # everything reconciled: built, as at the run's date
    assert _marts_as_at(wh) == {"2026-02-02"}
