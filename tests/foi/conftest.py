"""FOI fixtures: a tiny warehouse built row by row (DuckDB and PostgreSQL), and one small generated LA
loaded by the real nightly run (its inbox holds the real DfE release zip) with the FOI tables built and
exported, shared by the export, benchmarking and DAG tests."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import throwaway_database
from tests.helpers import point_at

AS_OF_NIGHT = date(2026, 2, 1)


@pytest.fixture(scope="module")
def pg_module_url(pg_url):
    """A PostgreSQL database for one test module, dropped afterwards (the tiny warehouse is built once)."""
    with throwaway_database(pg_url) as url:
        yield url


@pytest.fixture(scope="session")
def foi_la(small_la) -> Path:
    """The session's small generated LA (tests/conftest.py), shared with the e2e tests: generated once."""
    return small_la


@pytest.fixture(scope="session")
def foi_night(foi_la, tmp_path_factory):
    """The small LA after send_nightly's steps and the FOI build and export: (work dir, warehouse url, summary)."""
    from send_pipeline.foi import steps
    from send_pipeline.nightly.steps import Run, run_nightly
    from send_pipeline.kernel.settings import Settings

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
