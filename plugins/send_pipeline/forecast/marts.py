"""The forecast's marts: marts.forecast_plans, forecast_places, forecast_cost and forecast_backtest.

send_nightly's build_marts drops and rebuilds only the tables it has a model file for
(dbt/models/marts/*.sql), so it never touches these; send_forecast replaces one scenario's rows of each
in one transaction (a failed forecast leaves the previous one). They are aggregates (no person appears),
described in dbt/models/marts/built_outside_dbt.yml like every mart.
"""
from __future__ import annotations

import pandas as pd

from ..kernel.warehouse import Warehouse, ident

COLUMNS: dict[str, dict[str, str]] = {
    "marts.forecast_plans": {
        "scenario": "VARCHAR", "base_year": "INTEGER", "census_year": "INTEGER", "years_ahead": "INTEGER",
        "kind": "VARCHAR", "breakdown": "VARCHAR", "need_code": "VARCHAR", "setting_group": "VARCHAR",
        "ncy": "INTEGER", "plans": "DOUBLE PRECISION", "plans_lower": "DOUBLE PRECISION",
        "plans_upper": "DOUBLE PRECISION", "new_plans": "DOUBLE PRECISION", "new_plans_lower": "DOUBLE PRECISION",
        "new_plans_upper": "DOUBLE PRECISION", "as_at": "DATE", "la_code": "VARCHAR"},
    "marts.forecast_places": {
        "scenario": "VARCHAR", "base_year": "INTEGER", "census_year": "INTEGER", "years_ahead": "INTEGER",
        "kind": "VARCHAR", "special_plans": "DOUBLE PRECISION", "special_plans_lower": "DOUBLE PRECISION",
        "special_plans_upper": "DOUBLE PRECISION", "places": "INTEGER", "special_schools": "INTEGER",
        "shortfall": "DOUBLE PRECISION", "p_demand_exceeds_places": "DOUBLE PRECISION", "as_at": "DATE",
        "la_code": "VARCHAR"},
    "marts.forecast_cost": {
        "scenario": "VARCHAR", "base_year": "INTEGER", "census_year": "INTEGER", "financial_year": "VARCHAR",
        "kind": "VARCHAR", "breakdown": "VARCHAR", "setting_group": "VARCHAR", "provision_type": "VARCHAR",
        "plans": "DOUBLE PRECISION", "cost_per_plan": "DOUBLE PRECISION", "cost": "DOUBLE PRECISION",
        "cost_lower": "DOUBLE PRECISION", "cost_upper": "DOUBLE PRECISION", "as_at": "DATE", "la_code": "VARCHAR"},
    "marts.forecast_backtest": {
        "scenario": "VARCHAR", "method": "VARCHAR", "horizon": "INTEGER", "measure": "VARCHAR",
        "mape": "DOUBLE PRECISION", "folds": "INTEGER", "first_origin": "INTEGER", "last_origin": "INTEGER",
        "as_at": "DATE", "la_code": "VARCHAR"},
}
TABLES = tuple(COLUMNS)


def ensure(wh: Warehouse, conn=None) -> None:
    """Create the forecast marts where missing (empty), so readers (the pack, the consortium pooling)
    find them before the first forecast has run."""
    def create(c):
        c.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS marts")
        for table, cols in COLUMNS.items():
            ddl = ", ".join(f"{ident(n)} {t}" for n, t in cols.items())
            c.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {ident(table)} ({ddl})")

    if conn is not None:
        create(conn)
        return
    with wh.transaction() as c:
        create(c)


def write(wh: Warehouse, frames: dict[str, pd.DataFrame], scenario: str) -> dict[str, int]:
    """Replace `scenario`'s rows of every forecast mart with `frames`, in one transaction."""
    written = {}
    with wh.transaction() as conn:
        ensure(wh, conn)
        for table, cols in COLUMNS.items():
            frame = _typed(frames[table].reindex(columns=list(cols)), cols)
            conn.exec_driver_sql(f"DELETE FROM {ident(table)} WHERE scenario = '{_safe(scenario)}'")
            written[table] = wh.insert_frame(conn, table, frame)
    return written


def _typed(frame: pd.DataFrame, cols: dict[str, str]) -> pd.DataFrame:
    """Whole-number columns as nullable integers (PostgreSQL's COPY refuses '1251.0' for an INTEGER)."""
    out = frame.copy()
    for name, sql_type in cols.items():
        if sql_type == "INTEGER":
            out[name] = pd.to_numeric(out[name], errors="raise").round().astype("Int64")
        elif sql_type == "DOUBLE PRECISION":
            out[name] = pd.to_numeric(out[name], errors="raise").astype(float)
    return out


def _safe(scenario: str) -> str:
    from .assumptions import SCENARIO_NAME

    if not SCENARIO_NAME.match(scenario):
        raise ValueError(f"not a scenario name: {scenario!r}")
    return scenario
