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


def lookup(name: str, var: Lookup | None = None) -> str | None:
    """One setting by name: the environment first, then the Airflow Variable (`var`); blank = unset."""
    value = os.environ.get(name)
    if value is None and var is not None:
        value = var(name)
    return value or None


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
    consortium: tuple[str, ...] = ()  # SEND_LAS: the LAs of a consortium ('' = single-LA mode)
    consortium_level: bool = False  # the consortium's own settings (not one LA's): its warehouse pools the marts

    @property
    def checked_la_code(self) -> str:
        """The LA code, checked to be a 3-digit DfE LA number (it is written into SQL as a literal)."""
        if not re.fullmatch(r"\d{3}", self.la_code or ""):
            raise ValueError(f"SEND_LA_CODE must be a 3-digit DfE LA number, not {self.la_code!r}")
        return self.la_code

    @property
    def dialect(self) -> str:
        return self.warehouse_url.split(":", 1)[0].split("+", 1)[0]

    def _scope(self) -> str:
        # In a consortium, CMS ids repeat across LAs: the LA is part of what is hashed, so pooled
        # marts never give two children one key. A single LA keeps its keys as they always were.
        return f"{self.la_code}:" if self.consortium else ""

    def person_key(self, person_id: object) -> str:
        """Keyed hash (HMAC-SHA256) of a CMS person id: stable, not reversible without the secret."""
        return hmac.new(self.pseudonym_secret, f"person:{self._scope()}{person_id}".encode(), hashlib.sha256).hexdigest()[:20]

    def officer_key(self, officer_id: object) -> str:
        return hmac.new(self.pseudonym_secret, f"officer:{self._scope()}{officer_id}".encode(), hashlib.sha256).hexdigest()[:12]

    @classmethod
    def resolve(cls, conn: Lookup | None = None, var: Lookup | None = None, la_code: str | None = None) -> "Settings":
        """Read settings: Airflow connection/variable lookups first, then env, then demo defaults.

        Consortium mode (SEND_LAS = "331,332,…"): `la_code` picks one LA, whose sources and targets are
        its own: connections `send_cms_<la>` and `send_warehouse_<la>` (default: beside the consortium
        warehouse, `<name>_<la>.duckdb`, or database `<db>_<la>` on the same PostgreSQL server), inbox
        `SEND_INBOX_DIR/<la>/`, landing `SEND_LANDING_DIR/la=<la>/`, outputs `SEND_OUTPUT_DIR/<la>/`.
        Without `la_code` the settings are the consortium's own (its warehouse holds schema `consortium`).
        """

        def setting(name: str) -> str | None:
            return lookup(name, var)

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
        las = consortium_las(setting("SEND_LAS"))
        inbox = Path(setting("SEND_INBOX_DIR") or base / "demo" / "inbox")
        landing_dir = Path(setting("SEND_LANDING_DIR") or base / "landing")
        code = setting("SEND_LA_CODE") or "331"
        if las and la_code:
            if la_code not in las:
                raise ValueError(f"LA {la_code} is not one of the consortium's LAs (SEND_LAS: {', '.join(las)})")
            cms = connection(f"send_cms_{la_code}")
            if not cms:
                raise ValueError(f"consortium mode: no connection send_cms_{la_code} for LA {la_code}")
            warehouse = connection(f"send_warehouse_{la_code}") or la_warehouse(warehouse, la_code)
            inbox, output, landing_dir, code = inbox / la_code, output / la_code, landing_dir / f"la={la_code}", la_code
        return cls(
            cms_url=sqlalchemy_url(cms),
            warehouse_url=sqlalchemy_url(warehouse),
            inbox_dir=inbox,
            output_dir=output,
            landing_dir=landing_dir,
            la_code=code,
            pseudonym_secret=_secret_from(secret),
            retention_days=int(setting("SEND_RETENTION_DAYS") or 400),
            paperwork_days=int(setting("SEND_PAPERWORK_DAYS") or 15),
            consortium=tuple(las),
            consortium_level=bool(las) and not la_code,
        )

    def las(self) -> list[str]:
        """The LAs a night runs for: the consortium's, or this one LA."""
        return list(self.consortium) or [self.la_code]


def consortium_las(value: str | None) -> list[str]:
    """SEND_LAS "331, 332" → ['331', '332']; each a 3-digit DfE LA number, no repeats."""
    las = [v.strip() for v in (value or "").split(",") if v.strip()]
    bad = [v for v in las if not re.fullmatch(r"\d{3}", v)]
    if bad:
        raise ValueError(f"SEND_LAS must list 3-digit DfE LA numbers, not {', '.join(bad)}")
    if len(set(las)) != len(las):
        raise ValueError("SEND_LAS lists an LA twice")
    return las


def la_warehouse(url: str, la_code: str) -> str:
    """The default warehouse of one consortium LA, derived from the consortium's."""
    if url.startswith("duckdb:"):
        path = url.split(":///", 1)[1] if ":///" in url else url.split("://", 1)[1]
        p = Path(path)
        suffix = p.suffix or ".duckdb"
        return f"duckdb:///{p.with_name(p.stem + '_' + la_code + suffix)}"
    base, _, db = url.rpartition("/")
    db, q, query = db.partition("?")
    return f"{base}/{db}_{la_code}{q}{query}"


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
