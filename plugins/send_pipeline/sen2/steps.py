"""The sen2_census DAG's steps as plain functions: each takes its arguments then a `Run` (runtime.call),
like every other DAG's steps. The return's own logic is in build.py."""
from __future__ import annotations

from ..kernel.run import Run
from ..kernel.settings import Settings
from . import build


def plan_jobs(params: dict, run: Run) -> list[dict]:
    """One job per LA (see build.plan_jobs), as at the run's logical date."""
    def settings_for(la_code: str | None) -> Settings:
        return run.settings if la_code is None else run.for_la(la_code).settings

    return build.plan_jobs(params, run.logical_date or run.as_at, settings_for)


def build_return(job: dict, run: Run) -> dict:
    built = build.write_return(run.settings, job)
    return {"job": job, **{k: v for k, v in built.items() if not k.startswith("_")}}


def validate_return(built: dict, run: Run) -> dict:
    return {"job": built["job"], **build.validate_return(run.settings, built["job"])}


def write_report(checked: dict, run: Run) -> dict:
    return build.write_report(run.settings, checked["job"])
