"""The production stack, checked without Docker: the compose file's structure, and the warehouse
roles script run against a real PostgreSQL server (the analyst reads marts, not personal data)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
AIRFLOW_VERSION = re.search(r"^apache-airflow==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
LONG_RUNNING = ("postgres", "warehouse", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                "airflow-worker", "airflow-triggerer")


def test_services_match_the_official_celery_stack_plus_a_warehouse():
    services = COMPOSE["services"]
    assert set(services) == set(LONG_RUNNING) | {"airflow-init"}
    common = COMPOSE["x-airflow-common"]
    assert common["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert "postgres/airflow" in common["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    commands = {name: services[name].get("command") for name in services}
    assert commands["airflow-apiserver"] == "api-server" and commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor" and commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"


def test_images_are_pinned_to_the_airflow_version_we_test():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(rf"^FROM apache/airflow:{re.escape(AIRFLOW_VERSION)}-python3\.11$", dockerfile, re.M)
    assert f":{AIRFLOW_VERSION}" in COMPOSE["x-airflow-common"]["image"]
    assert "-r /tmp/requirements.txt -c /tmp/constraints.txt" in dockerfile
    for name in ("postgres", "warehouse", "redis"):
        image = COMPOSE["services"][name]["image"]
        assert ":" in image and not image.endswith(":latest"), image


def test_every_long_running_service_has_a_health_check_and_waits_for_what_it_needs():
    services = COMPOSE["services"]
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and check["test"] and check.get("interval"), name
    for name in LONG_RUNNING:
        if name.startswith("airflow-"):
            needs = services[name]["depends_on"]
            assert needs["postgres"]["condition"] == "service_healthy"
            assert needs["warehouse"]["condition"] == "service_healthy"
            assert needs["airflow-init"]["condition"] == "service_completed_successfully"
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert services["airflow-init"]["command"] == ["/opt/airflow/airflow-init.sh"]  # the Dockerfile copies it there
    assert "COPY --chmod=0755 docker/airflow-init.sh /opt/airflow/airflow-init.sh" in (ROOT / "docker" / "Dockerfile").read_text()
    init = (ROOT / "docker" / "airflow-init.sh").read_text()
    assert "airflow pools set send_warehouse 1 " in init and "airflow db migrate" in init  # the one-writer pool
    assert services["airflow-init"]["environment"]["AIRFLOW_ADMIN_PASSWORD"].startswith("${AIRFLOW_ADMIN_PASSWORD:?")


def test_secrets_reach_only_the_containers_that_need_them():
    """No env_file handing every .env setting to every container: the warehouse admin's password stays
    in the warehouse container, the Airflow admin's in airflow-init."""
    services = COMPOSE["services"]
    for name, service in services.items():
        assert "env_file" not in service, name
        env = service.get("environment") or {}
        if name != "warehouse":
            assert "WAREHOUSE_ADMIN_PASSWORD" not in " ".join(f"{k}={v}" for k, v in env.items()), name
        if name != "airflow-init":
            assert "AIRFLOW_ADMIN_PASSWORD" not in env, name
    assert COMPOSE["x-airflow-common"]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${")  # one secret for all
    assert COMPOSE["x-airflow-common"]["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == \
        "http://airflow-apiserver:8080/execution/"


def test_volumes_and_the_roles_script():
    common = COMPOSE["x-airflow-common"]["volumes"]
    for mount in ("./dags:/opt/airflow/dags", "./plugins:/opt/airflow/plugins", "./include:/opt/airflow/include",
                  "./expectations:/opt/airflow/expectations"):
        assert mount in common
    assert {"postgres-db-volume", "warehouse-db-volume", "airflow-logs"} <= set(COMPOSE["volumes"])
    warehouse = COMPOSE["services"]["warehouse"]
    assert "./docker/warehouse-init:/docker-entrypoint-initdb.d:ro" in warehouse["volumes"]
    assert (ROOT / "docker" / "warehouse-init" / "01_roles.sh").stat().st_mode & 0o111
    env = COMPOSE["x-airflow-common"]["environment"]
    assert env["AIRFLOW_CONN_SEND_WAREHOUSE"].startswith("postgresql://send_writer:")  # the pipeline writes as writer


def test_env_example_documents_every_setting_and_holds_no_secret():
    text = (ROOT / "docker-compose.yaml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    example = (ROOT / ".env.example").read_text()
    documented = dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", example, re.M))
    assert used <= set(documented), sorted(used - set(documented))
    for name, value in documented.items():
        if re.search(r"PASSWORD|SECRET|FERNET|KEY$|_URI$|WEBHOOK", name):
            assert value.split("#")[0].strip() == "", f"{name} has a value in .env.example"
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()


PUBLISHED = ("marts", "foi", "consortium", "ref")  # what the analyst role may read
PRIVATE = ("core", "staging", "ops")


def _init_warehouse(pg_database: str) -> str:
    """The warehouse container's first start: the init scripts, run as the postgres image runs them
    (POSTGRES_USER, POSTGRES_DB and the role passwords in the environment). Returns a URL template
    `postgresql+psycopg://{}@host:port/db` for a role name. Roles are server-wide: start from none."""
    import sqlalchemy as sa

    url = urlparse(pg_database.replace("postgresql+psycopg", "postgresql"))
    admin = sa.create_engine(pg_database.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role in ("analyst", "send_writer"):
            if conn.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").scalar():
                for db in [r[0] for r in conn.exec_driver_sql("SELECT datname FROM pg_database WHERE datallowconn")]:
                    engine = sa.create_engine(pg_database.rsplit("/", 1)[0] + f"/{db}", isolation_level="AUTOCOMMIT")
                    try:
                        with engine.connect() as c:
                            c.exec_driver_sql(f"DROP OWNED BY {role} CASCADE")
                    except sa.exc.OperationalError:  # another test's throwaway database, dropped meanwhile
                        pass
                    finally:
                        engine.dispose()
                conn.exec_driver_sql(f"DROP ROLE {role}")
    admin.dispose()
    env = {**os.environ, "POSTGRES_USER": url.username or "postgres", "POSTGRES_DB": url.path.lstrip("/"),
           "PGHOST": url.hostname, "PGPORT": str(url.port), "WAREHOUSE_WRITER_PASSWORD": "writer-pw",
           "WAREHOUSE_ANALYST_PASSWORD": "analyst-pw"}
    for script in sorted((ROOT / "docker" / "warehouse-init").glob("*.sh")):
        subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True)
    return f"postgresql+psycopg://{{}}@{url.hostname}:{url.port}{url.path}"


def analyst_reads_published_schemas_only(admin_url: str, analyst_url: str) -> dict[str, int]:
    """Every table in the warehouse, as the analyst: SELECT works on marts/foi/consortium/ref and is
    refused on core/staging/ops; nothing can be written or created. Returns rows per published table.
    (Also run against the native stack's warehouse by tests/ops/test_native_stack.py.)"""
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url)
    with admin.connect() as conn:
        tables = [f"{s}.{t}" for s, t in conn.exec_driver_sql(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")]
    admin.dispose()
    assert {t.split(".")[0] for t in tables} <= set(PUBLISHED) | set(PRIVATE), tables  # nothing in public
    # the analyst role defaults to read-only transactions; the privileges hold even with that turned
    # off, so the checks run with it off
    analyst = sa.create_engine(analyst_url, connect_args={"options": "-c default_transaction_read_only=off"})
    with sa.create_engine(analyst_url).connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
        conn.exec_driver_sql(f"DELETE FROM {next(t for t in tables if t.startswith('marts.'))}")
    rows = {}
    for table in tables:
        with analyst.connect() as conn:
            if table.split(".")[0] in PUBLISHED:
                rows[table] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
            else:
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    conn.exec_driver_sql(f"SELECT * FROM {table} LIMIT 1")
    published = next(t for t in tables if t.startswith("marts."))
    for forbidden in (f"DELETE FROM {published}", f"CREATE TABLE marts.mine (a int)", "CREATE TABLE public.mine (a int)",
                      "CREATE TEMP TABLE mine (a int)", f"TRUNCATE {published}", "CREATE SCHEMA mine"):
        with analyst.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.exec_driver_sql(forbidden)
    analyst.dispose()
    return rows


@pytest.mark.postgres
def test_analyst_reads_marts_but_not_personal_data(pg_database):
    """The roles script, as the warehouse container runs it, then the pipeline's own DDL as the writer."""
    from send_pipeline.kernel.warehouse import Warehouse

    base = _init_warehouse(pg_database)
    writer = Warehouse(base.format("send_writer"))
    writer.ensure()  # the pipeline's own schemas and tables, created by the writer
    with writer.transaction() as conn:
        conn.exec_driver_sql("INSERT INTO core.person (person_id, forename, surname) VALUES (1, 'Ada', 'Example')")
        conn.exec_driver_sql("CREATE TABLE marts.annual_reviews AS SELECT 'k1' AS person_key, 1 AS reviews")
        conn.exec_driver_sql("CREATE TABLE foi.catalogue AS SELECT 'x' AS table_id")
        conn.exec_driver_sql("CREATE TABLE consortium.timeliness_by_la AS SELECT '331' AS la_code")
        conn.exec_driver_sql("CREATE TABLE staging.review_events AS SELECT 1 AS person_id")
    writer.dispose()
    rows = analyst_reads_published_schemas_only(base.format("postgres"), base.format("analyst"))
    assert rows["marts.annual_reviews"] == rows["foi.catalogue"] == rows["consortium.timeliness_by_la"] == 1


@pytest.mark.postgres
def test_a_real_night_loads_as_send_writer(pg_database, small_la, tmp_path, monkeypatch):
    """The warehouse as the compose file sets it up (init scripts, then the pipeline connecting as
    send_writer and nothing more): a whole night and the FOI build load, reconcile and publish, and
    the analyst reads what was published and nothing personal."""
    from datetime import date

    from send_pipeline.foi import steps
    from send_pipeline.nightly.steps import Run, run_nightly
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.kernel.warehouse import Warehouse
    from tests.helpers import point_at

    base = _init_warehouse(pg_database)
    point_at(monkeypatch, small_la, tmp_path, warehouse_url=base.format("send_writer"))
    run_nightly(Run(Settings.resolve(), "writer_night", date(2026, 2, 1)))
    run_nightly(Run(Settings.resolve(), "writer_night", date(2026, 2, 1)))  # re-runnable as the writer too
    steps.build_tables(Run(Settings.resolve(), "writer_foi", date(2026, 2, 1)))
    writer = Warehouse(base.format("send_writer"))
    log = writer.frame("SELECT entity, rows_extracted, rows_loaded, rows_quarantined, status FROM ops.run_log "
                       "WHERE run_id = 'writer_night'")
    writer.dispose()
    assert len(log) == 26 and (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all(), log
    assert {"review", "ledger_line", "person", "plan"} <= set(log.entity)
    rows = analyst_reads_published_schemas_only(base.format("postgres"), base.format("analyst"))
    assert rows["marts.annual_reviews"] > 100 and rows["marts.person"] > 100
    assert any(t.startswith("foi.") and n > 0 for t, n in rows.items())
    assert any(t.startswith("ref.dfe_") and n > 0 for t, n in rows.items())


def test_the_dockerfiles_pip_line_resolves_in_a_clean_venv(tmp_path):
    """The Dockerfile's own `pip install` line, resolved (dry run) in a fresh virtual environment against
    the same requirement and constraint files: one solution, with the compose file's auth manager and
    executor providers and a psycopg that serves as the metadata DB's sync and async driver."""
    import json
    import sys

    line = re.search(r"^RUN (pip install .*)$", (ROOT / "docker" / "Dockerfile").read_text(), re.M).group(1)
    args = line.split()[2:]
    args = [str(ROOT / a.removeprefix("/tmp/")) if a.startswith("/tmp/") else a for a in args]
    assert args == ["--no-cache-dir", "-r", str(ROOT / "requirements.txt"), "-c", str(ROOT / "constraints.txt")], line
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_CONSTRAINT", "VIRTUAL_ENV", "PYTHONPATH"))}
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "--dry-run", "--quiet", "--ignore-installed",
                           "--report", str(report), *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    resolved = {i["metadata"]["name"].lower().replace("_", "-"): i["metadata"]["version"]
                for i in json.loads(report.read_text())["install"]}
    assert resolved["apache-airflow"] == AIRFLOW_VERSION
    assert resolved["python-dateutil"].startswith("2.")  # flask-appbuilder 5 needs <3
    assert resolved["sqlalchemy"].startswith("2.")  # the FAB provider runs on SQLAlchemy 2
    for package in ("apache-airflow-providers-fab", "apache-airflow-providers-celery", "flask-appbuilder",
                    "celery", "redis", "psycopg", "psycopg-binary"):
        assert package in resolved, package
    env_block = COMPOSE["x-airflow-common"]["environment"]
    assert env_block["AIRFLOW__CORE__AUTH_MANAGER"].startswith("airflow.providers.fab.")
    assert env_block["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env_block["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"].startswith("postgresql+psycopg://")


def test_the_native_stack_takes_every_setting_from_the_compose_file(tmp_path):
    """scripts/stack.py reads docker-compose.yaml: every Airflow service's environment natively is the
    compose file's, only hosts, ports and container paths rewritten; the executor and auth manager are
    the compose file's own."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import stack as native

    config = native.Stack(tmp_path / "stack", port_base=58900, env={"SEND_STACK_ENV_FILE": os.devnull,
                          "SEND_CMS_URI": "sqlite:////srv/cms.db", "SEND_INBOX_HOST_DIR": str(tmp_path / "inbox"),
                          "SEND_OUTPUT_HOST_DIR": str(tmp_path / "output"), "SEND_LANDING_HOST_DIR": str(tmp_path / "landing")})
    values = config.values(create=True)
    assert oct((tmp_path / "stack" / "secrets.env").stat().st_mode & 0o777) == "0o600"
    assert set(config.airflow_services()) == {n for n in LONG_RUNNING if n.startswith("airflow-")}
    for service in config.airflow_services():
        spec = COMPOSE["services"][service]
        env = config.service_env(service, values)
        assert set(spec["environment"]) <= set(env), service
        for key in ("AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__AUTH_MANAGER", "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
                    "AIRFLOW__CORE__DEFAULT_TIMEZONE"):
            assert env[key] == spec["environment"][key], (service, key)
        for key, value in env.items():
            assert "@postgres/" not in value and "@warehouse/" not in value and "redis:6379" not in value, (key, value)
            assert not value.startswith("/opt/airflow/"), (service, key, value)
    env = config.service_env("airflow-scheduler", values)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://airflow:")
    assert "@127.0.0.1:58901/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__API__PORT"] == "58900"


def test_the_native_stack_runs_airflow_in_production_mode(tmp_path, monkeypatch):
    """scripts/stack.sh sources scripts/env.sh (SEND_DEMO=1 for the demo and tests): the stack's Airflow
    processes must not inherit it, so a missing connection stops rather than using the demo's files."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import stack as native

    monkeypatch.setenv("SEND_DEMO", "1")
    config = native.Stack(tmp_path / "stack", port_base=58900, env={"SEND_STACK_ENV_FILE": os.devnull,
                          "SEND_CMS_URI": "sqlite:////srv/cms.db", "SEND_INBOX_HOST_DIR": str(tmp_path / "inbox"),
                          "SEND_OUTPUT_HOST_DIR": str(tmp_path / "output"), "SEND_LANDING_HOST_DIR": str(tmp_path / "landing")})
    values = config.values(create=True)
    for service in config.airflow_services():
        env = config.airflow_env(service, values)
        assert "SEND_DEMO" not in env, service
        assert env["AIRFLOW_CONN_SEND_WAREHOUSE"].startswith("postgresql://send_writer:")
    assert "SEND_DEMO" not in (ROOT / "docker-compose.yaml").read_text()
