"""The sen2_census DAG: scheduled on the census days held as data, warehouse tasks in the pool."""
from __future__ import annotations

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=str(DAGS / "sen2_census.py"), bundle_path=DAGS, bundle_name="dags-folder")
    assert bag.import_errors == {}
    return bag.dags["sen2_census"]


def test_schedule_is_the_census_days(dag):
    from send_pipeline.sen2 import calendar

    events = {d.date() for d in dag.timetable.event_dates}
    assert events == set(calendar.census_days().values())
    assert all(d.hour == 7 and d.tzinfo is not None for d in dag.timetable.event_dates)


def test_tasks_and_pool(dag):
    assert {t.task_id for t in dag.tasks} == {"compute_period", "build_return", "validate_return", "write_report"}
    assert all(dag.get_task(t).pool == "send_warehouse" for t in ("build_return", "validate_return"))
    assert set(dag.params.keys()) >= {"collection_year", "la_code", "as_at", "serial_no"}


def test_plan_from_params():
    from datetime import date

    from send_pipeline.sen2 import build
    from send_pipeline.kernel.settings import Settings

    settings = Settings.resolve()
    job = build.plan_from_params({"collection_year": None, "la_code": "", "as_at": "", "serial_no": "002", "dmo": "R"},
                                 date(2026, 1, 15), settings)
    assert job["year"] == 2026 and job["serial_no"] == "002" and job["officers"] == {"DMO": "R"}
    assert job["period"]["census"] == "2026-01-15" and job["la_code"] == f"{int(settings.la_code):03d}"
    with pytest.raises(ValueError, match="serial_no"):
        build.plan_from_params({"serial_no": "1"}, date(2026, 1, 15), settings)
