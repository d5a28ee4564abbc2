"""The Airflow UI in real headless Chromium (Debian's package, driven by Playwright; nothing is
downloaded): the test starts api-server, scheduler and dag-processor on a SQLite metadata DB, logs
in, sees the DAGs and no import errors, triggers send_nightly on a small generated LA, waits for it
to succeed, opens the SEND data health view and finds the run's figures there. A logged-out request
to the view is refused. Screenshots are saved under SEND_TEST_ARTIFACTS (default tests/artifacts/ui).
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from stack import http as _http  # noqa: E402  (scripts/stack.py: the REST client the stack test uses)

ARTIFACTS = Path(os.environ.get("SEND_TEST_ARTIFACTS", ROOT / "tests" / "artifacts" / "ui"))
CHROMIUM = os.environ.get("SEND_TEST_CHROMIUM", "/usr/bin/chromium")
DAGS = ("send_nightly", "sen2_census", "foi_tables", "send_performance_pack")
PASSWORD = "admin-" + secrets.token_hex(4)

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def airflow(small_la, tmp_path_factory, request):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: scripts/ensure_chromium.sh installs it")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    home = tmp_path_factory.mktemp("airflow_ui")
    work = tmp_path_factory.mktemp("ui_work")
    port = _free_port()
    (home / "passwords.json").write_text(json.dumps({"admin": PASSWORD}))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SEND_"))},
        "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/London", "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the run the test triggers
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16), "AIRFLOW__API__WORKERS": "1",
        "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(ROOT / "plugins"),
        "AIRFLOW_CONN_SEND_CMS": f"sqlite:///{small_la / 'cms.db'}",
        "AIRFLOW_CONN_SEND_WAREHOUSE": f"duckdb:///{work / 'warehouse.duckdb'}",
        "AIRFLOW_CONN_SEND_PSEUDONYMISATION": "generic://:ui-test-secret@",
        "SEND_INBOX_DIR": str(small_la / "inbox"), "SEND_OUTPUT_DIR": str(work / "output"),
        "SEND_LANDING_DIR": str(work / "landing"), "SEND_DATA_DIR": str(work), "SEND_DATA_DOCS": "0",
    }
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow_bin, "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([airflow_bin, "pools", "set", "send_warehouse", "1", "warehouse writer"], env=env, check=True,
                   capture_output=True)
    logs, procs = {}, {}
    for name, args in (("api-server", ["api-server", "--port", str(port)]), ("scheduler", ["scheduler"]),
                       ("dag-processor", ["dag-processor"])):
        logs[name] = open(home / f"{name}.log", "w")
        procs[name] = subprocess.Popen([airflow_bin, *args], env=env, stdout=logs[name], stderr=subprocess.STDOUT,
                                       start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if _http(f"{base}/api/v2/version")[0] in (200, 401):
                break
            time.sleep(1)
        else:
            raise RuntimeError("the api-server did not start")
        failed_before = request.session.testsfailed
        yield {"base": base, "work": work, "home": home, "la": small_la}
        if request.session.testsfailed > failed_before:  # the components' logs, to see why
            for name in logs:
                lines = (home / f"{name}.log").read_text(errors="replace").splitlines()
                print(f"\n===== {name} (last 80 lines of {home / (name + '.log')}) =====\n" + "\n".join(lines[-80:]))
    finally:
        for proc in procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for handle in logs.values():
            handle.close()


def _token(base: str) -> str:
    status, body = _http(f"{base}/auth/token", data={"username": "admin", "password": PASSWORD}, method="POST")
    assert status in (200, 201), body
    return body["access_token"]


def test_log_in_trigger_the_night_and_read_its_health(airflow):
    from playwright.sync_api import sync_playwright

    base = airflow["base"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # a logged-out request to the view is refused, and so is a forged token
    status, _ = _http(f"{base}/send-health/")
    assert status == 401
    assert _http(f"{base}/send-health/", token="not-a-jwt")[0] in (401, 403)

    token = _token(base)
    deadline = time.time() + 120  # the dag-processor parses the four DAG files
    while time.time() < deadline:
        status, body = _http(f"{base}/api/v2/dags", token=token)
        if status == 200 and set(DAGS) <= {d["dag_id"] for d in body["dags"]}:
            break
        time.sleep(2)
    else:
        raise AssertionError(f"DAGs not parsed: {body}")
    assert _http(f"{base}/api/v2/importErrors", token=token)[1]["total_entries"] == 0

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(f"{base}/", wait_until="networkidle")
            page.locator("input[type='password']").first.wait_for(timeout=30000)
            page.screenshot(path=str(ARTIFACTS / "01_login.png"))
            page.locator("input[name='username'], input#username, input[type='text']").first.fill("admin")
            page.locator("input[type='password']").first.fill(PASSWORD)
            page.locator("button[type='submit'], button:has-text('Sign in'), button:has-text('Log in')").first.click()
            page.wait_for_url(lambda url: "login" not in url, timeout=30000)
            page.goto(f"{base}/dags", wait_until="networkidle")
            for dag_id in DAGS:
                page.get_by_text(dag_id, exact=True).first.wait_for(timeout=30000)
            assert page.get_by_text("Import Error").count() == 0  # the UI's import-errors banner is absent
            page.screenshot(path=str(ARTIFACTS / "02_dags.png"))

            cookie_token = next(c["value"] for c in page.context.cookies() if c["name"] == "_token")
            status, run = _http(f"{base}/api/v2/dags/send_nightly/dagRuns", token=cookie_token, method="POST",
                                data={"logical_date": "2026-02-01T02:00:00Z", "conf": {}})
            assert status in (200, 201), run
            run_id = run["dag_run_id"]
            deadline = time.time() + 600
            state = None
            while time.time() < deadline:
                state = _http(f"{base}/api/v2/dags/send_nightly/dagRuns/{run_id}", token=cookie_token)[1]["state"]
                if state in ("success", "failed"):
                    break
                time.sleep(3)
            page.goto(f"{base}/dags/send_nightly/runs/{run_id}", wait_until="networkidle")
            page.screenshot(path=str(ARTIFACTS / "03_run.png"))
            assert state == "success", f"send_nightly ended {state}; see {airflow['home']}"

            # the view from the UI's navigation: Browse -> SEND data health (the plugin's page in the UI)
            page.goto(f"{base}/dags", wait_until="networkidle")
            page.get_by_role("button", name="Browse").first.click()
            link = page.get_by_role("menuitem", name="SEND data health").first
            link.wait_for(timeout=30000)
            page.screenshot(path=str(ARTIFACTS / "04_nav_browse_menu.png"))
            link.click()
            page.wait_for_url("**/plugin/send-health", timeout=30000)
            frame = page.frame_locator("iframe").first
            frame.get_by_text(run_id).first.wait_for(timeout=30000)
            framed = frame.locator("body").inner_text()
            page.screenshot(path=str(ARTIFACTS / "05_health_in_ui.png"))
            page.goto(f"{base}/send-health/", wait_until="networkidle")
            text = page.inner_text("body")
            page.screenshot(path=str(ARTIFACTS / "06_health.png"), full_page=True)

            # a browser that has not logged in is refused the view, and sees none of its figures
            fresh = browser.new_context()
            response = fresh.new_page().goto(f"{base}/send-health/")
            assert response.status == 401 and run_id not in response.text()
            fresh.close()
        finally:
            browser.close()

    snapshot = json.loads((airflow["work"] / "output" / "health" / "health.json").read_text())
    latest = snapshot["runs"][0]
    assert latest["run_id"] == run_id and latest["reconciled"]
    assert run_id in text and "SEND data health" in text
    assert f"{latest['rows_loaded']:,}" in framed  # the same figures inside the Airflow UI
    assert f"{latest['rows_loaded']:,}" in text and f"{latest['rows_extracted']:,}" in text
    for entity in ("person", "plan", "review", "ledger_line"):
        assert entity in text
    # nothing personal on the page: no name, UPN or ULN from the generated CMS
    import sqlite3

    with sqlite3.connect(airflow["la"] / "cms.db") as db:
        people = [v for row in db.execute("SELECT forename || ' ' || surname, upn, uln FROM cms_person") for v in row if v]
    assert not [p for p in people if p in text]
