"""A small generated LA and the settings that point the pipeline at it."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

SMALL_SCALE = 0.05  # ~175 active plans: every path exercised in seconds


@pytest.fixture(scope="session")
def small_la(tmp_path_factory) -> Path:
    from send_pipeline.synth import generate

    out = tmp_path_factory.mktemp("la")
    generate(out, seed=7, scale=SMALL_SCALE, defects=0.0, until=date(2026, 1, 31))
    return out


@pytest.fixture(scope="session")
def defective_la(tmp_path_factory) -> Path:
    from send_pipeline.synth import generate

    out = tmp_path_factory.mktemp("la_defects")
    generate(out, seed=11, scale=SMALL_SCALE, defects=0.03, until=date(2026, 1, 31))
    return out


def point_at(monkeypatch, la: Path, work: Path, warehouse_url: str | None = None) -> None:
    """Environment for one pipeline instance: CMS, inbox, outputs, landing and warehouse."""
    monkeypatch.setenv("AIRFLOW_CONN_SEND_CMS", f"sqlite:///{la / 'cms.db'}")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_WAREHOUSE", warehouse_url or f"duckdb:///{work / 'warehouse.duckdb'}")
    monkeypatch.setenv("SEND_INBOX_DIR", str(la / "inbox"))
    monkeypatch.setenv("SEND_OUTPUT_DIR", str(work / "output"))
    monkeypatch.setenv("SEND_LANDING_DIR", str(work / "landing"))
    monkeypatch.setenv("SEND_DATA_DIR", str(work))
    monkeypatch.setenv("AIRFLOW_CONN_SEND_PSEUDONYMISATION", "generic://:test-secret@")


def table_checksums(warehouse, schemas=("core", "marts")) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every table's contents."""
    tables = warehouse.frame(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('core', 'marts') "
        "ORDER BY 1, 2")
    out = {}
    for schema, name in tables.itertuples(index=False):
        if schema not in schemas:
            continue
        frame = warehouse.frame(f"SELECT * FROM {schema}.{name}")
        rows = sorted("|".join("" if v is None else str(v) for v in row) for row in frame.itertuples(index=False))
        out[f"{schema}.{name}"] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out
