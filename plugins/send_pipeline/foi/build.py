"""Build the `foi` schema: every catalogue table from its SQL, in one transaction.

Inputs made here first: `foi.la_identity` (the configured LA's codes, name and region from the DfE
release, ref.dfe_caseload) and `foi.statistical_neighbours` (the shipped DfE list, names mapped to the
release). Then the helpers and tables of include/sql/foi/ in dependency order, each rendered with the
run's parameters exactly as the marts are (`pipeline.render_model`) plus `:la_code` and
`:first_financial_year`. Helpers marked person-level are dropped before the transaction commits.

The tables hold numbers before disclosure control: they stay inside the warehouse. Only
`export` (after `disclosure.protect`) writes anything that leaves it.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..kernel.run import Run
from ..nightly.marts import build_marts, dependency_order, render_model
from ..kernel.warehouse import Warehouse, ident
from . import catalogue as cat_mod
from .neighbours import neighbours, unmatched

log = logging.getLogger(__name__)

PERSON_LEVEL_HELPERS = {"census_plans"}  # dropped at the end of the build: the foi schema holds aggregates
_REF = re.compile(r"\b((?:foi|marts|staging|core|ref)\.[a-z0-9_]+)")


def render(path: Path, run: Run, catalogue: cat_mod.Catalogue, dialect: str) -> str:
    """The model's SELECT with the run's parameters bound (values the code controls, never data)."""
    la_code = run.settings.la_code
    if not re.fullmatch(r"\d{3}", la_code):
        raise ValueError(f"SEND_LA_CODE must be a 3-digit DfE LA number, not {la_code!r}")
    sql = render_model(path, run)
    values = {"la_code": f"'{la_code}'", "first_financial_year": str(int(catalogue.first_financial_year))}
    sql = re.sub(r":(la_code|first_financial_year)\b", lambda m: values[m.group(1)], sql)
    if dialect == "postgresql":  # psycopg reads % as a placeholder: LIKE '%x%' needs %%
        sql = sql.replace("%", "%%")
    return sql


def model_order(catalogue: cat_mod.Catalogue) -> list[str]:
    """Helpers and tables ordered so each is built after the foi models it reads."""
    names = list(catalogue.helpers) + catalogue.ids
    deps = {n: {r.split(".", 1)[1] for r in _REF.findall((cat_mod.FOI_SQL / f"{n}.sql").read_text())
                if r.startswith("foi.")} & set(names) - {n} for n in names}
    return dependency_order(names, deps, "foi models")


def reads(name: str) -> set[str]:
    """Warehouse tables (outside foi) a model reads."""
    return {r for r in _REF.findall((cat_mod.FOI_SQL / f"{name}.sql").read_text()) if not r.startswith("foi.")}


def existing_tables(wh: Warehouse) -> set[str]:
    frame = wh.frame("SELECT table_schema, table_name FROM information_schema.tables")
    return {f"{s}.{t}" for s, t in frame.itertuples(index=False)}


def ensure_marts(run: Run, catalogue: cat_mod.Catalogue) -> date:
    """The as-at date the FOI tables are built for: the marts'. A warehouse loaded before the marts
    existed gets them built first (the same build send_nightly runs)."""
    wh = run.warehouse()
    try:
        wh.ensure()
        needed = set().union(*(reads(n) for n in model_order(catalogue)))
        built = {t for t in needed if t.startswith(("marts.", "staging."))}
        missing = sorted(built - existing_tables(wh))
        if missing:
            log.warning("marts missing (%s): building them as at %s first", ", ".join(missing), run.as_at)
            build_marts(run)
            return run.as_at
        for table in sorted(t for t in built if t.startswith("marts.")):
            cols = wh.frame("SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
                            "AND table_name = :t", {"t": table.split(".")[1]}).column_name
            if "as_at" in set(cols):
                value = wh.scalar(f"SELECT MAX(as_at) FROM {ident(table)}")
                if value is not None:
                    value = value.date() if isinstance(value, datetime) else value
                    if value != run.as_at:
                        log.info("the marts are as at %s: the FOI tables use that date (run's date %s)", value, run.as_at)
                    return value
        return run.as_at
    finally:
        wh.dispose()


def la_identity(wh: Warehouse, conn, la_code: str) -> pd.DataFrame:
    """The configured LA's codes and names in the DfE layout, from the release (ref.dfe_caseload)."""
    tables = existing_tables(wh)
    row = None
    if "ref.dfe_caseload" in tables:
        row = conn.execute(sa.text(
            "SELECT new_la_code, la_name, region_name FROM ref.dfe_caseload WHERE geographic_level = 'Local authority' "
            "AND old_la_code = :c ORDER BY time_period DESC LIMIT 1"), {"c": la_code}).first()
    if row is None and "core.school" in tables:
        name = conn.execute(sa.text("SELECT MAX(la_name) FROM core.school WHERE la_code = :c"), {"c": la_code}).scalar()
        row = ("x", name or "x", "x")
    row = row or ("x", "x", "x")
    return pd.DataFrame([{"geographic_level": "Local authority", "new_la_code": row[0] or "x", "old_la_code": la_code,
                          "la_name": row[1] or "x", "region_name": row[2] or "x"}])


