"""Every setting, and the only place one is read: environment variables, Airflow Variables and connections.

Contract (shared/contracts/interface.md): connections `send_cms`, `send_warehouse`; env (or Airflow
Variable) `SEND_INBOX_DIR`, `SEND_OUTPUT_DIR`, `SEND_LA_CODE`. The embedded demo's defaults (a DuckDB
warehouse, the generated SQLite CMS and inbox, a random pseudonymisation secret, all under the project's
`data/` folder) apply only when the demo is asked for (`SEND_DEMO=1`, which scripts/env.sh sets);
otherwise a missing connection stops with a message naming it (production mode). The environment is read first; then Airflow's Variables and connections,
through lookups the orchestration adapter installs while a task runs a step (`airflow_lookups`) or passes to
`Settings.resolve`, so this module (and the whole package) never imports Airflow. Tuning knobs
(validation, DuckDB memory, health thresholds, FOI threshold) are read here too, by `setting()`.
"""
from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from send_pipeline.kernel import pseudonym
from send_pipeline.kernel.errors import NotConfigured

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[3]  # plugins/send_pipeline/kernel/settings.py
SQL_DIR = PROJECT_ROOT / "include" / "sql"
DBT_DIR = PROJECT_ROOT / "dbt"  # the dbt project: the staging and mart models (issue 18)
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

Lookup = Callable[[str], Optional[str]]
_INSTALLED: dict[str, Lookup | None] = {"conn": None, "var": None}


@contextmanager
def airflow_lookups(conn: Lookup | None, var: Lookup | None):
    """Within the block (a task running a step), settings not in the environment are looked up in
    Airflow's connections and Variables too."""
    before = dict(_INSTALLED)
    _INSTALLED.update(conn=conn, var=var)
    try:
        yield
    finally:
        _INSTALLED.update(before)


def setting(name: str, var: Lookup | None = None) -> str | None:
    """A setting: env first, then the Airflow Variable of the same name (None when neither is set)."""
    value = os.environ.get(name)
    var = var or _INSTALLED["var"]
    if value is None and var is not None:
        value = var(name)
    return value or None


def connection(conn_id: str, conn: Lookup | None = None) -> str | None:
    """A connection as given: env `AIRFLOW_CONN_<ID>` (URI or JSON) first, then Airflow's lookup."""
    value = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    conn = conn or _INSTALLED["conn"]
    if value is None and conn is not None:
        value = conn(conn_id)
    return value or None


# --- tuning knobs (defaults suit one LA on a small server) ---------------------------------------
def use_dbt() -> bool:
    """SEND_DBT=1 builds the staging and mart models with `dbt build` (.venv-dbt) instead of the Python
    runner (both run the same dbt/models; default off)."""
    return setting("SEND_DBT") == "1"


def data_docs() -> bool:
    """SEND_DATA_DOCS=0 skips rendering GX Data Docs (results are still saved)."""
    return setting("SEND_DATA_DOCS") != "0"


def validate_chunk_rows() -> int:
    """SEND_VALIDATE_CHUNK_ROWS: entities bigger than this are validated in key-hashed splits."""
    return max(1, int(setting("SEND_VALIDATE_CHUNK_ROWS") or 1_000_000))


def columnar(rows: int) -> bool:
    """SEND_VALIDATE_COLUMNAR: `auto` (default) checks splits of SEND_VALIDATE_COLUMNAR_ROWS (default
    200,000) rows or more column-wise, `1` every split, `0` none."""
    mode = (setting("SEND_VALIDATE_COLUMNAR") or "auto").strip().lower()
    if mode in ("0", "false", "no"):
        return False
    if mode in ("1", "true", "yes"):
        return True
    return rows >= int(setting("SEND_VALIDATE_COLUMNAR_ROWS") or 200_000)


def sample_rows() -> int:
    """SEND_VALIDATE_SAMPLE_ROWS: the rows GX cross-checks of a column-wise split (default 20,000)."""
    return max(1, int(setting("SEND_VALIDATE_SAMPLE_ROWS") or 20_000))


