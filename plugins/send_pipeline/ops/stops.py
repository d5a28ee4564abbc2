"""Stops: what stopped a source (or a step) in a night, and what the operator does about it, kept until
a later run of that source succeeds. The health view reads this file when it is read (not when the
night wrote its snapshot), and the failure alert carries the same "what to do".

One file, SEND_OUTPUT_DIR/health/stops.json (owner-only; no personal data: the pipeline's stop
messages name files, columns and tables, never people), written under a lock so that two tasks
finishing together do not lose each other's entries.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from send_pipeline.kernel import files
from send_pipeline.kernel.errors import FilesStopped, MartsRefused, NotConfigured, SourceUnusable, StorageFull
from send_pipeline.kernel.settings import Settings

TODO_PREFIX = "What to do: "


def path(settings: Settings) -> Path:
    return settings.output_dir / "health" / "stops.json"


def what_to_do(exc: BaseException, where: str) -> str:
    """The operator's next step for a stop, specific to its kind (never "see the runbook")."""
    if isinstance(exc, FilesStopped):
        names = ", ".join(exc.names) or "the file named"
        return (f"replace {names} in the inbox with a readable export (or remove it). The source's other files "
                f"loaded; the next night reads the replacement, or clear {where}.load_source in the Airflow UI "
                "after replacing it. The marts stay as at the last complete night until then.")
    if isinstance(exc, MartsRefused):
        return ("get the sources named above loaded (each has its own stop and what to do), then clear build_marts "
                "in the Airflow UI, or let the next complete night rebuild them.")
    if isinstance(exc, StorageFull):
        return "free space on the disk named above (or raise the quota), then clear the failed task in the Airflow UI."
    if isinstance(exc, SourceUnusable):
        return (f"correct or re-export the {where} extract named above (or fix the connection), then clear the {where} "
                "task group in the Airflow UI; the warehouse keeps that source's last good load until then.")
    if isinstance(exc, NotConfigured):
        return "define the connection or setting named above (Admin > Connections / Variables, or the environment), then clear the task."
    return "read the task log for the error above, fix its cause, then clear the failed task in the Airflow UI."


@contextlib.contextmanager
def _locked(settings: Settings):
    target = path(settings)
    files.owner_only_dir(target.parent)
    fd = os.open(target.with_name(".stops.lock"), os.O_WRONLY | os.O_CREAT, files.OWNER_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield target
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read(settings: Settings) -> dict[str, dict]:
    """{where: {run_id, at, message, what_to_do}} for every stop not yet cleared."""
    target = path(settings)
    try:
        data = json.loads(target.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(settings: Settings, where: str, run_id: str, exc: BaseException, message: str) -> dict:
    """Keep a stop of `where` (a source, or a step's name) in this run."""
    entry = {"run_id": run_id, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "message": message[:1000], "what_to_do": what_to_do(exc, where)}
    with _locked(settings) as target:
        data = read(settings)
        data[where] = entry
        files.write_owner_only(target, json.dumps(data, indent=1))
    return entry


def clear(settings: Settings, where: str) -> None:
    """`where` ran successfully: its stop is over."""
    if where not in read(settings):
        return
    with _locked(settings) as target:
        data = read(settings)
        if data.pop(where, None) is not None:
            files.write_owner_only(target, json.dumps(data, indent=1))
