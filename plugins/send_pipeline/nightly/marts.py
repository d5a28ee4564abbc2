"""Marts: every staging and mart model (dbt/models/staging/, dbt/models/marts/) rebuilt, then the
data dictionary table. The Python runner (default) builds them in one transaction, in dependency order,
with the run's vars bound (nightly/models.py renders the dbt files); SEND_DBT=1 runs `dbt build` instead
(nightly/dbt.py: a table per model, each in its own transaction, and the models' data tests).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

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


def build_marts(run: Run) -> dict:
    """Rebuild every staging and mart table (SEND_DBT=1: with dbt), then marts.dfe_measures_published and
    marts.data_dictionary."""
    wh = run.warehouse()
    try:
        wh.ensure()
        if use_dbt():
            wh.dispose()  # DuckDB: one process holds the file at a time, and dbt is another process
            from send_pipeline.nightly import dbt

            dbt.build(run)
            with wh.transaction() as conn:
                built = {name: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {name}").scalar() for name in models.models()}
                _finish(run, wh, conn, built)
        else:
            with wh.transaction() as conn:
                built = _build(run, wh, conn)
                _finish(run, wh, conn, built)
    finally:
        wh.dispose()
    log.info("built marts: %s", built)
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


def _finish(run: Run, wh, conn, built: dict) -> None:
    from send_pipeline.nightly.dictionary import load_dictionary_table
    from send_pipeline.sen2 import published

    built[published.TABLE] = published.build(wh, conn, run.settings.checked_la_code)  # beside ref.dfe_*
    load_dictionary_table(wh, conn)
