"""The production stack for real: `scripts/stack.sh up` (the compose file's services natively: PostgreSQL
metadata DB and warehouse set up by docker/warehouse-init, Redis, CeleryExecutor with a worker,
scheduler, dag-processor, triggerer, api-server, the FAB auth manager), then everything an operator
does through the REST API and the UI: a night, the asset-triggered FOI tables, the SEN2 census and the
pack, the SEND data health view in Chromium, and a corrupt file's night with its alert.

Marked `stack` (in the default run; select with -m stack). About four to five minutes on two cores.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.ops.test_stack import PRIVATE, PUBLISHED, analyst_reads_published_schemas_only

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import stack as native  # noqa: E402  (scripts/stack.py)

pytestmark = pytest.mark.stack
ARTIFACTS = Path(os.environ.get("SEND_TEST_ARTIFACTS", ROOT / "tests" / "artifacts" / "ui"))
CHROMIUM = os.environ.get("SEND_TEST_CHROMIUM", "/usr/bin/chromium")
DAGS = ("send_nightly", "sen2_census", "foi_tables", "send_performance_pack")
NIGHT = "2026-02-01T02:00:00Z"
CORRUPT = "annual_reviews_2026-27.xlsx"


def _free_port_base() -> int:
    """A base with all seven of the stack's ports free (others may run a stack or a test here too)."""
    for base in range(58200, 58990, 10):
        if not any(native._listening(base + offset) for offset in native.PORTS.values()):
            return base
    raise RuntimeError("no free port range 58200-58990")


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stack(small_la, request):
    """The stack up on a copy of the small LA's CMS and inbox; down (and its folder gone) afterwards."""
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    folder = Path(tempfile.mkdtemp(prefix="send_stack_test_"))
    folder.chmod(0o711)  # the postgres and redis users pass through to their own folders
    la = folder / "la"
    shutil.copytree(small_la, la)
    hook = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SEND_"))},
           "SEND_STACK_DIR": str(folder / "stack"), "SEND_STACK_PORT_BASE": str(_free_port_base()),
           "SEND_STACK_ENV_FILE": os.devnull,  # never a developer's own .env
           "SEND_CMS_URI": f"sqlite:///{la / 'cms.db'}", "SEND_INBOX_HOST_DIR": str(la / "inbox"),
           "SEND_OUTPUT_HOST_DIR": str(folder / "output"), "SEND_LANDING_HOST_DIR": str(folder / "landing"),
           "SEND_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{hook.server_port}/hook"}
    t0 = time.monotonic()
    up = subprocess.run([str(ROOT / "scripts" / "stack.sh"), "up"], env=env, capture_output=True, text=True)
    timings = {"up": time.monotonic() - t0}
    config = native.Stack(env=env)
    try:
        assert up.returncode == 0, up.stdout + up.stderr + _logs(config)
        values = config.values()
        client = native.Client(config.api_url, values.get("AIRFLOW_ADMIN_USER") or "admin", values["AIRFLOW_ADMIN_PASSWORD"])
        failed_before = request.session.testsfailed
        yield {"config": config, "values": values, "client": client, "la": la, "output": folder / "output",
               "hook": _Hook.received, "timings": timings, "env": env}
        if request.session.testsfailed > failed_before:
            print(_logs(config))
    finally:
        t0 = time.monotonic()
        subprocess.run([str(ROOT / "scripts" / "stack.sh"), "down"], env=env, capture_output=True)
        timings["down"] = time.monotonic() - t0
        hook.shutdown()
        print("\nstack timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
        shutil.rmtree(folder, ignore_errors=True)


def _logs(config) -> str:
    out = []
    for log in sorted(config.path("log").glob("*.log")):
        out.append(f"===== {log.name} (last 40 lines)\n" + native._tail(log))
    return "\n".join(out)


def _warehouse_url(stack, role: str) -> str:
    password = {"warehouse_admin": "WAREHOUSE_ADMIN_PASSWORD", "send_writer": "WAREHOUSE_WRITER_PASSWORD",
                "analyst": "WAREHOUSE_ANALYST_PASSWORD"}[role]
    return (f"postgresql+psycopg://{role}:{stack['values'][password]}@127.0.0.1:"
            f"{stack['config'].port('warehouse', 5432)}/send")


def test_the_stack_runs_what_the_compose_file_says(stack):
    status = subprocess.run([str(ROOT / "scripts" / "stack.sh"), "status"], env=stack["env"], capture_output=True,
                            text=True)
    assert status.returncode == 0, status.stdout + status.stderr
    for service in ("postgres", "warehouse", "redis", "airflow-apiserver", "airflow-scheduler",
                    "airflow-dag-processor", "airflow-worker", "airflow-triggerer"):
        assert re.search(rf"^{service}\s+healthy", status.stdout, re.M), status.stdout
    client = stack["client"]
    client.wait_for_dags(DAGS)
    assert client.get("importErrors")[1]["total_entries"] == 0
    assert client.get("dags/send_nightly")[1]["is_paused"]  # paused at creation, as in compose
    status, body = native.http(f"{stack['config'].api_url}/api/v2/dags")
    assert status == 401  # no token, no API


def _seconds(run: dict) -> float:
    from datetime import datetime
    start, end = (datetime.fromisoformat(run[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
    return (end - start).total_seconds()


def _settled_runs(client, dag_id: str, at_least: int, timeout: float = 600) -> list[dict]:
    """Every run of the DAG once there are at least `at_least` and none is queued or running."""
    deadline = time.monotonic() + timeout
    while True:
        runs = client.get(f"dags/{dag_id}/dagRuns?limit=50")[1]["dag_runs"]
        if len(runs) >= at_least and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        assert time.monotonic() < deadline, runs
        time.sleep(2)


def test_a_night_through_the_rest_api_loads_as_send_writer_and_publishes(stack):
    client = stack["client"]
    client.post("dags/foi_tables", {"is_paused": False}, method="PATCH")  # it follows the send_marts asset
    run_id = client.trigger("send_nightly", NIGHT)
    run = client.wait_run("send_nightly", run_id, timeout=600)
    stack["timings"]["night"] = _seconds(run)
    states = client.task_states("send_nightly", run_id)
    assert run["state"] == "success", states
    assert set(states.values()) == {"success"}, states
    stack["night"] = run_id

    # Unpausing send_nightly (catchup=False) also makes the scheduler start the latest scheduled night
    # at once (a README friction item; the DAG's own setting, part B): wait for it too, it must succeed.
    nights = _settled_runs(client, "send_nightly", 1)
    assert {r["run_type"] for r in nights} <= {"manual", "scheduled"} and len(nights) <= 2, nights
    assert all(r["state"] == "success" for r in nights), nights
    # one asset-triggered FOI run per published night, started by the scheduler on send_marts
    # (two nights can also be queued into one run, hence <=)
    foi = _settled_runs(client, "foi_tables", 1, timeout=300)
    assert {r["run_type"] for r in foi} == {"asset_triggered"} and len(foi) <= len(nights), foi
    assert all(r["state"] == "success" for r in foi), foi
    stack["timings"]["foi_tables"] = _seconds(foi[0])
    assert (stack["output"] / "foi" / "foi_tables.xlsx").exists()

    import sqlalchemy as sa

    admin = sa.create_engine(_warehouse_url(stack, "warehouse_admin"))
    with admin.connect() as conn:
        owners = dict(conn.exec_driver_sql(
            "SELECT schemaname || '.' || tablename, tableowner FROM pg_tables WHERE schemaname = ANY(%(s)s)",
            {"s": list(PUBLISHED + PRIVATE)}).fetchall())
        log = conn.exec_driver_sql("SELECT entity, rows_extracted, rows_loaded, rows_quarantined FROM ops.run_log "
                                   "WHERE run_id = %(r)s", {"r": run_id}).fetchall()
    admin.dispose()
    assert set(owners.values()) == {"send_writer"}, owners  # every table written by the writer role
    assert len(log) == 26 and all(e == lo + q for _, e, lo, q in log), log
    rows = analyst_reads_published_schemas_only(_warehouse_url(stack, "warehouse_admin"), _warehouse_url(stack, "analyst"))
    assert rows["marts.annual_reviews"] > 100 and any(t.startswith("foi.") and n for t, n in rows.items())


def _wait_past_catch_up(client, dag_id: str, run_id: str, timeout: float) -> dict:
    """Our run, once finished. Unpausing the pack (catchup=False) also starts its latest scheduled month
    at once; that one is as at today, fails "the marts are as at ..." and waits ten minutes to retry,
    holding max_active_runs=1. An operator marks it failed through the API; so does this."""
    deadline = time.monotonic() + timeout
    while True:
        status, run = client.get(f"dags/{dag_id}/dagRuns/{run_id}")
        if status == 200 and run["state"] in ("success", "failed"):
            return run
        for other in client.get(f"dags/{dag_id}/dagRuns?state=queued&state=running")[1]["dag_runs"]:
            if other["run_type"] == "scheduled":
                client.post(f"dags/{dag_id}/dagRuns/{other['dag_run_id']}", {"state": "failed"}, method="PATCH")
        assert time.monotonic() < deadline, run
        time.sleep(2)


def test_census_and_pack_run_on_the_stack(stack):
    client = stack["client"]
    assert stack.get("night"), "needs the night"
    t0 = time.monotonic()
    census = client.trigger("sen2_census", "2026-02-01T07:00:00Z", {"collection_year": 2026})
    pack = client.trigger("send_performance_pack", "2026-02-01T06:00:00Z", {"audience": "both"})
    for dag_id, run_id in (("sen2_census", census), ("send_performance_pack", pack)):
        run = _wait_past_catch_up(client, dag_id, run_id, timeout=420)
        assert run["state"] == "success", client.task_states(dag_id, run_id)
    stack["timings"]["census+pack"] = time.monotonic() - t0
    la = stack["values"].get("SEND_LA_CODE") or "331"
    xml = stack["output"] / "sen2" / "2026" / f"SEN2_{la}_2026.xml"
    assert xml.exists() and oct(xml.stat().st_mode & 0o777) == "0o600"
    # filed under the month the marts are as at: a later one when the catch-up night unpausing started ran
    # as at today (the marts never rewind to an older night)
    for audience in ("internal", "public"):
        found = sorted((stack["output"] / "packs").glob(f"*/send_performance_pack_{audience}.pdf"))
        assert found and found[-1].stat().st_size > 10_000, found


def _browser(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])


def _log_in(page, stack):
    base = stack["config"].api_url
    page.goto(f"{base}/", wait_until="networkidle")
    page.locator("input[type='password']").first.wait_for(timeout=30000)  # FAB's sign-in form
    page.locator("input[name='username']").first.fill(stack["values"].get("AIRFLOW_ADMIN_USER") or "admin")
    page.locator("input[type='password']").first.fill(stack["values"]["AIRFLOW_ADMIN_PASSWORD"])
    page.locator("input[type='submit'], button[type='submit']").first.click()
    page.wait_for_url(lambda url: "login" not in url, timeout=30000)


def _health_page(stack, name: str) -> str:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = stack["config"].api_url
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            _log_in(page, stack)
            page.goto(f"{base}/send-health/", wait_until="networkidle")
            page.screenshot(path=str(ARTIFACTS / f"stack_{name}.png"), full_page=True)
            assert browser.new_context().new_page().goto(f"{base}/send-health/").status == 401  # not logged in
            return page.inner_text("body")
        finally:
            browser.close()


def test_an_officer_logs_in_and_reads_the_health_view(stack):
    assert stack.get("night"), "needs the night"
    text = _health_page(stack, "health_after_night")
    snapshot = json.loads((stack["output"] / "health" / "health.json").read_text())
    latest = snapshot["runs"][0]  # the last night to finish (ours, or the scheduled one unpausing started)
    assert stack["night"] in {r["run_id"] for r in snapshot["runs"]}
    assert latest["run_id"] in text and "SEND data health" in text
    assert f"{latest['rows_loaded']:,}" in text and f"{latest['rows_extracted']:,}" in text
    assert "ready" in text.lower()  # the SEN2 return written by the census run
    assert "Last 30 nights" in text and "Rows loaded per night" in text  # the charts


@pytest.fixture(scope="module")
def corrupt_night(stack):
    """A workbook that is not a workbook lands in the inbox; the next night runs through the API."""
    assert stack.get("night"), "needs the night"
    (stack["la"] / "inbox" / CORRUPT).write_bytes(b"this is not a workbook")
    client = stack["client"]
    before = len(stack["hook"])
    t0 = time.monotonic()
    run_id = client.trigger("send_nightly", "2026-02-02T02:00:00Z")
    run = client.wait_run("send_nightly", run_id, timeout=600)
    stack["timings"]["corrupt night"] = time.monotonic() - t0
    time.sleep(3)  # the failure callbacks' webhooks
    alerts = [a.get("text", "") for a in stack["hook"][before:]]
    return {"run_id": run_id, "run": run, "states": client.task_states("send_nightly", run_id), "alerts": alerts}


def test_a_corrupt_file_fails_the_night_and_the_alert_names_it(corrupt_night):
    states = corrupt_night["states"]
    assert corrupt_night["run"]["state"] == "failed", states
    # one bad file stops only itself: the trackers' other files were read and loaded, then the load fails
    assert states["reviews.extract_source[0]"] == "success" and states["reviews.validate_source[0]"] == "success", states
    assert states["reviews.load_source[0]"] == "failed", states
    assert states["ledger.load_source[0]"] == "success", states  # later sources still load
    assert states["build_marts[0]"] != "success", states  # a night that did not reconcile publishes nothing
    assert states["purge_expired[0]"] == "success", states  # housekeeping runs on every night
    named = [a for a in corrupt_night["alerts"] if CORRUPT in a and "reviews" in a]
    assert named, corrupt_night["alerts"]
    assert "not a readable" in named[0] and corrupt_night["run_id"] in named[0]


def test_the_alert_says_what_to_do(corrupt_night):
    named = [a for a in corrupt_night["alerts"] if CORRUPT in a]
    assert named, corrupt_night["alerts"]
    # today's alerts end with a generic pointer to the runbook; this one must say what to do about this file
    todo = [line for line in named[0].splitlines() if line.lower().startswith("what to do")]
    assert todo and "runbook" not in todo[0] and re.search(r"(?i)export|replace|re-?send|clear", todo[0]), named[0]


def test_the_health_view_is_red_with_what_failed(stack, corrupt_night):
    text = _health_page(stack, "health_after_corrupt_file")
    attention = text.split("Needs attention", 1)[-1][:2000]
    assert corrupt_night["run_id"] in text
    assert "reviews" in attention and CORRUPT in attention, attention
    assert "What to do: replace" in attention, attention
    assert not re.search(r"(?i)needs attention\s*none", text)
    assert "NO (files stopped)" in text or "NO (incomplete)" in text
