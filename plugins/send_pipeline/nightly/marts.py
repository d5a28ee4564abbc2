"""Marts: every staging and mart model (dbt/models/staging/, dbt/models/marts/) rebuilt, then the
data dictionary table. The Python runner (default) builds them in one transaction, in dependency order,
with the run's vars bound (nightly/models.py renders the dbt files); SEND_DBT=1 runs `dbt build` instead
(nightly/dbt.py: a table per model, each in its own transaction, and the models' data tests).

Each build is recorded in ops.marts_build with the as-at date it was built for. A rerun of an older
night (an Airflow run whose as-at is its own logical date, cleared or triggered for an earlier date)
never rewinds the marts: it rebuilds them as at the date they were last built for, from the warehouse
as it now is. Only an as-at asked for by name (the DAG's `as_at` param, the CLI's `--as-at`, a test's
Run) builds the marts as at an earlier date.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from send_pipeline.kernel.run import Run
from send_pipeline.kernel.settings import use_dbt
from send_pipeline.kernel.warehouse import split_statements
from send_pipeline.nightly import models

log = logging.getLogger(__name__)

LAYERS = models.LAYERS


def model_files() -> list[Path]:
    """Every staging and mart model, ordered so each is built after the models it ref()s."""
    files = models.models()
    layer_of = {name.split(".")[1]: name for name in files}
    deps = {name: {layer_of[r] for r in models.refs(path)} - {name} for name, path in files.items()}
    return [files[n] for n in dependency_order(list(files), deps, "models")]


def dependency_order(names: list[str], deps: dict[str, set[str]], what: str) -> list[str]:
    """`names` ordered so each comes after the names it depends on (`deps`); a cycle is an error."""
    ordered: list[str] = []

    def visit(name: str, stack: tuple = ()) -> None:
        if name in ordered:
            return
        if name in stack:
            raise RuntimeError(f"{what} depend on each other in a cycle: {' -> '.join(stack + (name,))}")
        for dep in sorted(deps[name]):
            visit(dep, stack + (name,))
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def render_model(path: Path, run: Run) -> str:
    """An include/sql query's SELECT with the run's parameters bound (values the code controls, never data)."""
    values = {"as_at": f"DATE '{run.as_at.isoformat()}'", "paperwork_days": str(int(run.settings.paperwork_days))}
    sql = split_statements(path.read_text())[0]
    return re.sub(r":(as_at|paperwork_days)\b", lambda m: values[m.group(1)], sql)


def last_built_as_at(wh) -> date | None:
    """The as-at date the marts were last built for: ops.marts_build's latest build; for a warehouse
    built before that table, the marts' own as_at column (as the FOI tables and the pack read it)."""
    def day(value):
        return value.date() if isinstance(value, datetime) else value

    found = wh.scalar("SELECT as_at FROM ops.marts_build ORDER BY built_at DESC LIMIT 1")
    if found is not None:
        return day(found)
    tables = wh.frame("SELECT table_name FROM information_schema.columns WHERE table_schema = 'marts' "
                      "AND column_name = 'as_at' ORDER BY table_name")
    for table in tables.table_name:
        found = wh.scalar(f"SELECT MAX(as_at) FROM marts.{table}")
        if found is not None:
            return day(found)
    return None


def as_at_asked(run: Run) -> bool:
    """Whether the run's as-at was asked for by name (a param, the CLI, a test), not an Airflow run's
    own logical date."""
    return run.logical_date is None or run.as_at != run.logical_date


def never_rewind(wh, run: Run) -> Run:
    """The run the marts are built for: an Airflow rerun of a night older than the marts' date builds
    them as at that later date (logged); a date asked for by name is built as asked."""
    latest = last_built_as_at(wh)
    if latest is None or run.as_at >= latest:
        return run
    if as_at_asked(run):
        log.warning("the marts were as at %s; rebuilt as at %s as asked (the next scheduled night brings them "
                    "forward again)", latest, run.as_at)
        return run
    log.warning("run %s is for %s, before the %s the marts were last built for: rebuilt as at %s from the "
                "warehouse as it now is (a rerun never rewinds the marts)", run.run_id, run.as_at, latest, latest)
    return dataclasses.replace(run, as_at=latest)


def build_marts(run: Run) -> dict:
    """Rebuild every staging and mart table (SEND_DBT=1: with dbt), then marts.dfe_measures_published and
    marts.data_dictionary. As at the run's date, or (an Airflow rerun of an older night) as at the marts'
    later date."""
    wh = run.warehouse()
    try:
        wh.ensure()
        asked = run.as_at
        run = never_rewind(wh, run)
        if use_dbt():
            wh.dispose()  # DuckDB: one process holds the file at a time, and dbt is another process
            from send_pipeline.nightly import dbt

            dbt.build(run)
            with wh.transaction() as conn:
                built = {name: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {name}").scalar() for name in models.models()}
                _finish(run, wh, conn, built, asked)
        else:
            with wh.transaction() as conn:
                built = _build(run, wh, conn)
                _finish(run, wh, conn, built, asked)
    finally:
        wh.dispose()
    log.info("built marts as at %s: %s", run.as_at, built)
    return built


def _build(run: Run, wh, conn) -> dict:
    """The Python runner: every model in one transaction (analysts never see a half-built set)."""
    built = {}
    for path in model_files():
        table = f"{path.parent.name}.{path.stem}"
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        select = models.render(path.read_text(), run, wh.dialect)
        if wh.dialect == "postgresql":  # psycopg reads % as a placeholder: LIKE '%x%' needs %%
            select = select.replace("%", "%%")
        conn.exec_driver_sql(f"CREATE TABLE {table} AS {select}")
        conn.exec_driver_sql(models.render(f"{{{{ la_code_column('{table}') }}}}", run, wh.dialect))
        built[table] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
    return built


def _finish(run: Run, wh, conn, built: dict, asked) -> None:
    """The tables built in Python, the data dictionary, and the build's record (ops.marts_build)."""
    from send_pipeline.nightly.dictionary import load_dictionary_table
    from send_pipeline.sen2 import published

    built[published.TABLE] = published.build(wh, conn, run.settings.checked_la_code)  # beside ref.dfe_*
    load_dictionary_table(wh, conn)
    conn.execute(sa.text("INSERT INTO ops.marts_build (run_id, la_code, as_at, run_as_at, built_at) "
                         "VALUES (:r, :la, :a, :asked, :t)"),
                 {"r": run.run_id, "la": run.settings.checked_la_code, "a": run.as_at, "asked": asked,
                  "t": datetime.now(timezone.utc).replace(tzinfo=None)})
