"""The defective small LA (the clean one, small_la, is in tests/conftest.py)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

SMALL_SCALE = 0.05  # ~175 active plans: every path exercised in seconds


@pytest.fixture(scope="session")
def defective_la(tmp_path_factory) -> Path:
    from send_synth import generate

    out = tmp_path_factory.mktemp("la_defects")
    generate(out, seed=11, scale=SMALL_SCALE, defects=0.03, until=date(2026, 1, 31))
    return out
