"""Fixtures: the tiny hand-built LA's 2026 return, written by the project's own sen2 build."""
from __future__ import annotations

import pytest

from tests.sen2 import tiny
from tests.sen2.conftest import tiny_return, tiny_wh  # noqa: F401 - the fixtures, reused

FIXED_NOW = tiny.FIXED_NOW_DT
