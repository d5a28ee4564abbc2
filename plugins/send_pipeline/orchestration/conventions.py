"""What every DAG shares, defined once and imported by every DAG file at parse time: the warehouse
pool, the assets, owner, default_args, tags, start date and the nightly's source order.

Light on purpose (Airflow's SDK, pendulum and the source declarations only): DAG files import it at
the top, and the dag-processor parses them every 30 seconds.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset

from send_pipeline.nightly.sources import SOURCE_ORDER  # noqa: F401 (the nightly's task groups, in load order)
from send_pipeline.orchestration.callbacks import on_failure

OWNER = "send-data-team"
# One slot: two runs never write the warehouse at once (an embedded DuckDB takes one process at a time),
# and readers (FOI export, packs) queue behind the writers.
WAREHOUSE_POOL = "send_warehouse"
TIMEZONE = "Europe/London"
START = pendulum.datetime(2025, 1, 1, tz=TIMEZONE)

MARTS = Asset(name="send_marts", uri="file://send/warehouse/marts")  # send_nightly rebuilt the marts
FOI_FILES = Asset(name="send_foi_tables", uri="file://send/output/foi")
PACK = Asset(name="send_performance_pack", uri="file://send/output/packs")  # send_forecast runs after it


def core_asset(source: str) -> Asset:
    """A source's core tables, updated by its load_source task."""
    return Asset(name=f"send_core_{source}", uri=f"file://send/warehouse/core/{source}")


def default_args(retries: int = 1, retry_delay: timedelta = timedelta(minutes=5), **more) -> dict:
    """Owner, the failure alert (email/webhook, ops/alerts.py) and retries, for every task."""
    return {"owner": OWNER, "on_failure_callback": on_failure, "retries": retries, "retry_delay": retry_delay, **more}


def dag_args(doc_md: str, *tags: str, start_date=START, **more) -> dict:
    """The @dag arguments every DAG shares: its runbook, tags (`send` first), no catch-up, one run at a time."""
    return {"doc_md": doc_md, "tags": ["send", *tags], "start_date": start_date, "catchup": False,
            "max_active_runs": 1, **more}


def call(step, *args, context: dict, **how):
    """How every task calls the package: runtime.call (imported only when a task runs)."""
    from send_pipeline.orchestration.runtime import call as run_step

    return run_step(step, *args, context=context, **how)
