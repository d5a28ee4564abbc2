"""The SEN2 SQL runs on PostgreSQL as on DuckDB: the same tiny LA gives the same file byte for byte."""
from __future__ import annotations

from pathlib import Path

import pytest

from . import tiny

pytestmark = pytest.mark.postgres


def test_postgres_return_matches_duckdb(pg_database, tiny_return, tmp_path):
    from send_pipeline.sen2 import build

    wh = tiny.build_warehouse(pg_database)
    try:
        result = build.build_return(wh, 2026, "331", out_dir=tmp_path, now=tiny.FIXED_NOW_DT, dmo="Y", dco="Y", dsco="N")
    finally:
        wh.dispose()
    assert result["ready_to_submit"] and result["reconciled"] and result["xsd_errors"] == 0
    assert Path(result["xml"]).read_bytes() == Path(tiny_return["xml"]).read_bytes()
