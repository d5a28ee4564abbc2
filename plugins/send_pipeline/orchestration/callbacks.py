"""Airflow callbacks, importable at DAG parse time (nothing heavy is imported until one fires)."""
from __future__ import annotations


def on_failure(context) -> None:
    """A task failed: alert the data team by email and/or webhook (see ops/alerts.py), no personal data."""
    from send_pipeline.orchestration.runtime import alert_task_failure

    alert_task_failure(context)
