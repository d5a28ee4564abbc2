"""Atomicity, idempotence, concurrency and retention, on DuckDB and real PostgreSQL."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date

import pytest

from tests.helpers import point_at, table_checksums

AS_AT = date(2026, 2, 1)


def _run(run_id, **kw):
    from send_pipeline.nightly.steps import Run
    from send_pipeline.kernel.settings import Settings

    return Run(Settings.resolve(), run_id, AS_AT, **kw)


def _copy_without_release(la, dest):
    """A private copy of the LA; without the DfE release zip (12 s a load) these tests need nothing of."""
    shutil.copytree(la, dest, ignore=shutil.ignore_patterns("education-health-and-care-plans_*.zip"))
    return dest


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def loaded(request, small_la, tmp_path, monkeypatch):
    """A warehouse after one good night, on each engine, with a private copy of the CMS."""
    from send_pipeline.nightly.steps import run_nightly
    from send_pipeline.kernel.warehouse import Warehouse

    la = _copy_without_release(small_la, tmp_path / "la")
    url = None if request.param == "duckdb" else request.getfixturevalue("pg_database")
    point_at(monkeypatch, la, tmp_path / "work", warehouse_url=url)
    run_nightly(_run("night1"))
    wh = Warehouse(url or f"duckdb:///{tmp_path / 'work' / 'warehouse.duckdb'}")
    yield wh, la
    wh.dispose()


def test_a_load_killed_part_way_leaves_the_warehouse_as_it_was(loaded, monkeypatch):
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.kernel.warehouse import Warehouse

    wh, la = loaded
    with sqlite3.connect(la / "cms.db") as cms:  # a new night's changes in the CMS
        cms.execute("UPDATE cms_person SET postcode = 'CV1 1AA', updated_at = '2026-02-01 09:00:00'")
    before = table_checksums(wh, schemas=("core", "marts", "ops"))
    run = _run("night2", full_refresh=True)
    pipeline.extract_source("cms", run)
    pipeline.validate_source("cms", run)
    real = Warehouse.insert_frame
    calls = {"n": 0}

    def dies_on_the_fourth_table(self, conn, table, frame):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("worker killed part-way through the load")
        return real(self, conn, table, frame)

    monkeypatch.setattr(Warehouse, "insert_frame", dies_on_the_fourth_table)
    with pytest.raises(RuntimeError, match="killed part-way"):
        pipeline.load_source("cms", run)
    assert calls["n"] == 4
    assert table_checksums(wh, schemas=("core", "marts", "ops")) == before


def test_rerunning_the_same_run_gives_identical_tables(loaded):
    from send_pipeline.nightly.steps import run_nightly

    wh, _ = loaded
    before = table_checksums(wh, schemas=("core", "marts"))
    run_nightly(_run("night1"))
    assert table_checksums(wh, schemas=("core", "marts")) == before


@pytest.mark.postgres
def test_concurrent_load_and_reads_neither_corrupt_nor_deadlock(small_la, tmp_path, monkeypatch, pg_database):
    """sen2_census reads while send_nightly writes: writers queue on an advisory lock, readers see
    the last committed state, nobody deadlocks."""
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.kernel.warehouse import Warehouse

    point_at(monkeypatch, _copy_without_release(small_la, tmp_path / "la"), tmp_path, warehouse_url=pg_database)
    pipeline.run_nightly(_run("c1"))
    wh = Warehouse(pg_database)
    people = wh.scalar("SELECT COUNT(*) FROM core.person")
    errors, reads = [], []

    def writer(run_id):
        try:
            run = _run(run_id, full_refresh=True)
            pipeline.extract_source("cms", run)
            pipeline.validate_source("cms", run)
            pipeline.load_source("cms", run)
            pipeline.build_marts(run)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    def reader(stop):
        while not stop.is_set():
            reads.append(wh.scalar("SELECT COUNT(*) FROM core.person"))

    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(f"c{i}",)) for i in (2, 3)]
    watcher = threading.Thread(target=reader, args=(stop,))
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    stop.set()
    watcher.join()
    assert not errors and not any(t.is_alive() for t in threads)
    assert reads and set(reads) == {people}  # never a half-loaded table
    wh.dispose()


def test_duckdb_waits_for_another_process_holding_the_file(tmp_path):
    from send_pipeline.kernel.warehouse import Warehouse

    path = tmp_path / "w.duckdb"
    wh = Warehouse(f"duckdb:///{path}")
    wh.ensure()
    wh.dispose()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, time, sys; c = duckdb.connect(sys.argv[1]); c.execute('BEGIN'); "
        "c.execute('CREATE TABLE core.x AS SELECT 1 AS a'); print('held', flush=True); time.sleep(3); "
        "c.execute('COMMIT'); c.close()"), str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    wh = Warehouse(f"duckdb:///{path}", lock_wait=60)
    assert wh.scalar("SELECT COUNT(*) FROM core.x") == 1   # waited, then saw the committed table
    assert time.monotonic() - started > 1
    holder.wait(timeout=30)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    wh.dispose()


def test_retention_purges_old_landing_and_quarantine_and_records_it(tmp_path):
    from send_pipeline.nightly.extract.landing import land
    from send_pipeline.ops.retention import purge
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.kernel.warehouse import Warehouse

    import pandas as pd

    settings = Settings(cms_url="", warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}", inbox_dir=tmp_path,
                        output_dir=tmp_path / "out", landing_dir=tmp_path / "landing", la_code="331",
                        pseudonym_secret=b"x", retention_days=30)
    old = land(settings.landing_dir, "ledger", "ledger_line", "old_run", pd.DataFrame({"a": ["1"]}), {})
    manifest = json.loads((old / "manifest.json").read_text())
    manifest["extracted_at"] = "2020-01-01T00:00:00+00:00"
    (old / "manifest.json").write_text(json.dumps(manifest))
    new = land(settings.landing_dir, "ledger", "ledger_line", "new_run", pd.DataFrame({"a": ["1"]}), {})
    quality_old = settings.output_dir / "quality" / "old_run"
    quality_old.mkdir(parents=True)
    (quality_old / "q.csv").write_text("x")
    os.utime(quality_old, (time.time() - 90 * 86400,) * 2)
    sen2_work = settings.output_dir / "sen2" / "2024" / ".work"
    sen2_work.mkdir(parents=True)
    (sen2_work / "person.parquet").write_text("x")
    os.utime(sen2_work, (time.time() - 90 * 86400,) * 2)
    result = purge(settings, "purge_run")
    assert result["purged"] == 3 and not sen2_work.exists()
    assert not old.exists() and not quality_old.exists() and new.exists()
    log = Warehouse(settings.warehouse_url).frame("SELECT kind, path FROM ops.purge_log ORDER BY kind")
    assert log.kind.tolist() == ["landing", "quality", "sen2_work"]
