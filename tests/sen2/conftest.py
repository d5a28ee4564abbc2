"""Fixtures for the SEN2 tests: the tiny hand-built LA, and small generated LAs loaded by run_nightly."""
from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import point_at

from . import tiny

SMALL_SCALE = 0.05
FIXED_NOW = tiny.FIXED_NOW_DT


@pytest.fixture(scope="module")
def tiny_wh(tmp_path_factory):
    wh = tiny.build_warehouse(f"duckdb:///{tmp_path_factory.mktemp('tiny') / 'warehouse.duckdb'}")
    yield wh
    wh.dispose()


@pytest.fixture(scope="module")
def tiny_return(tiny_wh, tmp_path_factory):
    """The 2026 return of the tiny LA (fixed DateTime and officers so the file is byte-stable)."""
    from send_pipeline.sen2 import build

    out = tmp_path_factory.mktemp("tiny_out")
    result = build.build_return(tiny_wh, 2026, "331", out_dir=out, now=FIXED_NOW, dmo="Y", dco="Y", dsco="N")
    return result


@pytest.fixture(scope="session")
def sen2_small_run(tmp_path_factory):
    """A small generated LA without defects, loaded by run_nightly, and its 2026 return."""
    return _generated_run(tmp_path_factory, "sen2_clean", seed=7, defects=0.0)


@pytest.fixture(scope="session")
def sen2_defective_run(tmp_path_factory):
    return _generated_run(tmp_path_factory, "sen2_defects", seed=11, defects=0.03)


def _generated_run(factory, name: str, seed: int, defects: float):
    from send_pipeline.nightly.steps import Run, run_nightly
    from send_pipeline.sen2 import build
    from send_pipeline.kernel.settings import Settings
    from send_synth import generate

    la = factory.mktemp(f"{name}_la")
    work = factory.mktemp(f"{name}_work")
    generate(la, seed=seed, scale=SMALL_SCALE, defects=defects, until=date(2026, 1, 31))
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, la, work)
        settings = Settings.resolve()
        run_nightly(Run(settings, f"{name}_night", date(2026, 2, 1)))
        result = build.build_return(settings, 2026)
    return {"la": la, "work": work, "settings": settings, "result": result}
