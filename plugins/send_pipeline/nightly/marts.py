"""Marts: every staging and mart model (include/sql/staging/, include/sql/marts/) rebuilt in one
transaction, in dependency order, with the run's as-at date bound; then the data dictionary table.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from send_pipeline.kernel.run import Run
from send_pipeline.kernel.settings import SQL_DIR
from send_pipeline.kernel.warehouse import split_statements

log = logging.getLogger(__name__)

LAYERS = ("staging", "marts")


def model_files() -> list[Path]:
    """Every staging and mart model, ordered so each is built after the models it reads."""
    files = {f"{layer}.{p.stem}": p for layer in LAYERS for p in sorted((SQL_DIR / layer).glob("*.sql"))}
    deps = {name: set(re.findall(r"\b((?:staging|marts)\.[a-z0-9_]+)", path.read_text())) - {name}
            for name, path in files.items()}
    ordered = dependency_order(list(files), {n: d & files.keys() for n, d in deps.items()}, "models")
    return [files[n] for n in ordered]


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
    """The model's SELECT with the run's parameters bound (values the code controls, never data)."""
    values = {"as_at": f"DATE '{run.as_at.isoformat()}'", "paperwork_days": str(int(run.settings.paperwork_days))}
    sql = split_statements(path.read_text())[0]
    return re.sub(r":(as_at|paperwork_days)\b", lambda m: values[m.group(1)], sql)


def build_marts(run: Run) -> dict:
    """Rebuild every staging and mart table in one transaction: analysts never see a half-built set."""
    wh = run.warehouse()
    built = {}
    try:
        wh.ensure()
        with wh.transaction() as conn:
            for path in model_files():
                table = f"{path.parent.name}.{path.stem}"
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
                select = render_model(path, run)
                if wh.dialect == "postgresql":  # psycopg reads % as a placeholder: LIKE '%x%' needs %%
                    select = select.replace("%", "%%")
                conn.exec_driver_sql(f"CREATE TABLE {table} AS {select}")
                # every staging and mart row carries its LA, so consortium tables can pool LAs' marts
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS la_code VARCHAR "
                                     f"DEFAULT '{run.settings.checked_la_code}'")
                built[table] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
            from send_pipeline.nightly.dictionary import load_dictionary_table
            from send_pipeline.sen2 import published

            built[published.TABLE] = published.build(wh, conn, run.settings.checked_la_code)  # beside ref.dfe_*
            load_dictionary_table(wh, conn)
    finally:
        wh.dispose()
    log.info("built marts: %s", built)
    return built
