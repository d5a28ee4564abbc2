"""Alerts to the data team: a failed task, or a data-quality breach (quarantine above a share of an
entity, a reconciliation mismatch, a source older than its expected freshness), sent by email and/or
to a webhook (Teams, Slack or any HTTP receiver). The message carries the DAG, task, run, what broke
and a link, built from ids, counts and rule names only: never a name, UPN, date of birth or CMS text.

Configuration (Airflow connection or env, like every other setting):
- connection `send_alert_smtp`: `smtp://user:password@host:587?from=send-alerts@council.gov.uk&starttls=true`
- env / Variable `SEND_ALERT_EMAIL_TO`: comma-separated recipients
- connection `send_alert_webhook`: the webhook URL, e.g. `https://council.webhook.office.com/...`
- env / Variable `SEND_ALERT_BASE_URL`: the Airflow UI's address, for links (default http://localhost:8080)
Nothing configured: the alert is only logged.
"""
from __future__ import annotations

import json
import logging
import os
import re
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Callable, Optional
from urllib.parse import parse_qs, unquote, urlparse

log = logging.getLogger(__name__)
Lookup = Callable[[str], Optional[str]]

KINDS = {
    "task_failed": "A task failed",
    "quarantine_share": "Quarantine above the threshold",
    "reconciliation": "Reconciliation mismatch",
    "stale_source": "A source is older than its expected freshness",
}


@dataclass(frozen=True)
class Alert:
    kind: str
    dag_id: str
    task_id: str | None
    run_id: str | None
    what: str
    link: str

    @property
    def subject(self) -> str:
        return f"[SEND pipeline] {KINDS.get(self.kind, self.kind)}: {self.dag_id}" + (f".{self.task_id}" if self.task_id else "")

    def text(self) -> str:
        return "\n".join([
            KINDS.get(self.kind, self.kind), f"DAG: {self.dag_id}", f"Task: {self.task_id or '-'}",
            f"Run: {self.run_id or '-'}", f"What broke: {self.what}", f"Link: {self.link}",
            "What to do: see the runbook on the DAG's page (README, 'Operating it').",
        ])


@dataclass(frozen=True)
class Channels:
    smtp: str | None
    email_to: tuple[str, ...]
    webhook: str | None
    base_url: str

    @classmethod
    def resolve(cls, conn: Lookup | None = None, var: Lookup | None = None) -> "Channels":
        def setting(name):
            return os.environ.get(name) or (var(name) if var else None)

        def connection(name):
            return os.environ.get(f"AIRFLOW_CONN_{name.upper()}") or (conn(name) if conn else None)

        to = tuple(a.strip() for a in (setting("SEND_ALERT_EMAIL_TO") or "").split(",") if a.strip())
        return cls(connection("send_alert_smtp"), to, connection("send_alert_webhook"),
                   (setting("SEND_ALERT_BASE_URL") or "http://localhost:8080").rstrip("/"))


def safe_message(exc: BaseException | str | None) -> str:
    """What broke, for a message: the exception's type and first line, with anything that looks like a
    UPN, ULN, date or postcode blanked (the pipeline's own messages carry none; this is a second net)."""
    if exc is None:
        return "no exception recorded"
    text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    text = re.sub(r"\b[A-Z]\d{11}[A-Z0-9]?\b", "[id]", text)          # UPN
    text = re.sub(r"\b\d{10}\b", "[id]", text)                        # ULN / long ids
    text = re.sub(r"\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b", "[date]", text)
    text = re.sub(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", "[postcode]", text)
    return text[:300]


def send(alert: Alert, channels: Channels) -> dict:
    """Send by every configured channel; a channel that fails is logged, not raised (the alert of a
    failure must not fail in its turn). Returns what was sent."""
    sent = {"email": False, "webhook": False}
    log.warning("SEND alert: %s | %s", alert.subject, alert.what)
    if channels.smtp and channels.email_to:
        try:
            _email(alert, channels)
            sent["email"] = True
        except Exception as exc:  # noqa: BLE001
            log.error("alert email failed: %s", type(exc).__name__)
    if channels.webhook:
        try:
            _webhook(alert, channels.webhook)
            sent["webhook"] = True
        except Exception as exc:  # noqa: BLE001
            log.error("alert webhook failed: %s", type(exc).__name__)
    return sent


def _email(alert: Alert, channels: Channels) -> None:
    url = urlparse(channels.smtp)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = query.get("from", "send-pipeline@localhost")
    message["To"] = ", ".join(channels.email_to)
    message.set_content(alert.text())
    with smtplib.SMTP(url.hostname or "localhost", url.port or 25, timeout=20) as smtp:
        if query.get("starttls", "").lower() == "true":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def _webhook(alert: Alert, url: str) -> None:
    url = re.sub(r"^https?-?webhook://", "https://", url) if url.startswith(("http-webhook", "https-webhook")) else url
    payload = {"text": f"*{alert.subject}*\n{alert.text()}", "summary": alert.subject,
               "kind": alert.kind, "dag_id": alert.dag_id, "task_id": alert.task_id, "run_id": alert.run_id,
               "what": alert.what, "link": alert.link}
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (the configured receiver)
        if response.status >= 300:
            raise RuntimeError(f"webhook answered {response.status}")


def run_link(base_url: str, dag_id: str, run_id: str | None, task_id: str | None = None) -> str:
    from urllib.parse import quote

    link = f"{base_url}/dags/{dag_id}"
    if run_id:
        link += f"/runs/{quote(run_id, safe='')}"
        if task_id:
            link += f"/tasks/{quote(task_id, safe='')}"
    return link
