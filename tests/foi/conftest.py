"""FOI fixtures: a tiny warehouse built row by row (DuckDB and PostgreSQL), and one small generated LA
loaded by the real nightly run (its inbox holds the real DfE release zip) with the FOI tables built and
exported, shared by the export, benchmarking and DAG tests."""
from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import point_at

SMALL_SCALE = 0.05
AS_OF_NIGHT = date(2026, 2, 1)


@pytest.fixture(scope="module")
def pg_module_url(pg_url):
    """A PostgreSQL database for one test module, dropped afterwards (the tiny warehouse is built once)."""
    import sqlalchemy as sa

    name = f"send_foi_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(scope="session")
def foi_la(tmp_path_factory) -> Path:
    from send_pipeline.synth import generate

    out = tmp_path_factory.mktemp("foi_la")
    generate(out, seed=7, scale=SMALL_SCALE, defects=0.0, until=date(2026, 1, 31))
    return out


@pytest.fixture(scope="session")
def foi_night(foi_la, tmp_path_factory):
    """The small LA after send_nightly's steps and the FOI build and export: (work dir, warehouse url, summary)."""
    from send_pipeline.foi import steps
    from send_pipeline.pipeline import Run, run_nightly
    from send_pipeline.settings import Settings

    work = tmp_path_factory.mktemp("foi_night")
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, foi_la, work)
        mp.delenv("SEND_FOI_THRESHOLD", raising=False)
        run_nightly(Run(Settings.resolve(), "foi_night", AS_OF_NIGHT))
        run = Run(Settings.resolve(), "foi_tables_night", AS_OF_NIGHT)
        built = steps.build_tables(run)
        exported = steps.export_tables(None, run)
    return {"work": work, "url": f"duckdb:///{work / 'warehouse.duckdb'}", "built": built, "exported": exported,
            "la": foi_la}


@pytest.fixture
def night_env(foi_night, monkeypatch):
    """Settings pointing at the small LA's warehouse and outputs (for steps run inside a test)."""
    point_at(monkeypatch, foi_night["la"], foi_night["work"])
    monkeypatch.delenv("SEND_FOI_THRESHOLD", raising=False)
    return foi_night
