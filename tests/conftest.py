"""Test environment: Airflow pointed at a throwaway home before anything imports it."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_HOME = Path(tempfile.mkdtemp(prefix="send_airflow_test_"))
os.environ.update({
    "AIRFLOW_HOME": str(_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
    "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/London",
    "GX_ANALYTICS_ENABLED": "false",
    "SEND_DEMO": "1",  # tests resolve settings with the demo's defaults; tests/kernel/test_settings.py unsets it
})
os.environ.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
sys.path.insert(0, str(ROOT / "plugins"))


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated Airflow metadata DB (SQLite) with the warehouse pool, once per session."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    airflow = str(Path(sys.executable).with_name("airflow"))
    for args in (["db", "migrate"], ["pools", "set", "send_warehouse", "1", "warehouse writer"]):
        done = subprocess.run([airflow, *args], env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return _HOME


@pytest.fixture(scope="session")
def pg_url():
    url = os.environ.get("SEND_TEST_PG_URL")
    if not url:
        pytest.skip("no PostgreSQL server (scripts/test.sh starts one)")
    return url


@contextlib.contextmanager
def throwaway_database(pg_url: str):
    """A fresh PostgreSQL database on the test server, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    name = f"send_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture
def pg_database(pg_url):
    """A fresh PostgreSQL database per test."""
    with throwaway_database(pg_url) as url:
        yield url


@pytest.fixture(scope="session")
def small_la(tmp_path_factory) -> Path:
    """A small generated LA (~175 active plans, with the real DfE zip), generated once per session."""
    from datetime import date

    from send_synth import generate

    out = tmp_path_factory.mktemp("la")
    generate(out, seed=7, scale=0.05, defects=0.0, until=date(2026, 1, 31))
    return out
