"""Alerts by email (a local SMTP server) and webhook (a local HTTP receiver): the DAG, task, run, what
broke and a link reach both, and nothing personal does."""
from __future__ import annotations

import json
import socketserver
import sqlite3
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from send_pipeline import alerts, pipeline
from send_pipeline.settings import Settings
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

    from send_pipeline import runtime

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
    """A night whose quarantine share passes the threshold, and a source never loaded, alert."""
    smtp, hook = receivers
    point_at(monkeypatch, small_la, tmp_path)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    monkeypatch.setenv("SEND_ALERT_QUARANTINE_SHARE", "0")  # any quarantined row breaches
    monkeypatch.setenv("SEND_FRESHNESS_HOURS", "0.0001")  # every source is already stale
    run = pipeline.Run(Settings.resolve(), "night_alerts", date(2026, 2, 1))
    for source in ("stats", "schools", "banding", "cms"):
        pipeline.extract_source(source, run)
        pipeline.validate_source(source, run)
        pipeline.load_source(source, run)
    import time

    time.sleep(0.5)
    result = pipeline.check_health(run)
    kinds = {b["kind"] for b in result["breaches"]}
    assert "stale_source" in kinds
    assert len(hook.posts) == len(result["breaches"]) == len(smtp.messages)
    people = _people(small_la)
    everything = "\n".join(smtp.messages) + json.dumps(hook.posts)
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
