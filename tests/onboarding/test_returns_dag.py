"""send_nightly in Airflow (dag.test) for a council with no CMS: SEND_SOURCES=schools,sen2_returns, the
tiny LA's 2026 return and a GIAS extract in the inbox. Every task succeeds: the sources left out (cms
among them) skip with a log line, sen2_returns loads the return's counts, reconcile_run does not call
the skipped sources missing, and the health snapshot shows them as not configured."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from tests.e2e.test_nightly_dag import _dag
from tests.onboarding.test_returns_source import COVERED, counts, write_gias

LOGICAL = datetime(2026, 1, 20, 2, 0, tzinfo=timezone.utc)


def test_a_night_without_a_cms_in_airflow(airflow_db, tiny_return, tmp_path, monkeypatch):
    from airflow.utils.state import DagRunState, TaskInstanceState

    from send_pipeline.kernel.warehouse import Warehouse

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_gias(inbox)
    shutil.copy(tiny_return["xml"], inbox / Path(tiny_return["xml"]).name)
    for name, value in {"AIRFLOW_CONN_SEND_CMS": f"sqlite:///{tmp_path / 'nowhere' / 'cms.db'}",
                        "AIRFLOW_CONN_SEND_WAREHOUSE": f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
                        "SEND_INBOX_DIR": str(inbox), "SEND_OUTPUT_DIR": str(tmp_path / "output"),
                        "SEND_LANDING_DIR": str(tmp_path / "landing"), "SEND_DATA_DIR": str(tmp_path),
                        "SEND_DATA_DOCS": "0", "SEND_SOURCES": "schools,sen2_returns",
                        "AIRFLOW_CONN_SEND_PSEUDONYMISATION": "generic://:test-secret@"}.items():
        monkeypatch.setenv(name, value)
    dag_run = _dag().test(logical_date=LOGICAL)
    assert dag_run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states["cms.load_source"] == TaskInstanceState.SUCCESS and states["sen2_returns.load_source"] == TaskInstanceState.SUCCESS
    assert all(s == TaskInstanceState.SUCCESS for s in states.values()), states
    wh = Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    try:
        assert counts(wh) == COVERED
        sources = set(wh.frame("SELECT DISTINCT source FROM ops.run_log").source)
        assert sources == {"schools", "sen2_returns"}
    finally:
        wh.dispose()
    snapshot = json.loads((tmp_path / "output" / "health" / "health.json").read_text())
    shown = {s["source"]: s["configured"] for s in snapshot["sources"]}
    assert shown == {"stats": False, "schools": True, "banding": False, "cms": False, "sen2_returns": True,
                     "reviews": False, "ledger": False}
