"""Alerts by email (a local SMTP server) and webhook (a local HTTP receiver): the DAG, task, run, what
broke and a link reach both, and nothing personal does."""
from __future__ import annotations

import json
import socketserver
import sqlite3
import threading
from datetime import date
from pathlib import Path
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from send_pipeline.ops import alerts
from send_pipeline.nightly import steps as pipeline
from send_pipeline.kernel.settings import Settings
from tests.helpers import point_at


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive a message."""

    def handle(self):
        def say(line):
            self.wfile.write((line + "\r\n").encode())

        say("220 localhost test SMTP")
        while True:
            line = self.rfile.readline().decode(errors="replace")
            if not line:
                return
            verb = line.strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250 localhost")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                say("250 OK")
            elif verb == "DATA":
                say("354 go ahead")
                body = []
                while (data := self.rfile.readline().decode(errors="replace")) not in (".\r\n", ".\n", ""):
                    body.append(data)
                self.server.messages.append("".join(body))
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("502 not implemented")


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.server.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receivers(monkeypatch):
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    smtp.messages = []
    hook = HTTPServer(("127.0.0.1", 0), _Hook)
    hook.posts = []
    for server in (smtp, hook):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AIRFLOW_CONN_SEND_ALERT_SMTP", f"smtp://127.0.0.1:{smtp.server_address[1]}?from=send-alerts@example.gov.uk")
    monkeypatch.setenv("SEND_ALERT_EMAIL_TO", "send-data@example.gov.uk")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_ALERT_WEBHOOK", f"http://127.0.0.1:{hook.server_address[1]}/hook")
    monkeypatch.setenv("SEND_ALERT_BASE_URL", "http://airflow.example:8080")
    yield smtp, hook
    smtp.shutdown()
    hook.shutdown()


def _people(la) -> list[str]:
    """Every name, UPN, ULN, postcode and date of birth in the generated CMS."""
    with sqlite3.connect(la / "cms.db") as db:
        rows = db.execute("SELECT forename, surname, upn, uln, postcode, dob FROM cms_person").fetchall()
    return [str(v) for row in rows for v in row if v and len(str(v)) >= 4]


def test_a_failed_task_alerts_by_email_and_webhook(receivers):
    smtp, hook = receivers
    error = ValueError("person 5 upn A123456789012 dob 12/03/2015 postcode CV1 2AB: bad row")

    class TI:
        dag_id, task_id, run_id = "send_nightly", "cms.load_source", "scheduled__2026-02-01T02:00:00+00:00"

    from send_pipeline.orchestration import runtime

    monkey = pytest.MonkeyPatch()
    monkey.setattr(runtime, "alert_channels", lambda: alerts.Channels.resolve())
    try:
        sent = runtime.alert_task_failure({"ti": TI(), "exception": error})
    finally:
        monkey.undo()
    assert sent == {"email": True, "webhook": True}
    mail, post = smtp.messages[0], hook.posts[0]
    for text in (mail, post["text"]):
        assert "send_nightly" in text and "cms.load_source" in text and "scheduled__2026-02-01" in text
        assert "http://airflow.example:8080/dags/send_nightly/runs/" in text
        assert "ValueError" in text
        for secret in ("A123456789012", "12/03/2015", "CV1 2AB"):  # scrubbed from the error's text
            assert secret not in text
    assert post["dag_id"] == "send_nightly" and post["kind"] == "task_failed"


def test_quality_breaches_alert_without_personal_data(receivers, small_la, tmp_path, monkeypatch):
    """A night quarantining 10 of the 52 banding rates (above the default 5%) and with sources never
    loaded alerts for each, naming entity, counts and threshold; the snapshot's top reasons name the
    rule and column. Nothing of a person reaches the receivers."""
    import csv
    import io
    import shutil

    smtp, hook = receivers
    la = tmp_path / "la"
    shutil.copytree(small_la, la)
    rates = list(csv.reader(io.StringIO((la / "inbox" / "banding_rates.csv").read_text())))
    column = rates[0].index("annual_amount")
    for row in rates[1:11]:
        row[column] = "lots"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rates)
    (la / "inbox" / "banding_rates.csv").write_text(buf.getvalue())
    point_at(monkeypatch, la, tmp_path)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    for name in ("SEND_ALERT_QUARANTINE_SHARE", "SEND_FRESHNESS_HOURS"):
        monkeypatch.delenv(name, raising=False)
    run = pipeline.Run(Settings.resolve(), "night_alerts", date(2026, 2, 1))
    for source in ("schools", "banding", "cms"):
        pipeline.extract_source(source, run)
        pipeline.validate_source(source, run)
        pipeline.load_source(source, run)
    result = pipeline.check_health(run)
    found = {(b["kind"], b["what"]) for b in result["breaches"]}
    assert ("quarantine_share", f"banding_rate: 10 of {len(rates) - 1} rows quarantined "
            f"({1000 / (len(rates) - 1):.1f}%, threshold 5%)") in found
    assert {w for k, w in found if k == "stale_source"} == {
        f"source {s} last loaded never (expected within {h} hours)" for s, h in (("stats", 9600), ("reviews", 192), ("ledger", 840))}
    assert not [k for k, _ in found if k == "reconciliation"]
    snapshot = json.loads(Path(result["snapshot"]).read_text())
    assert snapshot["top_quarantine_reasons"][0]["entity"] == "banding_rate"
    assert snapshot["top_quarantine_reasons"][0]["column"] == "annual_amount"
    assert snapshot["top_quarantine_reasons"][0]["rows"] == 10
    incomplete = [w for k, w in found if k == "incomplete_run"]  # stats, reviews and ledger never ran
    assert len(incomplete) == 1 and incomplete[0].startswith("run night_alerts did not complete: ")
    assert "review not loaded" in incomplete[0] and "ledger_line not loaded" in incomplete[0]
    assert len(hook.posts) == len(result["breaches"]) == len(smtp.messages) == 5
    quarantine_mail = next(m for m in smtp.messages if "Quarantine above the threshold" in m)
    for text in ("DAG: send_nightly", "Task: reconcile_run", "Run: night_alerts", "banding_rate: 10 of",
                 "Link: http://airflow.example:8080/dags/send_nightly/runs/night_alerts"):
        assert text in quarantine_mail, text
    people = _people(la)
    everything = "\n".join(smtp.messages) + json.dumps(hook.posts) + json.dumps(snapshot)
    assert not [p for p in people if p in everything]
    assert all(p["run_id"] == "night_alerts" and p["link"].startswith("http://airflow.example:8080/dags/send_nightly")
               for p in hook.posts)


def test_nothing_configured_only_logs(monkeypatch):
    for name in ("AIRFLOW_CONN_SEND_ALERT_SMTP", "AIRFLOW_CONN_SEND_ALERT_WEBHOOK", "SEND_ALERT_EMAIL_TO"):
        monkeypatch.delenv(name, raising=False)
    alert = alerts.Alert("stale_source", "send_nightly", None, "r1", "source cms last loaded never", "http://x")
    assert alerts.send(alert, alerts.Channels.resolve()) == {"email": False, "webhook": False}


def test_an_unreachable_receiver_does_not_raise(monkeypatch):
    channels = alerts.Channels("smtp://127.0.0.1:9", ("a@example.gov.uk",), "http://127.0.0.1:9/hook", "http://x")
    alert = alerts.Alert("task_failed", "send_nightly", "t", "r", "boom", "http://x")
    assert alerts.send(alert, channels) == {"email": False, "webhook": False}


def test_a_library_error_quoting_a_record_reaches_nobody(receivers, small_la):
    """Database and pandas errors quote the offending value: the alert keeps the error's type and shape,
    never the value (the full text stays in the task log)."""
    smtp, hook = receivers
    with sqlite3.connect(small_la / "cms.db") as db:
        forename, surname, upn, postcode, dob = db.execute(
            "SELECT forename, surname, upn, postcode, dob FROM cms_person WHERE upn IS NOT NULL LIMIT 1").fetchone()
    errors = [RuntimeError(f"Conversion Error: Could not convert string '{forename} {surname}' to INT32"),
              RuntimeError(f'duplicate key value violates unique constraint "person_pk": Key (upn)=({upn}) already exists'),
              KeyError(f"{surname}"), ValueError(f"bad postcode {postcode} for {dob}")]
    from send_pipeline.orchestration import runtime

    class TI:
        dag_id, task_id, run_id = "send_nightly", "cms.validate_source", "manual__2026-02-01"

    monkey = pytest.MonkeyPatch()
    monkey.setattr(runtime, "alert_channels", lambda: alerts.Channels.resolve())
    try:
        for error in errors:
            runtime.alert_task_failure({"ti": TI(), "exception": error})
    finally:
        monkey.undo()
    everything = "\n".join(smtp.messages) + json.dumps(hook.posts)
    assert len(smtp.messages) == len(hook.posts) == len(errors)
    for value in (forename, surname, upn, postcode, str(dob)):
        assert value and str(value) not in everything, value
    assert "Conversion Error: Could not convert string" in everything and "details in the task log" in everything


def test_channels_given_as_airflow_connections(receivers, monkeypatch):
    """The UI's (JSON) form of both connections: SMTP host/port/extra, webhook host + schema + endpoint."""
    smtp, hook = receivers
    smtp_port, hook_port = smtp.server_address[1], hook.server_address[1]
    monkeypatch.setenv("AIRFLOW_CONN_SEND_ALERT_SMTP", json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port, "extra": {"from": "alerts@example.gov.uk",
                                                                               "starttls": False}}))
    monkeypatch.setenv("AIRFLOW_CONN_SEND_ALERT_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": hook_port, "schema": "http", "extra": {"endpoint": "/hook"}}))
    channels = alerts.Channels.resolve()
    assert channels.smtp == f"smtp://127.0.0.1:{smtp_port}?from=alerts%40example.gov.uk&starttls=false"
    assert channels.webhook == f"http://127.0.0.1:{hook_port}/hook"
    alert = alerts.Alert("stale_source", "send_nightly", "reconcile_run", "r1", "source cms last loaded never", "http://x")
    assert alerts.send(alert, channels) == {"email": True, "webhook": True}
    assert "From: alerts@example.gov.uk" in smtp.messages[0]
    # the same connection read through Airflow's own Connection API (as a task does)
    from send_pipeline.orchestration import runtime

    assert runtime._channel_url("send_alert_webhook") == f"http://127.0.0.1:{hook_port}/hook"
    assert runtime._channel_url("send_alert_smtp") == channels.smtp
    assert runtime._channel_url("send_alert_nothing") is None
