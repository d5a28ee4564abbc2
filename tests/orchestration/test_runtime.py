"""runtime.call: a permanent error ends the task at once (AirflowFailException, message scrubbed of
values), a transient one is raised again for Airflow's retries."""
from __future__ import annotations

import errno
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from send_pipeline.kernel.errors import MartsRefused, SourceUnusable
from send_pipeline.orchestration import runtime


@pytest.fixture
def context(tmp_path, monkeypatch):
    monkeypatch.setenv("SEND_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AIRFLOW_CONN_SEND_PSEUDONYMISATION", "generic://:test-secret@")
    return {"dag_run": SimpleNamespace(run_id="manual__x", run_after=None, start_date=None), "params": {},
            "logical_date": datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc)}


def _failing(exc):
    def step(run):
        assert run.as_at.isoformat() == "2026-02-01" and run.logical_date == run.as_at
        raise exc
    return step


def test_permission_denied_fails_at_once_without_the_values(context):
    from airflow.sdk.exceptions import AirflowFailException

    exc = sa.exc.ProgrammingError("INSERT INTO core.person VALUES (%(upn)s)", {"upn": "A123456789012"},
                                  Exception("permission denied for table person"))
    with pytest.raises(AirflowFailException) as failed:
        runtime.call(_failing(exc), context=context)
    message = str(failed.value)
    assert message.startswith("not retried (it would fail again): ProgrammingError: (builtins.Exception) "
                              "permission denied for table person")
    assert "A123456789012" not in message


@pytest.mark.parametrize("exc", [KeyError("la_code"), FileNotFoundError(errno.ENOENT, "No such file"),
                                 ValueError("the marts are as at 2026-01-31")], ids=lambda e: type(e).__name__)
def test_bugs_and_missing_files_fail_at_once(context, exc):
    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException, match=f"^not retried .*{type(exc).__name__}"):
        runtime.call(_failing(exc), context=context)


@pytest.mark.parametrize("exc", [SourceUnusable("reviews: column 'x' missing"), MartsRefused("marts not rebuilt: …")])
def test_the_pipelines_own_stops_keep_their_message(context, exc):
    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException) as failed:
        runtime.call(_failing(exc), context=context)
    first, todo = str(failed.value).split("\n")
    assert first == str(exc) and todo.startswith("What to do: ")  # the alert's line (ops/stops.py)


@pytest.mark.parametrize("exc", [OSError(errno.EAGAIN, "Resource temporarily unavailable"),
                                 sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused")),
                                 RuntimeError("duckdb: IO Error: Could not set lock on file")],
                         ids=["EAGAIN", "refused", "lock"])
def test_transient_errors_are_raised_again_for_airflow_to_retry(context, exc):
    with pytest.raises(type(exc)) as raised:
        runtime.call(_failing(exc), context=context)
    assert raised.value is exc
