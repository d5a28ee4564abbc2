"""Consortium mode: several LAs, each with its own sources and warehouse, pooled at the marts.

Each LA's personal data stays in its own warehouse (core schema, under its own connection
`send_warehouse_<la>`); what a consortium shares is the pseudonymised marts. `pool_marts` copies every
LA's `marts.*` tables into the consortium warehouse's schema `consortium` (each row keeps its
`la_code`), in one transaction, then builds the consortium-level tables in `include/sql/consortium/`
from the pooled marts. Re-running gives the same tables; a failure leaves yesterday's pooled set.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from send_pipeline.kernel.settings import SQL_DIR, Settings
from send_pipeline.kernel.warehouse import Warehouse, ident, split_statements

log = logging.getLogger(__name__)

SCHEMA = "consortium"
SKIP = {"data_dictionary"}  # the dictionary is the same for every LA: copied once, not pooled
_DUCK_TO_PG = {"DOUBLE": "DOUBLE PRECISION", "HUGEINT": "NUMERIC(38)", "UBIGINT": "NUMERIC(20)"}


def mart_tables(wh: Warehouse) -> list[str]:
    frame = wh.frame("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1")
    return [t for t in frame["table_name"] if t not in SKIP]


def _columns(wh: Warehouse, table: str) -> list[tuple[str, str]]:
    frame = wh.frame("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'marts' "
                     "AND table_name = :t ORDER BY ordinal_position", {"t": table})
    return list(frame.itertuples(index=False, name=None))


def _type(data_type: str, dialect: str) -> str:
    upper = data_type.upper()
    if dialect == "postgresql":
        return _DUCK_TO_PG.get(upper, upper)
    return {"CHARACTER VARYING": "VARCHAR", "TEXT": "VARCHAR", "DOUBLE PRECISION": "DOUBLE"}.get(upper, upper)


def consortium_models() -> list[Path]:
    return sorted((SQL_DIR / SCHEMA).glob("*.sql"))


def pool_marts(settings: Settings, settings_for: Callable[[str], Settings], as_at=None) -> dict:
    """Pool every LA's marts into schema `consortium` of the consortium warehouse (one transaction)."""
    started = time.perf_counter()
    las = settings.las()
    target = Warehouse(settings.warehouse_url)
    sources = {la: Warehouse(settings_for(la).warehouse_url) for la in las}
    pooled: dict[str, int] = {}
    try:
        tables = mart_tables(sources[las[0]])
        shapes = {t: _columns(sources[las[0]], t) for t in tables}
        with target.transaction() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            for table, cols in shapes.items():
                name = ident(f"{SCHEMA}.{table}")
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
                ddl = ", ".join(f"{ident(c)} {_type(t, target.dialect)}" for c, t in cols)
                conn.exec_driver_sql(f"CREATE TABLE {name} ({ddl})")
            for la in las:
                _copy_la(target, conn, sources[la], la, shapes)
            for table in shapes:
                pooled[table] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {SCHEMA}.{table}").scalar()
            for path in consortium_models():
                name = f"{SCHEMA}.{path.stem}"
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
                select = split_statements(path.read_text())[0]
                if target.dialect == "postgresql":
                    select = select.replace("%", "%%")
                conn.exec_driver_sql(f"CREATE TABLE {name} AS {select}")
                pooled[name] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {name}").scalar()
    finally:
        target.dispose()
        for wh in sources.values():
            wh.dispose()
    result = {"las": las, "tables": pooled, "seconds": round(time.perf_counter() - started, 2)}
    log.info("pooled the marts of %d LAs into schema %s: %s", len(las), SCHEMA, pooled)
    return result


def _copy_la(target: Warehouse, conn, source: Warehouse, la: str, shapes: dict) -> None:
    if target.dialect == "duckdb" and source.dialect == "duckdb":
        # DuckDB to DuckDB: attach the LA's file read-only and copy inside the engine (no Python rows)
        alias = f"la_{la}"
        conn.exec_driver_sql(f"ATTACH '{source.path}' AS {alias} (READ_ONLY)")
        try:
            for table, cols in shapes.items():
                names = ", ".join(ident(c) for c, _ in cols)
                conn.exec_driver_sql(f"INSERT INTO {SCHEMA}.{table} ({names}) SELECT {names} FROM {alias}.marts.{table}")
        finally:
            conn.exec_driver_sql(f"DETACH {alias}")
        return
    for table, cols in shapes.items():
        names = [c for c, _ in cols]
        frame = source.frame(f"SELECT {', '.join(ident(c) for c in names)} FROM marts.{table}")
        target.insert_frame(conn, f"{SCHEMA}.{table}", frame)
