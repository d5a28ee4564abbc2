"""send_nightly end to end with dag.test() on a small generated LA into DuckDB."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.helpers import point_at, table_checksums

DAGS = Path(__file__).resolve().parents[2] / "dags"
LOGICAL = datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc)


def _dag():
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS, bundle_name="dags-folder")
    assert not bag.import_errors
    return bag.dags["send_nightly"]


def _run_dag(conf=None):
    from airflow.utils.state import DagRunState

    dag_run = _dag().test(logical_date=LOGICAL, run_conf=conf)
    assert dag_run.state == DagRunState.SUCCESS, f"send_nightly ended {dag_run.state}"
    return dag_run


@pytest.fixture(scope="module")
def nightly(airflow_db, small_la, tmp_path_factory):
    from send_pipeline.kernel.warehouse import Warehouse

    work = tmp_path_factory.mktemp("nightly")
    with pytest.MonkeyPatch.context() as monkeypatch:
        point_at(monkeypatch, small_la, work)
        dag_run = _run_dag()
        wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
        yield dag_run, wh, work
        wh.dispose()


def test_nightly_loads_every_entity_and_reconciles(nightly, small_la):
    dag_run, wh, work = nightly
    log = wh.frame("SELECT * FROM ops.run_log WHERE run_id = :r", {"r": dag_run.run_id})
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.nightly.sources import entity_names, selected

    # every source a night runs by default (SEND_SOURCES unset: all but sen2_returns, which runs when named):
    # today 13 source entities + 13 DfE release tables
    declared = [n for s in selected(Settings.resolve()) for n in entity_names(s)]
    assert sorted(log.entity) == sorted(declared)
    assert len(log) == len(declared)  # one run_log row per declared entity, none twice
    assert (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all()
    assert log.reconciled.all()
    # Every CMS row arrives: the clean LA quarantines nothing from the CMS.
    cms = sqlite3.connect(small_la / "cms.db")
    for entity, table in [("person", "cms_person"), ("request", "cms_request"), ("plan", "cms_plan"),
                          ("placement", "cms_placement"), ("need", "cms_need")]:
        source_rows = cms.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        row = log.set_index("entity").loc[entity]
        assert row.rows_extracted == source_rows
        assert wh.scalar(f"SELECT COUNT(*) FROM core.{entity}") == row.rows_loaded == source_rows
    assert log.set_index("entity").loc["ledger_line"].rows_loaded > 1000
    assert wh.scalar("SELECT COUNT(*) FROM marts.person") == wh.scalar("SELECT COUNT(*) FROM core.person")
    # Outputs: quality results and Data Docs for the run; landing is owner-only.
    quality = next((work / "output" / "quality").iterdir())
    assert (quality / "data_docs" / "cms" / "index.html").exists()
    assert (quality / "validation" / "person.json").exists()
    manifest = next((work / "landing").rglob("manifest.json"))
    assert oct(manifest.stat().st_mode & 0o777) == "0o600"


def test_second_run_of_the_same_night_leaves_identical_tables(nightly):
    """dag.test() cannot reuse a run id, so this is a second run for the same night: the same contents,
    only the lineage column run_id differs (tests/e2e/test_pipeline_*.py re-run one run id exactly)."""
    _, wh, _ = nightly
    before = table_checksums(wh, ignore=("run_id",))
    wh.dispose()
    _run_dag()
    assert table_checksums(wh, ignore=("run_id",)) == before


def test_pseudonymised_mart_has_no_personal_data(nightly):
    _, wh, _ = nightly
    columns = set(wh.frame("SELECT * FROM marts.person LIMIT 1").columns)
    assert not columns & {"forename", "surname", "upn", "uln", "dob", "postcode", "person_id"}
    keys = wh.frame("SELECT person_key FROM marts.person").person_key
    assert keys.str.fullmatch(r"[0-9a-f]{20}").all() and keys.is_unique


def test_logs_carry_no_names_or_identifiers(small_la, airflow_db, tmp_path, monkeypatch):
    """Run the nightly DAG as an operator does (`airflow dags test`) and search everything it wrote —
    console output and Airflow's log folder — for every generated name, UPN, ULN and postcode."""
    point_at(monkeypatch, small_la, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(DAGS.parent / "plugins")}
    airflow = str(Path(sys.executable).with_name("airflow"))
    done = subprocess.run([airflow, "dags", "test", "send_nightly", "2026-02-03"], env=env,
                          capture_output=True, text=True, timeout=600)
    logs = done.stdout + done.stderr + "".join(p.read_text(errors="replace") for p in Path(airflow_db).rglob("*.log"))
    assert done.returncode == 0, logs[-2000:]
    assert "reconcile_run" in logs and "extract_source" in logs  # the capture really holds the run's logs
    cms = sqlite3.connect(small_la / "cms.db")
    people = cms.execute("SELECT forename, surname, upn, uln, postcode FROM cms_person").fetchall()
    officers = [r[0] for r in cms.execute("SELECT name FROM cms_officer")]
    needles = {f"{f} {s}" for f, s, *_ in people} | {v for *_, u, l, p in people for v in (u, l, p) if v} | set(officers)
    found = sorted(n for n in needles if n and n in logs)
    assert found == [], f"{len(found)} personal values in logs, e.g. {found[:3]}"


def _asset_events(run_id: str) -> list[str]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return sorted(session.scalars(select(AssetModel.name).join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
                                      .where(AssetEvent.source_run_id == run_id)))


def test_a_good_night_emits_send_marts(nightly):
    dag_run, _, _ = nightly
    assert "send_marts" in _asset_events(dag_run.run_id)


def test_a_failed_night_publishes_nothing_and_still_purges(airflow_db, small_la, tmp_path, monkeypatch):
    """A source stopped (a banding file without its columns): build_marts refuses naming it, no
    send_marts event (so foi_tables does not run), reconcile_run fails, purge_expired still runs, and
    the run ends failed."""
    import shutil

    from airflow.utils.state import DagRunState, TaskInstanceState as S

    la = tmp_path / "la"
    shutil.copytree(small_la, la, ignore=shutil.ignore_patterns("education-health-and-care-plans_*.zip"))
    (la / "inbox" / "banding_rates.csv").write_text("nothing,useful\n1,2\n")
    point_at(monkeypatch, la, tmp_path / "work")
    dag_run = _dag().test(logical_date=datetime(2026, 2, 5, 2, 0, tzinfo=timezone.utc))
    assert dag_run.state == DagRunState.FAILED
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states["banding.validate_source"] == S.FAILED and states["banding.load_source"] == S.UPSTREAM_FAILED
    assert states["ledger.load_source"] == S.SUCCESS  # later sources still ran
    assert states["build_marts"] == S.FAILED and states["pool_consortium"] == S.UPSTREAM_FAILED
    assert states["reconcile_run"] == S.FAILED and states["purge_expired"] == S.SUCCESS
    assert "send_marts" not in _asset_events(dag_run.run_id)
    from send_pipeline.kernel.warehouse import Warehouse

    wh = Warehouse(f"duckdb:///{tmp_path / 'work' / 'warehouse.duckdb'}")
    try:
        assert wh.scalar("SELECT COUNT(*) FROM ops.marts_build") == 0  # never built: nothing to publish
        assert wh.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'marts'") == 0
    finally:
        wh.dispose()
