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


def _lookups():
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

    return conn, var


def settings(la_code: str | None = None) -> Settings:
    """The settings (consortium mode: the consortium's, or with `la_code` one LA's)."""
    conn, var = _lookups()
    return Settings.resolve(conn=conn, var=var, la_code=la_code)


def variables():
    """The Airflow Variable lookup (for settings the package reads by name, e.g. the forecast's)."""
    return _lookups()[1]


def _channel_url(conn_id: str) -> str | None:
    """An alert channel's URL from an Airflow connection made in the UI (see alerts.connection_url)."""
    from airflow.sdk import Connection

    from .alerts import connection_url

    try:
        c = Connection.get(conn_id)
    except Exception:  # not defined
        return None
    return connection_url({"conn_type": c.conn_type, "host": c.host, "port": c.port, "login": c.login,
                           "password": c.password, "schema": c.schema, "extra": c.extra_dejson},
                          "smtp" if conn_id.endswith("smtp") else "webhook")


def alert_channels():
    from .alerts import Channels

    conn, var = _lookups()
    return Channels.resolve(conn=_channel_url, var=var)


def alert_task_failure(context) -> dict:
    """on_failure_callback: the DAG, task, run, the error's type and first line (scrubbed), and a link."""
    from . import alerts

    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id, run_id = getattr(ti, "task_id", None), getattr(ti, "run_id", None)
    channels = alert_channels()
    alert = alerts.Alert("task_failed", dag_id, task_id, run_id, alerts.safe_message(context.get("exception")),
                         alerts.run_link(channels.base_url, dag_id, run_id, task_id))
    return alerts.send(alert, channels)


def run_from(context: dict, la_code: str | None = None) -> Run:
    dag_run = context["dag_run"]
    params = context.get("params") or {}
    as_at = params.get("as_at") or None
    from datetime import date

    day = date.fromisoformat(as_at) if as_at else as_at_from(context.get("logical_date"), getattr(dag_run, "run_after", None))
    started = getattr(dag_run, "start_date", None)
    return Run(settings(la_code), dag_run.run_id, day, bool(params.get("full_refresh", False)),
               started.timestamp() if started else None, settings_for=settings, channels=alert_channels)


def call(step, *args, context: dict, la_code: str | None = None):
    """Run a pipeline step (for one consortium LA when `la_code` is given); a SourceUnusable ends the
    task at once with its message (no retries)."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        return step(*args, run_from(context, la_code))
    except SourceUnusable as exc:
        log.error("source stopped: %s", exc)
        raise AirflowFailException(str(exc)) from None
