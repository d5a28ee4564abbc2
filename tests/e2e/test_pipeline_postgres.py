"""The same nightly load into a real PostgreSQL server, and the same answers as DuckDB."""
from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import point_at, table_checksums

pytestmark = pytest.mark.postgres
AS_AT = date(2026, 2, 1)


def _run(run_id, full_refresh=False):
    from send_pipeline.nightly.steps import Run
    from send_pipeline.kernel.settings import Settings

    return Run(Settings.resolve(), run_id, AS_AT, full_refresh)


def test_postgres_load_matches_duckdb_and_reruns_identically(small_la, tmp_path, monkeypatch, pg_database):
    from send_pipeline.nightly.steps import run_nightly
    from send_pipeline.kernel.warehouse import Warehouse

    point_at(monkeypatch, small_la, tmp_path / "pg", warehouse_url=pg_database)
    run_nightly(_run("pg_night"))
    pg = Warehouse(pg_database)
    first = table_checksums(pg)
    log = pg.frame("SELECT entity, rows_extracted, rows_loaded, rows_quarantined FROM ops.run_log WHERE run_id = 'pg_night'")
    assert len(log) == 26  # 13 source entities + 13 tables of the DfE release
    assert (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all()
    assert first["core.person"][0] > 100 and first["core.plan"][0] > 100

    run_nightly(_run("pg_night"))  # the same run again: the same warehouse
    assert table_checksums(pg) == first
    pg.dispose()

    point_at(monkeypatch, small_la, tmp_path / "duck")
    run_nightly(_run("pg_night"))
    duck = Warehouse(f"duckdb:///{tmp_path / 'duck' / 'warehouse.duckdb'}")
    duck_sums = table_checksums(duck)
    assert {t: n for t, (n, _) in duck_sums.items()} == {t: n for t, (n, _) in first.items()}
    duck.dispose()
