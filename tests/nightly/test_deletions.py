"""The CMS deletion cascade (nightly/deletions.py) on both engines: keys the key scan no longer has
go, with every row hanging off them, counted per entity; a re-pointed row (a merge) is seen as moved."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from send_pipeline.kernel.warehouse import Warehouse
from send_pipeline.nightly import deletions
from send_pipeline.nightly.sources import ENTITIES

D = date.fromisoformat


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def wh(request, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("pg_database")
    wh = Warehouse(url)
    wh.ensure()
    rows = {
        "core.person": [{"person_id": p} for p in (1, 2, 3)],
        "core.request": [{"request_id": 10, "person_id": 1, "received_date": D("2024-01-05")},
                         {"request_id": 11, "person_id": 1, "received_date": D("2024-06-05")},
                         {"request_id": 20, "person_id": 2, "received_date": D("2024-01-05")}],
        "core.assessment": [{"assessment_id": 100, "request_id": 10}, {"assessment_id": 200, "request_id": 20}],
        "core.plan": [{"plan_id": 5, "person_id": 1, "start_date": D("2024-03-01")},
                      {"plan_id": 6, "person_id": 2, "start_date": D("2024-03-01")}],
        "core.placement": [{"placement_id": 50, "plan_id": 5}, {"placement_id": 51, "plan_id": 5},
                           {"placement_id": 60, "plan_id": 6}],
        "core.need": [{"plan_id": 5, "need_code": "ASD", "need_rank": 1, "recorded_date": D("2024-03-01")},
                      {"plan_id": 6, "need_code": "MLD", "need_rank": 1, "recorded_date": D("2024-03-01")}],
        "core.coordinator_assignment": [{"plan_id": 5, "officer_id": 7, "from_date": D("2024-03-01")}],
        "core.consultation": [{"consultation_id": 9, "person_id": 1}],
        "core.review": [{"person_id": 1, "review_type": "Annual", "meeting_date": D("2025-03-01")},
                        {"person_id": 3, "review_type": "Annual", "meeting_date": D("2025-03-01")}],
    }
    with wh.transaction() as conn:
        for table, items in rows.items():
            wh.insert_frame(conn, table, pd.DataFrame(items))
    yield wh
    wh.dispose()


def test_a_deleted_person_takes_everything_hanging_off_them(wh):
    scan = pd.DataFrame({"person_id": ["2", "3"]})  # person 1 is gone from the CMS
    with wh.transaction() as conn:
        planned = {"person": deletions.deleted_keys(conn, ENTITIES["person"], scan)}
        assert planned == {"person": ["1"]}
        counts = deletions.apply(conn, planned)
    # hand-counted from the fixture: person 1 has requests 10, 11; assessment 100; plan 5 with
    # placements 50, 51, one need, one co-ordinator; consultation 9; one review
    assert counts == {"person": 1, "request": 2, "assessment": 1, "plan": 1, "placement": 2, "need": 1,
                      "coordinator_assignment": 1, "consultation": 1, "review": 1}
    assert wh.scalar("SELECT COUNT(*) FROM core.placement") == 1 and wh.scalar("SELECT COUNT(*) FROM core.review") == 1
    assert wh.scalar("SELECT COUNT(*) FROM core.request WHERE person_id = 2") == 1  # others untouched


def test_keys_already_gone_count_the_same_as_keys_deleted_now(wh):
    """A full refresh's replace removed person 1 and request 10 before the cascade runs: the counts are
    those of an incremental night, so both modes report alike."""
    with wh.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM core.person WHERE person_id = 1")
        conn.exec_driver_sql("DELETE FROM core.request WHERE request_id = 10")
        counts = deletions.apply(conn, {"person": ["1"], "request": ["10"]})
    assert counts["person"] == 1 and counts["request"] == 2 and counts["assessment"] == 1 and counts["review"] == 1


def test_a_request_deleted_alone_takes_its_assessment_only(wh):
    with wh.transaction() as conn:
        scan = pd.DataFrame({"request_id": ["10", "20"], "person_id": ["1", "2"]})
        planned = {"request": deletions.deleted_keys(conn, ENTITIES["request"], scan)}
        assert deletions.apply(conn, planned) == {"request": 1}  # request 11 had no assessment
    assert wh.scalar("SELECT COUNT(*) FROM core.person") == 3


def test_a_row_pointing_at_another_parent_is_moved():
    scan = pd.DataFrame({"request_id": ["10", "11", "20"], "person_id": ["1", "3", "2"]})
    core = pd.DataFrame({"request_id": ["10", "11", "20"], "person_id": ["1", "1", "2"]})
    assert deletions.moved_keys(scan, core, ENTITIES["request"]) == {"11"}
    assert deletions.scan_columns(ENTITIES["person"]) == ["person_id"]
    assert deletions.scans_keys(ENTITIES["plan"]) and not deletions.scans_keys(ENTITIES["need"])
