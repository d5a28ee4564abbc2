"""The foi_tables DAG: triggered by send_nightly's marts asset, writes in the warehouse pool, and by hand
with params writes a response pack (dag.test() on the small LA's warehouse)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.helpers import point_at

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS, bundle_name="dags-folder")
    assert not bag.import_errors
    return bag.dags["foi_tables"]


def test_scheduled_on_the_marts_asset_with_the_warehouse_pool(dag):
    assets = [a for a in dag.timetable.asset_condition.objects]
    assert [(a.name, a.uri) for a in assets] == [("send_marts", "file://send/warehouse/marts")]
    tasks = {t.task_id: t for t in dag.tasks}
    assert list(tasks) == ["build_tables", "export_tables", "write_response_pack"]
    assert tasks["build_tables"].pool == "send_warehouse"  # the only task that writes the warehouse
    assert tasks["build_tables"].downstream_task_ids == {"export_tables"}
    assert tasks["export_tables"].downstream_task_ids == {"write_response_pack"}
    assert [a.name for a in tasks["export_tables"].outlets] == ["send_foi_tables"]
    assert dict(dag.params) == {"foi_reference": "", "tables": [], "period": ""}
    assert all(t.owner == "send-data-team" for t in dag.tasks) and not dag.catchup
    assert "Owner" in dag.doc_md and "fails" in dag.doc_md


def test_a_run_by_hand_writes_the_response_pack(dag, airflow_db, foi_night):
    from airflow.utils.state import DagRunState, TaskInstanceState

    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, foi_night["la"], foi_night["work"])
        mp.delenv("SEND_FOI_THRESHOLD", raising=False)
        run = dag.test(logical_date=datetime(2026, 2, 1, 6, 0, tzinfo=timezone.utc),
                       run_conf={"foi_reference": "FOI-DAG-1", "tables": ["agency_consultant_spend"], "period": "2024"})
    assert run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"build_tables": TaskInstanceState.SUCCESS, "export_tables": TaskInstanceState.SUCCESS,
                      "write_response_pack": TaskInstanceState.SUCCESS}
    pack = foi_night["work"] / "output" / "foi" / "requests" / "FOI-DAG-1"
    assert sorted(p.name for p in pack.iterdir()) == ["agency_consultant_spend.csv", "cover_note.txt",
                                                      "foi_FOI-DAG-1.xlsx"]
    lines = (pack / "agency_consultant_spend.csv").read_text().splitlines()
    assert len(lines) == 3 and all(line.startswith("202425,Financial year") for line in lines[1:])