def max_loss_share() -> float:
    """SEND_MAX_LOSS_SHARE (default 0.2): a load that would remove or quarantine more than this share of
    an entity's current warehouse rows stops its source (schema drift must not wipe a table)."""
    value = setting("SEND_MAX_LOSS_SHARE")
    return float(value) if value not in (None, "") else 0.2


def workbook_max_cells() -> int:
    """SEND_WORKBOOK_MAX_CELLS (default 20,000,000): the most cells (rows x columns, from A1) a workbook
    sheet may declare or use; the reader allocates the whole rectangle, so a stray cell at XFD1048576
    would ask for hundreds of GiB."""
    return max(1, int(setting("SEND_WORKBOOK_MAX_CELLS") or 20_000_000))


def demo(var: Lookup | None = None) -> bool:
    """SEND_DEMO=1 (env or Variable; `1`/`true`/`yes`): missing connections and the inbox fall back to the
    embedded demo under SEND_DATA_DIR. Unset (production): a missing one is an error."""
    return (setting("SEND_DEMO", var) or "").strip().lower() in ("1", "true", "yes")


DEMO_HOW = {"send_cms": "the generated demo CMS", "send_warehouse": "the demo DuckDB warehouse",
            "send_pseudonymisation": "a demo secret kept in an owner-only file"}


_LOGGED: set[str] = set()


def _log_once(line: str) -> None:
    """One line per distinct fallback per process (settings are resolved many times in a task)."""
    if line not in _LOGGED:
        _LOGGED.add(line)
        log.warning(line)


def not_defined(conn_id: str) -> NotConfigured:
    return NotConfigured(f"connection {conn_id} is not defined: add it in Admin > Connections or as "
                         f"AIRFLOW_CONN_{conn_id.upper()}; SEND_DEMO=1 uses the embedded demo")


