"""Helpers shared by the end-to-end tests."""
from __future__ import annotations

import hashlib
from pathlib import Path


def point_at(monkeypatch, la: Path, work: Path, warehouse_url: str | None = None) -> None:
    """Environment for one pipeline instance: CMS, inbox, outputs, landing and warehouse."""
    monkeypatch.setenv("AIRFLOW_CONN_SEND_CMS", f"sqlite:///{la / 'cms.db'}")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_WAREHOUSE", warehouse_url or f"duckdb:///{work / 'warehouse.duckdb'}")
    monkeypatch.setenv("SEND_INBOX_DIR", str(la / "inbox"))
    monkeypatch.setenv("SEND_OUTPUT_DIR", str(work / "output"))
    monkeypatch.setenv("SEND_LANDING_DIR", str(work / "landing"))
    monkeypatch.setenv("SEND_DATA_DIR", str(work))
    monkeypatch.setenv("AIRFLOW_CONN_SEND_PSEUDONYMISATION", "generic://:test-secret@")


def table_checksums(warehouse, schemas=("core", "marts"), ignore=()) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every table's contents."""
    tables = warehouse.frame(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ("
        + ", ".join(f"'{s}'" for s in schemas) + ") ORDER BY 1, 2")
    out = {}
    for schema, name in tables.itertuples(index=False):
        if schema not in schemas:
            continue
        frame = warehouse.frame(f"SELECT * FROM {schema}.{name}")
        frame = frame.drop(columns=[c for c in ignore if c in frame.columns])
        rows = sorted("|".join("" if v is None else str(v) for v in row) for row in frame.itertuples(index=False))
        out[f"{schema}.{name}"] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out