def build_foi(run: Run) -> dict:
    """Rebuild every FOI table in one transaction; a table whose optional source is absent is recorded as
    not available (and published as such) rather than failing the night."""
    catalogue = cat_mod.load()
    as_at = ensure_marts(run, catalogue)
    run = dataclasses.replace(run, as_at=as_at)
    wh = run.warehouse()
    built: dict[str, int | str] = {}
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        present = existing_tables(wh)
        with wh.transaction() as conn:
            conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS foi")
            identity = la_identity(wh, conn, run.settings.la_code)
            _replace(wh, conn, "foi.la_identity", identity, {c: "VARCHAR" for c in identity.columns})
            sn = neighbours()
            if "ref.dfe_caseload" in present:
                release = {r[0] for r in conn.exec_driver_sql(
                    "SELECT DISTINCT la_name FROM ref.dfe_caseload WHERE geographic_level = 'Local authority' "
                    "AND time_period = (SELECT MAX(time_period) FROM ref.dfe_caseload)")}
                lost = unmatched(release, sn)
                if lost:
                    log.warning("statistical neighbour names not in the DfE release (add them to "
                                "include/reference/statistical_neighbour_names.csv): %s", ", ".join(lost))
            _replace(wh, conn, "foi.statistical_neighbours", sn,
                     {"la_name": "VARCHAR", "neighbour_rank": "INTEGER", "neighbour_la_name": "VARCHAR"})
            for name in model_order(catalogue):
                table = ident(f"foi.{name}")
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
                missing = sorted(t for t in _requires(catalogue, name) if t not in present)
                if missing:
                    built[name] = f"not available: {', '.join(missing)} not loaded"
                    log.warning("foi.%s %s", name, built[name])
                    continue
                sql = render(cat_mod.FOI_SQL / f"{name}.sql", run, catalogue, wh.dialect)
                conn.exec_driver_sql(f"CREATE TABLE {table} AS {sql}")
                built[name] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
            for helper in PERSON_LEVEL_HELPERS & set(catalogue.helpers):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {ident('foi.' + helper)}")
            _replace(wh, conn, "foi.catalogue", _catalogue_rows(catalogue, built, as_at, now, identity), CATALOGUE_COLUMNS)
    finally:
        wh.dispose()
    log.info("built foi tables as at %s: %s", as_at, {k: v for k, v in built.items() if k in catalogue.ids})
    return {"as_at": as_at.isoformat(), "tables": {k: v for k, v in built.items() if k in catalogue.ids}}


def _requires(catalogue: cat_mod.Catalogue, name: str) -> tuple[str, ...]:
    return catalogue.table(name).requires if name in catalogue.ids else ()


CATALOGUE_COLUMNS = {
    "table_id": "VARCHAR", "title": "VARCHAR", "definition": "VARCHAR", "period_type": "VARCHAR",
    "source": "VARCHAR", "sheet": "VARCHAR", "la_code": "VARCHAR", "la_name": "VARCHAR", "as_at": "DATE",
    "built_at": "TIMESTAMP", "row_count": "BIGINT", "status": "VARCHAR",
}


def _catalogue_rows(catalogue, built, as_at, now, identity) -> pd.DataFrame:
    rows = []
    for t in catalogue.tables:
        result = built.get(t.id)
        rows.append({
            "table_id": t.id, "title": t.title, "definition": t.definition, "period_type": t.period_type,
            "source": t.source, "sheet": t.sheet, "la_code": identity.at[0, "old_la_code"],
            "la_name": identity.at[0, "la_name"], "as_at": as_at, "built_at": now,
            "row_count": result if isinstance(result, int) else None,
            "status": "built" if isinstance(result, int) else str(result),
        })
    frame = pd.DataFrame(rows, columns=list(CATALOGUE_COLUMNS))
    frame["row_count"] = frame["row_count"].astype("Int64")
    return frame


def _replace(wh: Warehouse, conn, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {ident(table)}")
    conn.exec_driver_sql(f"CREATE TABLE {ident(table)} ({', '.join(f'{ident(c)} {t}' for c, t in types.items())})")
    wh.insert_frame(conn, table, frame[list(types)])
