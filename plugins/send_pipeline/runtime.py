"""The adapter between Airflow tasks and the package: settings from connections/variables, the run's
identity and as-at date from the task context, and failures Airflow should not retry.

Imports Airflow only inside functions, so the package stays importable (and testable) without it.
"""
from __future__ import annotations

import logging

from .pipeline import Run, as_at_from
from .readers import SourceUnusable
from .settings import Settings

log = logging.getLogger(__name__)


def settings() -> Settings:
    from airflow.sdk import Connection, Variable

    def conn(conn_id: str):
        try:
            return Connection.get(conn_id).get_uri()
        except Exception:  # not defined: fall back to the embedded demo default
            return None

    def var(name: str):
        try:
            return Variable.get(name, default=None)
        except Exception:
            return None

    return Settings.resolve(conn=conn, var=var)


def run_from(context: dict) -> Run:
    dag_run = context["dag_run"]
    params = context.get("params") or {}
    as_at = params.get("as_at") or None
    from datetime import date

    day = date.fromisoformat(as_at) if as_at else as_at_from(context.get("logical_date"), getattr(dag_run, "run_after", None))
    started = getattr(dag_run, "start_date", None)
    return Run(settings(), dag_run.run_id, day, bool(params.get("full_refresh", False)),
               started.timestamp() if started else None)


def call(step, *args, context: dict):
    """Run a pipeline step; a SourceUnusable ends the task at once with its message (no retries)."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        return step(*args, run_from(context))
    except SourceUnusable as exc:
        log.error("source stopped: %s", exc)
        raise AirflowFailException(str(exc)) from None
