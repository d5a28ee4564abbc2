"""The staging and mart models (dbt/models/<layer>/*.sql), the one source of their SQL, as the Python
runner reads them: each file rendered with plain Jinja, `ref('x')` as `<layer>.x`, `source('s', 't')` as
`s.t`, `var()` from the run, and dbt/macros/*.sql (as_at(), la_code_column()) in scope, so dbt and
the Python runner build the same SQL. dbt itself runs them with SEND_DBT=1 (nightly/dbt.py).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from send_pipeline.kernel.run import Run
from send_pipeline.kernel.settings import DBT_DIR

LAYERS = ("staging", "marts")
MODELS = DBT_DIR / "models"
_REF = re.compile(r"\{\{\s*ref\(\s*'([a-z0-9_]+)'\s*\)\s*\}\}")


def models() -> dict[str, Path]:
    """`<layer>.<name>` → its file, for every staging and mart model."""
    return {f"{layer}.{p.stem}": p for layer in LAYERS for p in sorted((MODELS / layer).glob("*.sql"))}


def refs(path: Path) -> set[str]:
    """The model names a model's ref()s name."""
    return set(_REF.findall(path.read_text()))


def run_vars(run: Run) -> dict:
    """dbt's vars for a run: values the code controls (an ISO date, an int, a checked LA code), never data."""
    return {"as_at": run.as_at.isoformat(), "paperwork_days": int(run.settings.paperwork_days),
            "la_code": run.settings.checked_la_code}


@lru_cache(maxsize=1)
def _macros() -> str:
    return "".join(p.read_text() for p in sorted((DBT_DIR / "macros").glob("*.sql")))


def render(text: str, run: Run, dialect: str) -> str:
    """A model's (or a macro call's) SQL as dbt would compile it for this run."""
    import jinja2

    layer_of = {name.split(".")[1]: name for name in models()}
    values = run_vars(run)

    def var(name: str):
        if name not in values:
            raise KeyError(f"dbt var {name!r} is not one the pipeline sets")
        return values[name]

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals.update(ref=lambda name: layer_of[name], source=lambda schema, table: f"{schema}.{table}", var=var,
                       target={"type": "postgres" if dialect == "postgresql" else dialect})
    return env.from_string(_macros() + text).render().strip()
