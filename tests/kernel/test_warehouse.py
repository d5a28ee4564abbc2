"""Warehouse writes on DuckDB and PostgreSQL: key matching with NULLs, and all-or-nothing transactions."""
from datetime import date

import pandas as pd
import pytest

from send_pipeline.kernel.warehouse import Warehouse, ident


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def wh(request, tmp_path):
    if request.param == "duckdb":
        w = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    else:
        w = Warehouse(request.getfixturevalue("pg_database"))
    w.ensure()
    yield w
    w.dispose()


def _review(pid, meeting, kind="Annual"):
    return {"person_id": pid, "meeting_date": meeting, "review_type": kind, "source_file": "a.xlsx"}


def test_delete_matching_treats_null_keys_as_equal(wh):
    rows = pd.DataFrame([_review(1, date(2024, 1, 5)), _review(1, None), _review(2, None)])
    with wh.transaction() as conn:
        wh.insert_frame(conn, "core.review", rows)
        wh.delete_matching(conn, "core.review", pd.DataFrame([_review(1, None)]), ("person_id", "meeting_date", "review_type"))
    left = wh.frame("SELECT person_id, meeting_date FROM core.review ORDER BY person_id, meeting_date")
    assert len(left) == 2 and list(left.person_id) == [1, 2]


def test_failed_transaction_leaves_previous_state(wh):
    with wh.transaction() as conn:
        wh.insert_frame(conn, "core.review", pd.DataFrame([_review(1, date(2024, 1, 5))]))
    with pytest.raises(RuntimeError):
        with wh.transaction() as conn:
            conn.exec_driver_sql("DELETE FROM core.review")
            wh.insert_frame(conn, "core.review", pd.DataFrame([_review(7, None)]))
            raise RuntimeError("killed part-way")
    assert wh.frame("SELECT person_id FROM core.review").person_id.tolist() == [1]


def test_identifiers_are_guarded():
    assert ident("core.review") == "core.review"
    for bad in ("core.review; DROP TABLE x", "Robert'); --", "a b"):
        with pytest.raises(ValueError):
            ident(bad)
