"""Where sources and targets are: the only place settings are resolved.

Contract (shared/contracts/interface.md): connections `send_cms`, `send_warehouse`; env (or Airflow
Variable) `SEND_INBOX_DIR`, `SEND_OUTPUT_DIR`, `SEND_LA_CODE`. Defaults are the embedded demo under
the project's `data/` folder. Airflow lookups are passed in as callables so this module (and the whole
package) never imports Airflow.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "include" / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

Lookup = Callable[[str], Optional[str]]


def data_dir() -> Path:
    return Path(os.environ.get("SEND_DATA_DIR", PROJECT_ROOT / "data"))


def sqlalchemy_url(uri: str) -> str:
    """Normalise an Airflow-style connection URI into one SQLAlchemy accepts."""
    uri = uri.strip()
    uri = re.sub(r"^postgres(ql)?(\+psycopg2?)?://", "postgresql+psycopg://", uri)
    return uri


def redact_url(url: str) -> str:
    """A URL safe to log: the password replaced."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass(frozen=True)
class Settings:
    cms_url: str
    warehouse_url: str
    inbox_dir: Path
    output_dir: Path
    landing_dir: Path
    la_code: str
    pseudonym_secret: bytes = field(repr=False)
    retention_days: int = 400
    paperwork_days: int = 15  # the LA's annual-review paperwork standard (regulations: 14)

    @property
    def dialect(self) -> str:
        return self.warehouse_url.split(":", 1)[0].split("+", 1)[0]

    def person_key(self, person_id: object) -> str:
        """Keyed hash (HMAC-SHA256) of a CMS person id: stable, not reversible without the secret."""
        return hmac.new(self.pseudonym_secret, f"person:{person_id}".encode(), hashlib.sha256).hexdigest()[:20]

    def officer_key(self, officer_id: object) -> str:
        return hmac.new(self.pseudonym_secret, f"officer:{officer_id}".encode(), hashlib.sha256).hexdigest()[:12]

    @classmethod
    def resolve(cls, conn: Lookup | None = None, var: Lookup | None = None) -> "Settings":
        """Read settings: Airflow connection/variable lookups first, then env, then demo defaults."""

        def setting(name: str) -> str | None:
            value = os.environ.get(name)
            if value is None and var is not None:
                value = var(name)
            return value or None

        def connection(conn_id: str) -> str | None:
            value = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
            if value is None and conn is not None:
                value = conn(conn_id)
            return value or None

        base = data_dir()
        cms = connection("send_cms") or f"sqlite:///{base / 'demo' / 'cms.db'}"
        warehouse = connection("send_warehouse") or f"duckdb:///{base / 'warehouse.duckdb'}"
        output = Path(setting("SEND_OUTPUT_DIR") or base / "output")
        secret = connection("send_pseudonymisation") or _demo_secret(base)
        return cls(
            cms_url=sqlalchemy_url(cms),
            warehouse_url=sqlalchemy_url(warehouse),
            inbox_dir=Path(setting("SEND_INBOX_DIR") or base / "demo" / "inbox"),
            output_dir=output,
            landing_dir=Path(setting("SEND_LANDING_DIR") or base / "landing"),
            la_code=setting("SEND_LA_CODE") or "331",
            pseudonym_secret=_secret_from(secret),
            retention_days=int(setting("SEND_RETENTION_DAYS") or 400),
            paperwork_days=int(setting("SEND_PAPERWORK_DAYS") or 15),
        )


def _secret_from(value: str) -> bytes:
    # A connection URI such as `generic://:s3cret@` carries the secret as its password.
    match = re.match(r"^[a-z0-9+\-]*://[^:@/]*:([^@]+)@", value)
    return (match.group(1) if match else value).encode()


def _demo_secret(base: Path) -> str:
    """The embedded demo keeps a random secret in an owner-only file, created on first use."""
    path = base / ".pseudonym_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