def data_dir() -> Path:
    return Path(os.environ.get("SEND_DATA_DIR") or PROJECT_ROOT / "data")


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
    consortium: tuple[str, ...] = ()  # SEND_LAS: the LAs of a consortium ('' = single-LA mode)
    consortium_level: bool = False  # the consortium's own settings (not one LA's): its warehouse pools the marts
    # SEND_SOURCES: the sources a night runs (names as nightly/sources/ declares them); () = every one
    sources: tuple[str, ...] = ()
    # SEND_CMS_FROM (ISO date): the first day the CMS is complete for; SEN2 returns' records dated from then
    # on are the CMS's (None: the CMS wins only the records it holds)
    cms_from: str | None = None

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
        """Keyed hash of a CMS person id (pseudonym.py): stable, not reversible without the secret."""
        return pseudonym.person_key(self.pseudonym_secret, self._scope(), person_id)

    def officer_key(self, officer_id: object) -> str:
        return pseudonym.officer_key(self.pseudonym_secret, self._scope(), officer_id)

    @classmethod
    def resolve(cls, conn: Lookup | None = None, var: Lookup | None = None, la_code: str | None = None) -> "Settings":
        """Read settings: the environment first, then Airflow's Variables and connections; then, only
        with SEND_DEMO=1, the embedded demo's defaults (said in one log line); otherwise a missing
        `send_cms`, `send_warehouse`, `send_pseudonymisation` or SEND_INBOX_DIR raises NotConfigured.

        Consortium mode (SEND_LAS = "331,332,…"): `la_code` picks one LA, whose sources and targets are
        its own: connections `send_cms_<la>` and `send_warehouse_<la>` (default: beside the consortium
        warehouse, `<name>_<la>.duckdb`, or database `<db>_<la>` on the same PostgreSQL server), inbox
        `SEND_INBOX_DIR/<la>/`, landing `SEND_LANDING_DIR/la=<la>/`, outputs `SEND_OUTPUT_DIR/<la>/`.
        Without `la_code` the settings are the consortium's own (its warehouse holds schema `consortium`).
        """

        def get(name: str) -> str | None:
            return setting(name, var)

        def link(conn_id: str) -> str | None:
            return connection(conn_id, conn)

        base = data_dir()
        is_demo = demo(var)
        used: list[str] = []  # the demo defaults this resolve fell back to (logged once, below)

        def demo_default(conn_id: str, value: str, where) -> str:
            if not is_demo:
                raise not_defined(conn_id)
            used.append(f"{conn_id} = {DEMO_HOW[conn_id]} ({where})")
            return value

        las = consortium_las(get("SEND_LAS"))
        cms = link("send_cms")
        if not cms and las:
            cms = ""  # a consortium's CMSs are send_cms_<la> (below); the consortium itself reads none
        elif not cms:
            cms = demo_default("send_cms", f"sqlite:///{base / 'demo' / 'cms.db'}", base / "demo" / "cms.db")
        warehouse = link("send_warehouse") or demo_default("send_warehouse", f"duckdb:///{base / 'warehouse.duckdb'}",
                                                           base / "warehouse.duckdb")
        output = Path(get("SEND_OUTPUT_DIR") or base / "output")
        secret = link("send_pseudonymisation")
        if not secret:
            demo_default("send_pseudonymisation", "", base / ".pseudonym_secret")
            secret = pseudonym.demo_secret(base)
        inbox_dir = get("SEND_INBOX_DIR")
        if not inbox_dir and not is_demo:
            raise NotConfigured("SEND_INBOX_DIR is not set: set it in the environment or as an Airflow Variable "
                                "(the folder the review trackers, ledgers, GIAS and DfE files arrive in); "
                                "SEND_DEMO=1 uses the embedded demo's")
        if not inbox_dir:
            used.append(f"SEND_INBOX_DIR = the generated demo inbox ({base / 'demo' / 'inbox'})")
        if used:
            _log_once("SEND_DEMO=1: not defined, so the embedded demo's: " + "; ".join(used))
        inbox = Path(inbox_dir or base / "demo" / "inbox")
        landing_dir = Path(get("SEND_LANDING_DIR") or base / "landing")
        code = get("SEND_LA_CODE") or "331"
        if las and la_code:
            if la_code not in las:
                raise ValueError(f"LA {la_code} is not one of the consortium's LAs (SEND_LAS: {', '.join(las)})")
            cms = link(f"send_cms_{la_code}")
            if not cms:
                raise ValueError(f"consortium mode: no connection send_cms_{la_code} for LA {la_code}")
            warehouse = link(f"send_warehouse_{la_code}") or la_warehouse(warehouse, la_code)
            inbox, output, landing_dir, code = inbox / la_code, output / la_code, landing_dir / f"la={la_code}", la_code
        return cls(
            cms_url=sqlalchemy_url(cms),
            warehouse_url=sqlalchemy_url(warehouse),
            inbox_dir=inbox,
            output_dir=output,
            landing_dir=landing_dir,
            la_code=code,
            pseudonym_secret=pseudonym.secret_from(secret),
            retention_days=int(get("SEND_RETENTION_DAYS") or 400),
            paperwork_days=int(get("SEND_PAPERWORK_DAYS") or 15),
            consortium=tuple(las),
            consortium_level=bool(las) and not la_code,
            sources=source_names(get("SEND_SOURCES")),
            cms_from=iso_date(get("SEND_CMS_FROM"), "SEND_CMS_FROM"),
        )

    def las(self) -> list[str]:
        """The LAs a night runs for: the consortium's, or this one LA."""
        return list(self.consortium) or [self.la_code]


def source_names(value: str | None) -> tuple[str, ...]:
    """SEND_SOURCES "sen2_returns, schools" → ('sen2_returns', 'schools'); blank = () (every source).
    The names are checked against the declared sources by the nightly (nightly/sources/)."""
    return tuple(dict.fromkeys(v.strip().lower() for v in (value or "").split(",") if v.strip()))


def iso_date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD") from None


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
