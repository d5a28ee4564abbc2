"""The dbt path (SEND_DBT=1: `dbt build` from .venv-dbt) builds the same staging and mart tables as the
Python runner, row for row, from the same night's warehouse: on the small LA, DuckDB and PostgreSQL."""
from __future__ import annotations

import shutil
import time
from datetime import date

import pytest

from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse
from send_pipeline.nightly import dbt
from send_pipeline.nightly.marts import build_marts
from send_pipeline.nightly.steps import Run, run_nightly
from tests.helpers import point_at, table_checksums

NIGHT = date(2026, 2, 1)
LAYERS = ("staging", "marts")
needs_dbt = pytest.mark.skipif(not dbt.DBT.exists(), reason=f"no dbt: {dbt.DBT} missing (run scripts/setup.sh)")


def _dbt_build(monkeypatch, run: Run) -> tuple[dict, float]:
    monkeypatch.setenv("SEND_DBT", "1")
    started = time.perf_counter()
    built = build_marts(run)
    monkeypatch.delenv("SEND_DBT")
    return built, time.perf_counter() - started


def _python_build(run: Run) -> float:
    started = time.perf_counter()
    build_marts(run)
    return time.perf_counter() - started


@needs_dbt
def test_dbt_builds_the_marts_the_python_runner_builds_duckdb(small_la, tmp_path, monkeypatch):
    point_at(monkeypatch, small_la, tmp_path / "python")
    run_nightly(Run(Settings.resolve(), "parity_night", NIGHT))  # the Python runner builds the marts
    python_run = Run(Settings.resolve(), "parity_python", NIGHT)
    python_seconds = _python_build(python_run)
    (tmp_path / "dbt").mkdir()
    shutil.copy(tmp_path / "python" / "warehouse.duckdb", tmp_path / "dbt" / "warehouse.duckdb")
    point_at(monkeypatch, small_la, tmp_path / "dbt")
    dbt_run = Run(Settings.resolve(), "parity_dbt", NIGHT)
    built, dbt_seconds = _dbt_build(monkeypatch, dbt_run)

    expected = table_checksums(python_run.warehouse(), LAYERS)
    got = table_checksums(dbt_run.warehouse(), LAYERS)
    assert len(expected) > 25 and set(got) == set(expected)
    assert {t: v for t, v in got.items() if v != expected[t]} == {}
    assert built["marts.annual_reviews"] == expected["marts.annual_reviews"][0] > 0
    print(f"\nsmall LA mart build, DuckDB: python {python_seconds:.1f}s, dbt {dbt_seconds:.1f}s")


@needs_dbt
@pytest.mark.postgres
def test_dbt_builds_the_marts_the_python_runner_builds_postgres(small_la, tmp_path, monkeypatch, pg_database):
    point_at(monkeypatch, small_la, tmp_path, warehouse_url=pg_database)
    run = Run(Settings.resolve(), "parity_pg", NIGHT)
    run_nightly(run)
    python_seconds = _python_build(run)
    expected = table_checksums(run.warehouse(), LAYERS)
    built, dbt_seconds = _dbt_build(monkeypatch, run)  # the same warehouse, its marts rebuilt by dbt
    got = table_checksums(run.warehouse(), LAYERS)
    assert len(expected) > 25 and set(got) == set(expected)
    assert {t: v for t, v in got.items() if v != expected[t]} == {}
    print(f"\nsmall LA mart build, PostgreSQL: python {python_seconds:.1f}s, dbt {dbt_seconds:.1f}s")


@needs_dbt
def test_a_failed_model_is_named(tmp_path, monkeypatch):
    """An empty warehouse (no core tables): dbt stops, and the error names a model that failed."""
    monkeypatch.setenv("SEND_DATA_DIR", str(tmp_path))
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    Warehouse(url).engine.dispose()
    settings = Settings(cms_url="", warehouse_url=url, inbox_dir=tmp_path, output_dir=tmp_path,
                        landing_dir=tmp_path, la_code="331", pseudonym_secret=b"test")
    with pytest.raises(dbt.DbtFailed, match=r"dbt build failed: .*model staging.latest_assessments \(error\)"):
        dbt.build(Run(settings, "empty", NIGHT))


def test_profile_from_the_warehouse_url():
    assert dbt.profile_env("duckdb:////srv/send/warehouse.duckdb")["SEND_DBT_DUCKDB_PATH"] == "/srv/send/warehouse.duckdb"
    pg = dbt.profile_env("postgresql+psycopg://send:s3cret@db.internal:6432/send_wh")
    assert (pg["SEND_DBT_TARGET"], pg["SEND_DBT_PG_HOST"], pg["SEND_DBT_PG_PORT"], pg["SEND_DBT_PG_USER"],
            pg["SEND_DBT_PG_PASSWORD"], pg["SEND_DBT_PG_DBNAME"]) == ("postgres", "db.internal", "6432", "send",
                                                                    "s3cret", "send_wh")
    with pytest.raises(ValueError, match="DuckDB or PostgreSQL only"):
        dbt.profile_env("sqlite:///x.db")
