"""Alerts to the data team: a failed task, or a data-quality breach (quarantine above a share of an
entity, a reconciliation mismatch, a source older than its expected freshness), sent by email and/or
to a webhook (Teams, Slack or any HTTP receiver). The message carries the DAG, task, run, what broke
and a link, built from ids, counts and rule names only: never a name, UPN, date of birth or CMS text.

Configuration (Airflow connection or env, like every other setting):
- connection `send_alert_smtp`: `smtp://user:password@host:587?from=send-alerts@council.gov.uk&starttls=true`
  (or in the UI: type smtp, host, port, login, password, extra `{"from": …, "starttls": true}`)
- env / Variable `SEND_ALERT_EMAIL_TO`: comma-separated recipients
- connection `send_alert_webhook`: the webhook URL, e.g. `https://council.webhook.office.com/...` (in the UI:
  the whole URL in Host, or extra `{"url": …}`); the receiver gets JSON with `text` (Teams/Slack) and fields
- env / Variable `SEND_ALERT_BASE_URL`: the Airflow UI's address, for links (default http://localhost:8080)
- thresholds (env / Variable, read by health.py): `SEND_ALERT_QUARANTINE_SHARE` (0.05), `SEND_FRESHNESS_HOURS`
  (36, the CMS) and `SEND_FRESHNESS_HOURS_<SOURCE>` (stats/banding 9600, schools/reviews 192, ledger 840)
Nothing configured: the alert is only logged.
"""
from __future__ import annotations

import json
import logging
import re
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse

from send_pipeline.kernel import settings

log = logging.getLogger(__name__)

KINDS = {
    "task_failed": "A task failed",
    "quarantine_share": "Quarantine above the threshold",
    "reconciliation": "Reconciliation mismatch",
    "stale_source": "A source is older than its expected freshness",
    "incomplete_run": "A night did not complete (nothing published)",
    "stopped": "A source or step is stopped",
}


@dataclass(frozen=True)
class Alert:
    kind: str
    dag_id: str
    task_id: str | None
    run_id: str | None
    what: str
    link: str
    todo: str | None = None  # what the operator does about it (the stop's own advice), else the runbook


    @property
    def subject(self) -> str:
        return f"[SEND pipeline] {KINDS.get(self.kind, self.kind)}: {self.dag_id}" + (f".{self.task_id}" if self.task_id else "")

    def text(self) -> str:
        return "\n".join([
            KINDS.get(self.kind, self.kind), f"DAG: {self.dag_id}", f"Task: {self.task_id or '-'}",
            f"Run: {self.run_id or '-'}", f"What broke: {self.what}", f"Link: {self.link}",
            f"What to do: {self.todo}" if self.todo else "What to do: see the runbook on the DAG's page (README, 'Operating it').",
        ])


@dataclass(frozen=True)
class Channels:
    smtp: str | None
    email_to: tuple[str, ...]
    webhook: str | None
    base_url: str

    @classmethod
    def resolve(cls, conn: settings.Lookup | None = None, var: settings.Lookup | None = None) -> "Channels":
        def setting(name):
            return settings.setting(name, var)

        def connection(name):
            raw = settings.connection(name, conn)
            if raw and raw.lstrip().startswith("{"):  # Airflow's JSON form of a connection
                raw = connection_url(json.loads(raw), "smtp" if name.endswith("smtp") else "webhook")
            return raw

        to = tuple(a.strip() for a in (setting("SEND_ALERT_EMAIL_TO") or "").split(",") if a.strip())
        return cls(connection("send_alert_smtp"), to, connection("send_alert_webhook"),
                   (setting("SEND_ALERT_BASE_URL") or "http://localhost:8080").rstrip("/"))


def connection_url(fields: dict, kind: str = "webhook") -> str | None:
    """A channel's URL from an Airflow connection's fields (conn_type, host, port, login, password,
    schema, extra), as made in the UI or given as JSON:
    - webhook (type http/https/any): extra `url`, or the whole URL in Host, or Schema (http/https, default
      https) + Host + Port + extra `endpoint`;
    - SMTP (kind "smtp"): host, port, login, password, extra `from` and `starttls`."""
    from urllib.parse import quote, urlencode

    extra = fields.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra) if extra.strip() else {}
    host, port = fields.get("host") or "", fields.get("port")
    if kind == "smtp":
        if not host:
            return None
        auth = ""
        if fields.get("login"):
            auth = quote(fields["login"], safe="") + (":" + quote(fields.get("password") or "", safe="")) + "@"
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in extra.items() if k in ("from", "starttls")}
        return f"smtp://{auth}{host}{f':{port}' if port else ''}" + (f"?{urlencode(query)}" if query else "")
    if extra.get("url") or host.startswith(("http://", "https://")):
        return extra.get("url") or host
    if not host:
        return None
    scheme = fields.get("schema") if fields.get("schema") in ("http", "https") else "https"
    return f"{scheme}://{host}{f':{port}' if port else ''}{extra.get('endpoint') or ''}"


# The pipeline's own stop messages are written to name files, columns and tables, never people.
OWN_MESSAGES = {"SourceUnusable", "AirflowFailException", "QualityError", "AirflowTaskTimeout", "AirflowException"}


def scrub(text: str) -> str:
    """Blank anything in a message that could be a value from a record: quoted literals (database and
    pandas errors quote the offending value), `key=(value)` details, e-mail addresses, UPN/ULN-like ids,
    dates and postcodes."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "'…'", text)
    text = re.sub(r"=\s*\([^)]*\)", "=(…)", text)
    text = re.sub(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b", "[email]", text)
    text = re.sub(r"\b[A-Z]\d{11}[A-Z0-9]?\b", "[id]", text)          # UPN
    text = re.sub(r"\b\d{10}\b", "[id]", text)                        # ULN / long ids
    text = re.sub(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?\b", "[date]", text)
    text = re.sub(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", "[postcode]", text, flags=re.I)
    return text


def safe_message(exc: BaseException | str | None) -> str:
    """What broke, for a message: the exception's type and the first line of its message, scrubbed
    (see `scrub`). The pipeline's own messages carry no personal data; this is a second net for
    errors raised by libraries, whose text can quote a value. The full text stays in the task log."""
    if exc is None:
        return "no exception recorded"
    if isinstance(exc, str):
        return scrub(exc)[:300]
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    text = f"{name}: {scrub(first)}" if first else name
    if name not in OWN_MESSAGES:
        text += " (details in the task log)"
    return text[:300]


def what_to_do(exc: BaseException | None) -> str | None:
    """The "What to do: ..." line a stop's message carries (orchestration/runtime.py adds it), scrubbed."""
    for line in str(exc or "").splitlines()[1:]:
        if line.startswith("What to do: "):
            return scrub(line[len("What to do: "):])[:500]
    return None


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
    if "__extra__" in query:  # Airflow's get_uri() of a connection whose extra is not all strings
        query.update({k: str(v) for k, v in json.loads(query.pop("__extra__")).items()})
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
    url = re.sub(r"^(https?)-webhook://", r"\1://", url)  # an Airflow connection of type http-webhook / https-webhook
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
