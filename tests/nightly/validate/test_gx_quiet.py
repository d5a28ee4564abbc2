"""Great Expectations' INFO chatter stays out of task logs (issue 17: 214 of 228 lines of a
validate_source log were GX's); its warnings still show. A fresh interpreter, as a task process is."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import logging
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
import pandas as pd
from send_pipeline.nightly.validate.expectations import Validator
v = Validator()
logging.getLogger("great_expectations.data_context.types.base").warning("a GX warning still shows")
logging.getLogger("send_pipeline.nightly.validate").info("our own line")
"""


def test_validator_leaves_only_gx_warnings_in_the_log():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    env.pop("TQDM_DISABLE", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    gx = [line for line in lines if "great_expectations" in line]
    assert gx == ["WARNING great_expectations.data_context.types.base a GX warning still shows"], gx[:5]
    assert "INFO send_pipeline.nightly.validate our own line" in lines
