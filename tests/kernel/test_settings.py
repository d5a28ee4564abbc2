"""Production mode: the embedded demo stands in for missing connections only with SEND_DEMO=1."""
from __future__ import annotations

import logging
import re

import pytest

from send_pipeline.kernel import settings as S
from send_pipeline.kernel.errors import NotConfigured

CONNECTIONS = ("SEND_CMS", "SEND_WAREHOUSE", "SEND_PSEUDONYMISATION")


@pytest.fixture
def bare(monkeypatch, tmp_path):
    """No connection and no inbox defined; the demo's folder is tmp_path."""
    for name in CONNECTIONS:
        monkeypatch.delenv(f"AIRFLOW_CONN_{name}", raising=False)
    for name in ("SEND_INBOX_DIR", "SEND_LAS", "SEND_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEND_DATA_DIR", str(tmp_path))
    S._LOGGED.clear()
    return monkeypatch


def _define(monkeypatch, tmp_path, *but):
    values = {"SEND_CMS": "sqlite:////srv/cms.db", "SEND_WAREHOUSE": "postgresql://w:pw@db:5432/send",
              "SEND_PSEUDONYMISATION": "generic://:prod-secret@"}
    for name, value in values.items():
        if name not in but:
            monkeypatch.setenv(f"AIRFLOW_CONN_{name}", value)
    monkeypatch.setenv("SEND_INBOX_DIR", str(tmp_path / "inbox"))


@pytest.mark.parametrize("missing", CONNECTIONS)
def test_without_the_demo_a_missing_connection_is_named(bare, tmp_path, missing):
    _define(bare, tmp_path, missing)
    conn_id = missing.lower()
    with pytest.raises(NotConfigured) as raised:
        S.Settings.resolve()
    assert str(raised.value) == (f"connection {conn_id} is not defined: add it in Admin > Connections or as "
                                 f"AIRFLOW_CONN_{missing}; SEND_DEMO=1 uses the embedded demo")
    assert not (tmp_path / ".pseudonym_secret").exists()  # no demo secret made behind the operator's back


def test_without_the_demo_a_missing_inbox_is_named(bare, tmp_path):
    _define(bare, tmp_path)
    bare.delenv("SEND_INBOX_DIR")
    with pytest.raises(NotConfigured, match="^SEND_INBOX_DIR is not set"):
        S.Settings.resolve()


def test_airflow_connections_count_as_defined(bare, tmp_path):
    """A connection made in the Admin UI (Airflow's lookup) is as good as the environment's."""
    bare.setenv("SEND_INBOX_DIR", str(tmp_path / "inbox"))
    made = {"send_cms": "sqlite:////srv/cms.db", "send_warehouse": "postgres://w:pw@db/send",
            "send_pseudonymisation": "generic://:ui-secret@"}
    s = S.Settings.resolve(conn=made.get, var=lambda name: None)
    assert s.cms_url == "sqlite:////srv/cms.db"
    assert s.warehouse_url == "postgresql+psycopg://w:pw@db/send"
    assert s.pseudonym_secret == b"ui-secret"


def test_fully_defined_production_settings_log_no_demo_line(bare, tmp_path, caplog):
    _define(bare, tmp_path)
    with caplog.at_level(logging.INFO, logger="send_pipeline.kernel.settings"):
        s = S.Settings.resolve()
    assert s.warehouse_url == "postgresql+psycopg://w:pw@db:5432/send" and s.inbox_dir == tmp_path / "inbox"
    assert "demo" not in caplog.text.lower()


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes"])
def test_the_demo_when_asked_for_logs_one_line_and_no_secret(bare, tmp_path, caplog, value):
    bare.setenv("SEND_DEMO", value)
    with caplog.at_level(logging.INFO, logger="send_pipeline.kernel.settings"):
        s = S.Settings.resolve()
        S.Settings.resolve()  # resolved again in the same task: not said twice
    assert s.cms_url == f"sqlite:///{tmp_path / 'demo' / 'cms.db'}"
    assert s.warehouse_url == f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert s.inbox_dir == tmp_path / "demo" / "inbox"
    secret = (tmp_path / ".pseudonym_secret").read_text().strip()
    assert s.pseudonym_secret == secret.encode() and len(secret) == 64
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1, lines
    line = lines[0]
    for part in ("SEND_DEMO=1", "send_cms", str(tmp_path / "demo" / "cms.db"), "send_warehouse",
                 str(tmp_path / "warehouse.duckdb"), "send_pseudonymisation", "SEND_INBOX_DIR"):
        assert part in line, part
    assert secret not in line


def test_the_demo_only_fills_what_is_missing(bare, tmp_path, caplog):
    bare.setenv("SEND_DEMO", "1")
    _define(bare, tmp_path, "SEND_WAREHOUSE")
    with caplog.at_level(logging.INFO, logger="send_pipeline.kernel.settings"):
        s = S.Settings.resolve()
    assert s.cms_url == "sqlite:////srv/cms.db" and s.pseudonym_secret == b"prod-secret"
    assert s.warehouse_url.startswith("duckdb:///")
    assert [r.getMessage() for r in caplog.records] == [
        f"SEND_DEMO=1: not defined, so the embedded demo's: send_warehouse = the demo DuckDB warehouse "
        f"({tmp_path / 'warehouse.duckdb'})"]


def test_the_demo_can_be_asked_for_by_airflow_variable(bare, tmp_path):
    s = S.Settings.resolve(conn=lambda c: None, var={"SEND_DEMO": "true"}.get)
    assert s.warehouse_url == f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with pytest.raises(NotConfigured, match="connection send_cms is not defined"):
        S.Settings.resolve(conn=lambda c: None, var={"SEND_DEMO": "0"}.get)


def test_a_consortium_needs_no_send_cms_of_its_own(bare, tmp_path):
    _define(bare, tmp_path, "SEND_CMS")
    bare.setenv("SEND_LAS", "331,332")
    bare.setenv("AIRFLOW_CONN_SEND_CMS_332", "sqlite:////srv/cms332.db")
    assert S.Settings.resolve().consortium_level
    assert S.Settings.resolve(la_code="332").cms_url == "sqlite:////srv/cms332.db"
    with pytest.raises(ValueError, match="no connection send_cms_331"):
        S.Settings.resolve(la_code="331")


def test_the_tests_and_scripts_ask_for_the_demo_and_deployments_do_not():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert 'export SEND_DEMO="${SEND_DEMO:-1}"' in (root / "scripts" / "env.sh").read_text()
    assert "SEND_DEMO" not in (root / "docker-compose.yaml").read_text()
    assert not re.search(r"^\s*SEND_DEMO\s*=", (root / ".env.example").read_text(), re.M)
