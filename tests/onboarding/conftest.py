"""Fixtures: the tiny hand-built LA (tests/sen2/tiny.py) and its 2026 return, written by the project's
own sen2 build (fixed DateTime and officers, so the file is byte-stable)."""
from __future__ import annotations

import pytest

from tests.sen2 import tiny


@pytest.fixture(scope="session")
def tiny_return(tmp_path_factory):
    from send_pipeline.sen2 import build

    wh = tiny.build_warehouse(f"duckdb:///{tmp_path_factory.mktemp('onb_tiny') / 'warehouse.duckdb'}")
    try:
        out = tmp_path_factory.mktemp("onb_tiny_out")
        yield build.build_return(wh, 2026, "331", out_dir=out, now=tiny.FIXED_NOW_DT, dmo="Y", dco="Y", dsco="N")
    finally:
        wh.dispose()
