"""`python -m send_pipeline check-source cms`: is a council's CMS (or its mapping views) ready for a first
night? A readiness report, read-only, before anything is loaded.

The contract is the CMS source's declaration (nightly/sources/cms.py, documented as views in
include/sql/cms/): each table (or view) and column found or missing, the column's type as the database
reports it, null and distinct counts, date ranges, key uniqueness, orphans (a child whose parent is not
in its parent table), and what the first night would quarantine: the real extract and validation
(nightly.extract.extract_source, nightly.validate.validate_source) run on a full refresh into a throwaway
owner-only folder and an empty DuckDB warehouse, and their verdicts are counted by column and reason
(no values: the quarantined rows stay in the throwaway folder, removed afterwards).

The contract is NOT met (exit code 1) when a table or a required column is missing or a key repeats.
Orphans and rows the first night would quarantine are reported, not failed: the night quarantines them
with a reason and loads the rest.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ..kernel.errors import SourceUnusable
from ..kernel.files import owner_only_dir
from ..kernel.run import Run
from ..kernel.settings import Settings, redact_url
from ..nightly.sources import cms
from ..nightly.sources.model import DATE, Entity

# child (entity, column) -> parent (entity, key column): the contract's foreign keys
PARENTS = {
    ("request", "person_id"): ("person", "person_id"),
    ("assessment", "request_id"): ("request", "request_id"),
    ("plan", "person_id"): ("person", "person_id"),
    ("plan", "assessment_id"): ("assessment", "assessment_id"),
    ("coordinator_assignment", "plan_id"): ("plan", "plan_id"),
    ("coordinator_assignment", "officer_id"): ("officer", "officer_id"),
    ("placement", "plan_id"): ("plan", "plan_id"),
    ("need", "plan_id"): ("plan", "plan_id"),
    ("consultation", "person_id"): ("person", "person_id"),
}


@dataclass
class ColumnReport:
    name: str
    found: bool
    required: bool
    type: str | None = None
    nulls: int | None = None
    distinct: int | None = None
    min: str | None = None
    max: str | None = None


@dataclass
class TableReport:
    entity: str
    table: str
    found: bool
    optional: bool
    rows: int | None = None
    columns: list[ColumnReport] = field(default_factory=list)
    key: tuple[str, ...] = ()
    duplicate_keys: int | None = None  # key values held by more than one row
    orphans: dict[str, int] = field(default_factory=dict)  # column -> rows whose parent is missing


@dataclass
class Readiness:
    cms: str  # the URL, password redacted
    tables: list[TableReport]
    problems: list[str]  # contract not met
    notes: list[str]  # reported, not failed
    first_night: dict | None = None  # entity -> {rows, quarantined, reasons: {column: {reason: n}}}

    @property
    def ready(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return dataclasses.asdict(self) | {"ready": self.ready}


def _q(conn, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def check_cms(cms_url: str, settings: Settings | None = None, preview: bool = True) -> Readiness:
    """The readiness report of the CMS at `cms_url` (any SQLAlchemy URL)."""
    problems, notes, reports = [], [], {}
    try:
        engine = sa.create_engine(cms_url, poolclass=sa.pool.NullPool)
        conn = engine.connect()
    except Exception as exc:  # a bad URL, a missing driver, a refused connection
        return Readiness(redact_url(cms_url), [], [f"cannot connect to the CMS ({type(exc).__name__})"], [])
    try:
        insp = sa.inspect(conn)
        present = {n.lower(): n for n in [*insp.get_table_names(), *insp.get_view_names()]}
        for entity in cms.SOURCE.entities:
            reports[entity.name] = _table(conn, insp, entity, present, problems)
        for (child, col), (parent, pkey) in PARENTS.items():
            c, p = reports[child], reports[parent]
            if not (c.found and p.found and _has(c, col) and _has(p, pkey)):
                continue
            n = _orphans(conn, present[c.table.lower()], col, present[p.table.lower()], pkey)
            c.orphans[col] = n
            if n:
                notes.append(f"{c.table}.{col}: {n} row(s) point at no {p.table} row (the first night quarantines them)")
    finally:
        conn.close()
        engine.dispose()
    report = Readiness(redact_url(cms_url), list(reports.values()), problems, notes)
    if preview and not problems:
        report.first_night = first_night(cms_url, settings)
    return report


def _has(t: TableReport, col: str) -> bool:
    return any(c.name == col and c.found for c in t.columns)


def _table(conn, insp, entity: Entity, present: dict, problems: list) -> TableReport:
    name = present.get(entity.origin.lower())
    report = TableReport(entity.name, entity.origin, name is not None, entity.optional, key=entity.key)
    if name is None:
        if not entity.optional:
            problems.append(f"table {entity.origin} is missing")
        return report
    cols = {c["name"].lower(): c for c in insp.get_columns(name)}
    t = _q(conn, name)
    report.rows = conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
    for col in entity.columns:
        found = cols.get(col.source.lower())
        cr = ColumnReport(col.source, found is not None, col.required)
        report.columns.append(cr)
        if found is None:
            if col.required:
                problems.append(f"{entity.origin}.{col.source}: column is missing")
            continue
        c = _q(conn, found["name"])
        cr.type = str(found["type"])
        parts = [f"COUNT(*) - COUNT({c})", f"COUNT(DISTINCT {c})"]
        if col.type == DATE:
            parts += [f"MIN({c})", f"MAX({c})"]
        row = conn.execute(sa.text(f"SELECT {', '.join(parts)} FROM {t}")).one()
        cr.nulls, cr.distinct = int(row[0]), int(row[1])
        if col.type == DATE:
            cr.min, cr.max = (None if v is None else str(v) for v in row[2:4])
    if all(_has(report, k) for k in entity.key):
        keys = ", ".join(_q(conn, cols[k.lower()]["name"]) for k in entity.key)
        report.duplicate_keys = int(conn.execute(sa.text(
            f"SELECT COUNT(*) FROM (SELECT {keys} FROM {t} GROUP BY {keys} HAVING COUNT(*) > 1) d")).scalar_one())
        if report.duplicate_keys:
            problems.append(f"{entity.origin}: key ({', '.join(entity.key)}) is not unique "
                            f"({report.duplicate_keys} value(s) held by more than one row)")
    return report


def _orphans(conn, child: str, col: str, parent: str, pkey: str) -> int:
    c, p = _q(conn, child), _q(conn, parent)
    return int(conn.execute(sa.text(
        f"SELECT COUNT(*) FROM {c} ch WHERE ch.{_q(conn, col)} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {p} pa WHERE pa.{_q(conn, pkey)} = ch.{_q(conn, col)})")).scalar_one())


def first_night(cms_url: str, settings: Settings | None = None) -> dict:
    """What a first (full-refresh) night would land and quarantine, per entity: the real extract and
    validation, into a throwaway owner-only folder and an empty DuckDB warehouse. The sources a night
    loads before the CMS (SOURCE_ORDER: the DfE release, GIAS, banding) are loaded first from the inbox,
    as the night would, since the CMS's checks look up schools (a URN must be in GIAS); one that cannot
    be loaded is named under `_before_cms`. Counts by column and reason only; the folder (with the
    quarantined rows) is removed afterwards."""
    from ..nightly.extract import extract_source
    from ..nightly.sources import SOURCE_ORDER
    from ..nightly.steps import run_source
    from ..nightly.validate import validate_source

    base = settings or Settings.resolve()
    work = Path(tempfile.mkdtemp(prefix="send_check_source_"))
    owner_only_dir(work)
    try:
        s = dataclasses.replace(base, cms_url=cms_url, warehouse_url=f"duckdb:///{work / 'warehouse.duckdb'}",
                                landing_dir=work / "landing", output_dir=work / "output", consortium=(),
                                consortium_level=False)
        run = Run(s, "check_source", date.today(), True)
        before = {}
        for source in SOURCE_ORDER[:SOURCE_ORDER.index("cms")]:
            try:
                run_source(source, run)
                before[source] = "loaded"
            except Exception as exc:  # noqa: BLE001 - reported: the CMS checks that need it will say so
                before[source] = f"not loaded ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        try:
            extract_source("cms", run)
            validate_source("cms", run)
        except SourceUnusable as exc:
            return {"unusable": str(exc)}
        out = {"_before_cms": before}
        for entity in cms.SOURCE.entities:
            v = json.loads((run.landing("cms", entity.name) / "validated.json").read_text())
            reasons: dict = {}
            for q in v.get("quarantine", []):
                col = q.get("column") or "(row)"
                reasons.setdefault(col, {})
                reason = str(q.get("reason") or q.get("expectation") or "quarantined")
                reasons[col][reason] = reasons[col].get(reason, 0) + 1
            out[entity.name] = {"rows": v.get("rows_extracted"), "quarantined": v.get("rows_quarantined"),
                                "warned": v.get("rows_warned"), "reasons": reasons}
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(report: Readiness) -> str:
    """The report as text for an officer (no values from the CMS, only names, types, counts and dates)."""
    lines = [f"CMS readiness: {report.cms}", ""]
    for t in report.tables:
        if not t.found:
            lines.append(f"{t.table}: MISSING" + (" (optional: read as empty)" if t.optional else ""))
            continue
        dup = "" if t.duplicate_keys is None else f", key ({', '.join(t.key)}) " + (
            "unique" if not t.duplicate_keys else f"NOT UNIQUE ({t.duplicate_keys} repeated)")
        orph = "".join(f", {n} orphan(s) in {c}" for c, n in t.orphans.items() if n)
        lines.append(f"{t.table}: {t.rows} rows{dup}{orph}")
        for c in t.columns:
            if not c.found:
                lines.append(f"  {c.name:<24} MISSING" + ("" if c.required else " (optional)"))
                continue
            rng = f", {c.min} .. {c.max}" if c.min or c.max else ""
            lines.append(f"  {c.name:<24} {c.type:<14} nulls {c.nulls}, distinct {c.distinct}{rng}")
    if report.first_night is not None:
        lines += ["", "First night (full refresh) would:"]
        if "unusable" in report.first_night:
            lines.append(f"  stop: {report.first_night['unusable']}")
        for source, state in report.first_night.get("_before_cms", {}).items():
            lines.append(f"  (loaded first, as a night does: {source} {state})")
        for name, f in report.first_night.items():
            if name in ("unusable", "_before_cms"):
                continue
            lines.append(f"  {name}: {f['rows']} rows, {f['quarantined']} quarantined, {f['warned']} warned")
            for col, reasons in f["reasons"].items():
                for reason, n in reasons.items():
                    lines.append(f"    {col}: {reason} ({n})")
    lines.append("")
    for n in report.notes:
        lines.append(f"NOTE: {n}")
    for p in report.problems:
        lines.append(f"PROBLEM: {p}")
    lines.append("READY: the CMS meets the contract" if report.ready else
                 f"NOT READY: {len(report.problems)} problem(s); fix them in the CMS or its mapping views (include/sql/cms/)")
    return "\n".join(lines)
