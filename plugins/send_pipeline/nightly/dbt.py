"""dbt, run from its own virtual environment (.venv-dbt; dbt-core does not resolve beside Airflow):
the warehouse URL the pipeline uses turned into the profile's environment (dbt/profiles.yml), and
`dbt build` run as a subprocess with the run's vars. A failure names the models and tests that failed.
"""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from pathlib import Path

from send_pipeline.kernel.run import Run
from send_pipeline.kernel.settings import DBT_DIR, PROJECT_ROOT, data_dir, setting
from send_pipeline.nightly.models import run_vars

log = logging.getLogger(__name__)

DBT = PROJECT_ROOT / ".venv-dbt" / "bin" / "dbt"


class DbtFailed(RuntimeError):
    """dbt build did not pass: the message names what failed; `output` holds dbt's log."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


def profile_env(warehouse_url: str) -> dict[str, str]:
    """The SEND_DBT_* variables dbt/profiles.yml reads, from the pipeline's warehouse URL."""
    from sqlalchemy.engine import make_url

    url = make_url(warehouse_url)
    if url.drivername.startswith("duckdb"):
        return {"SEND_DBT_TARGET": "duckdb", "SEND_DBT_DUCKDB_PATH": str(url.database),
                "SEND_DUCKDB_MEMORY_LIMIT": (setting("SEND_DUCKDB_MEMORY_LIMIT") or "4GB").strip()}
    if url.drivername.startswith("postgresql"):
        return {"SEND_DBT_TARGET": "postgres", "SEND_DBT_PG_HOST": url.host or "127.0.0.1",
                "SEND_DBT_PG_PORT": str(url.port or 5432), "SEND_DBT_PG_USER": url.username or "postgres",
                "SEND_DBT_PG_PASSWORD": url.password or "", "SEND_DBT_PG_DBNAME": url.database or "postgres"}
    raise ValueError(f"dbt: no profile for a {url.drivername} warehouse (DuckDB or PostgreSQL only)")


def build(run: Run, select: str | None = None, dbt: Path = DBT) -> dict[str, str]:
    """`dbt build` of the project for this run; {node: status}. Raises DbtFailed naming what failed."""
    if not dbt.exists():
        raise DbtFailed(f"dbt is not installed: {dbt} is missing (scripts/setup.sh creates .venv-dbt)")
    work = data_dir() / "dbt"
    target = work / f"target-{run.settings.checked_la_code}"
    (target / "run_results.json").unlink(missing_ok=True)  # never read an earlier build's results
    env = {**os.environ, **profile_env(run.settings.warehouse_url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_VERSION_CHECK": "false", "DBT_PROFILES_DIR": str(DBT_DIR), "DBT_LOG_PATH": str(work / "logs")}
    args = [str(dbt), "build", "--project-dir", str(DBT_DIR), "--target-path", str(target),
            "--vars", json.dumps(run_vars(run))] + (["--select", select] if select else [])
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=DBT_DIR)
    statuses = _statuses(target / "run_results.json")
    failed = {n: s for n, s in statuses.items() if s in ("error", "fail", "runtime error")}
    if done.returncode != 0 or failed:
        what = ", ".join(f"{n} ({s})" for n, s in sorted(failed.items())) or _first_error(done.stdout)
        raise DbtFailed(f"dbt build failed: {what}", output=done.stdout + done.stderr)
    log.info("dbt build: %d nodes passed", len(statuses))
    return statuses


def _statuses(path: Path) -> dict[str, str]:
    """{model or test name: status} from dbt's run_results.json (missing when dbt stopped before running)."""
    if not path.exists():
        return {}
    from send_pipeline.nightly.models import models

    layer_of = {name.split(".")[1]: name for name in models()}
    out = {}
    for result in json.loads(path.read_text())["results"]:
        kind, _project, name = result["unique_id"].split(".")[:3]  # model.send.person, test.send.unique_…
        out[f"{kind} {layer_of.get(name, name) if kind == 'model' else name}"] = str(result["status"])
    return out


def _first_error(output: str) -> str:
    """dbt's first error line, values in quotes masked (a database error may quote a value)."""
    lines = [ln for ln in output.splitlines() if "error" in ln.lower()] or ["see the dbt log"]
    return re.sub(r"'[^']*'", "'…'", lines[0].strip())[:300]
