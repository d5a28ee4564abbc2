"""The one way from an Airflow task into the package: `call(step, *args, context=context)`.

It turns the task context into a `Run` (settings from connections and Variables, the run's id and
as-at date), runs `step(*args, run)` with Airflow's lookups installed for every setting read, and ends
the task at once (no retries) on a permanent error (kernel/errors.is_permanent: a source unusable, a
permission refused, a missing file or setting, a bug); a transient one (a connection refused, a timeout,
the DuckDB file locked) is raised again for Airflow to retry. `la_code=` runs the step for one LA of a
consortium (the DAG mapped over the LAs); `each_la=True` runs it once per LA inside the task.

Imports Airflow only inside functions, so the package stays importable (and testable) without it.
"""
from __future__ import annotations

import logging

from send_pipeline.kernel import settings as kernel_settings
from send_pipeline.kernel.errors import MartsRefused, SourceUnusable, is_permanent
from send_pipeline.kernel.run import Run, as_at_from
from send_pipeline.kernel.settings import Settings

log = logging.getLogger(__name__)


def _lookups():
    from airflow.sdk import Connection, Variable

    def conn(conn_id: str):
        try:
            return Connection.get(conn_id).get_uri()
        except Exception:  # not defined: Settings.resolve says so (or, with SEND_DEMO=1, uses the demo)
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


def _channel_url(conn_id: str) -> str | None:
    """An alert channel's URL from an Airflow connection made in the UI (see alerts.connection_url)."""
    from airflow.sdk import Connection

    from send_pipeline.ops.alerts import connection_url

    try:
        c = Connection.get(conn_id)
    except Exception:  # not defined
        return None
    return connection_url({"conn_type": c.conn_type, "host": c.host, "port": c.port, "login": c.login,
                           "password": c.password, "schema": c.schema, "extra": c.extra_dejson},
                          "smtp" if conn_id.endswith("smtp") else "webhook")


def alert_channels():
    from send_pipeline.ops.alerts import Channels

    conn, var = _lookups()
    return Channels.resolve(conn=_channel_url, var=var)


def alert_task_failure(context) -> dict:
    """on_failure_callback: the DAG, task, run, the error's type and first line (scrubbed), and a link."""
    from send_pipeline.ops import alerts

    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id, run_id = getattr(ti, "task_id", None), getattr(ti, "run_id", None)
    channels = alert_channels()
    exc = context.get("exception")
    alert = alerts.Alert("task_failed", dag_id, task_id, run_id, alerts.safe_message(exc),
                         alerts.run_link(channels.base_url, dag_id, run_id, task_id), alerts.what_to_do(exc))
    return alerts.send(alert, channels)


def run_from(context: dict, la_code: str | None = None) -> Run:
    dag_run = context["dag_run"]
    params = context.get("params") or {}
    as_at = params.get("as_at") or None
    from datetime import date

    logical = as_at_from(context.get("logical_date"), getattr(dag_run, "run_after", None))
    day = date.fromisoformat(as_at) if as_at else logical
    started = getattr(dag_run, "start_date", None)
    return Run(settings(la_code), dag_run.run_id, day, bool(params.get("full_refresh", False)),
               started.timestamp() if started else None, settings_for=settings, channels=alert_channels,
               logical_date=logical)


def call(step, *args, context: dict, la_code: str | None = None, each_la: bool = False):
    """Run a step as `step(*args, run)`: for one consortium LA when `la_code` is given, for every LA in
    turn when `each_la` (consortium mode; one LA otherwise). A permanent error ends the task at once
    (no retries): a SourceUnusable or MartsRefused with its own message, any other with its type and first line
    scrubbed of values (alerts.safe_message; the traceback stays in the task log)."""
    from airflow.sdk.exceptions import AirflowFailException

    conn, var = _lookups()
    run = None
    where = stop_key(step, args)
    try:
        with kernel_settings.airflow_lookups(conn, var):
            run = run_from(context, la_code)
            result = run.each_la(step, *args) if each_la else step(*args, run)
            _clear_stop(run, where, step)
            return result
    except (SourceUnusable, MartsRefused) as exc:  # the pipeline's own messages (no values)
        log.error("%s: %s", "source stopped" if isinstance(exc, SourceUnusable) else "marts not built", exc)
        todo = _record_stop(run, where, exc, str(exc))
        raise AirflowFailException(f"{exc}\n{todo}") from None
    except Exception as exc:
        from send_pipeline.ops.alerts import safe_message

        todo = _record_stop(run, where, exc, safe_message(exc))
        if not is_permanent(exc):
            raise  # transient: Airflow retries the task
        log.exception("permanent error, not retried")
        raise AirflowFailException(f"not retried (it would fail again): {safe_message(exc)}\n{todo}") from None


SOURCE_STEPS = ("extract_source", "validate_source", "load_source")


def stop_key(step, args: tuple) -> str:
    """What a failure stops: the source (for a source's steps), else the step's name."""
    if step.__name__ in SOURCE_STEPS and args and isinstance(args[0], str):
        return args[0]
    return {"build_reconciled_marts": "build_marts"}.get(step.__name__, step.__name__)


def _record_stop(run, where: str, exc: BaseException, message: str) -> str:
    """Keep the stop for the health view; returns the alert's "What to do: ..." line."""
    from send_pipeline.ops import stops

    try:
        if run is not None:
            return stops.TODO_PREFIX + stops.record(run.settings, where, run.run_id, exc, message)["what_to_do"]
    except Exception as failed:  # noqa: BLE001 (the stop's own message matters more)
        log.warning("could not record the stop of %s: %s", where, type(failed).__name__)
    return stops.TODO_PREFIX + stops.what_to_do(exc, where)


def _clear_stop(run, where: str, step) -> None:
    """A source's stop ends when its load succeeds; a step's when the step does."""
    if step.__name__ in ("extract_source", "validate_source"):
        return
    from send_pipeline.ops import stops

    try:
        stops.clear(run.settings, where)
    except OSError as failed:
        log.warning("could not clear the stop of %s: %s", where, type(failed).__name__)


def las() -> list[str]:
    """The LAs a DAG run fans out over: SEND_LAS (a consortium) or the one SEND_LA_CODE."""
    return settings().las()
