"""The FOI table catalogue (include/foi/catalogue.yml): each table's metadata, SQL and disclosure layout."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..kernel.settings import PROJECT_ROOT, SQL_DIR
from .disclosure import Layout, Measure

CATALOGUE = PROJECT_ROOT / "include" / "foi" / "catalogue.yml"
FOI_SQL = SQL_DIR / "foi"
REFERENCE = PROJECT_ROOT / "include" / "reference"
PERIOD_TYPES = {
    "calendar_year": "Calendar year",
    "academic_year": "Academic year",
    "financial_year": "Financial year",
    "quarter": "Quarter (calendar year)",
}
TIME_IDENTIFIERS = {
    "calendar_year": {"Calendar year"},
    "academic_year": {"Academic year"},
    "financial_year": {"Financial year"},
    "quarter": {f"Calendar year Q{q}" for q in range(1, 5)},
}
GEOGRAPHY = ("geographic_level", "new_la_code", "old_la_code", "la_name")
_ID = re.compile(r"^[a-z][a-z0-9_]{1,60}$")


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    definition: str
    period_type: str
    source: str
    sheet: str
    keys: tuple[str, ...]
    measures: tuple[Measure, ...]
    attributes: tuple[str, ...] = ()
    totals: dict = field(default_factory=dict)
    column_groups: tuple = ()
    status_column: str | None = None
    geography: str = "la"
    requires: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()

    @property
    def sql_path(self) -> Path:
        return FOI_SQL / f"{self.id}.sql"

    @property
    def period_label(self) -> str:
        return PERIOD_TYPES[self.period_type]

    @property
    def layout(self) -> Layout:
        return Layout(keys=self.keys, measures=self.measures, totals=dict(self.totals),
                      column_groups=self.column_groups, status_column=self.status_column)

    @property
    def columns(self) -> list[str]:
        """The published column order: the DfE layout (time, geography, breakdowns, measures)."""
        time = ["time_period", "time_identifier"]
        geo = list(GEOGRAPHY) + (["region_name"] if self.geography == "comparison" else [])
        breakdowns = [k for k in self.keys if k not in time] + [a for a in self.attributes if a not in geo]
        return time + geo + breakdowns + [m.name for m in self.measures]


@dataclass(frozen=True)
class Catalogue:
    tables: tuple[Table, ...]
    helpers: tuple[str, ...]
    threshold: int
    first_financial_year: int

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(f"no FOI table {table_id!r}; the catalogue has: {', '.join(self.ids)}")

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.tables]


@lru_cache(maxsize=4)
def load(path: Path = CATALOGUE) -> Catalogue:
    import yaml

    raw = yaml.safe_load(path.read_text())
    defaults = raw.get("defaults", {})
    tables = tuple(_table(spec) for spec in raw["tables"])
    ids = [t.id for t in tables]
    if len(set(ids)) != len(ids):
        raise ValueError("catalogue: table ids must be unique")
    sheets = [t.sheet for t in tables]
    if len(set(sheets)) != len(sheets):
        raise ValueError("catalogue: sheet names must be unique")
    helpers = tuple(raw.get("helpers", []))
    for helper in helpers:
        if not _ID.match(helper) or not (FOI_SQL / f"{helper}.sql").exists():
            raise ValueError(f"catalogue: helper {helper!r} has no include/sql/foi/{helper}.sql")
    return Catalogue(tables, helpers, int(defaults.get("threshold", 5)), int(defaults.get("first_financial_year", 2014)))


def _table(spec: dict) -> Table:
    tid = spec["id"]
    if not _ID.match(tid):
        raise ValueError(f"catalogue: {tid!r} is not a valid table id")
    if spec["period_type"] not in PERIOD_TYPES:
        raise ValueError(f"{tid}: period_type must be one of {sorted(PERIOD_TYPES)}")
    if len(spec["sheet"]) > 31 or re.search(r"[\[\]:*?/\\]", spec["sheet"]):
        raise ValueError(f"{tid}: sheet name {spec['sheet']!r} is not a valid Excel sheet name")
    measures = tuple(
        Measure(name, m["kind"], bool(m.get("additive", False)), m.get("base"), tuple(m.get("inputs", ())),
                m.get("decimals"), m.get("missing", "x"))
        for name, m in spec["measures"].items()
    )
    names = {m.name for m in measures}
    for m in measures:
        for ref in (*m.inputs, *([m.base] if m.base else [])):
            if ref not in names:
                raise ValueError(f"{tid}.{m.name}: {ref} is not a measure of the table")
        if m.missing not in ("x", "z"):
            raise ValueError(f"{tid}.{m.name}: missing must be x or z")
    keys = tuple(spec["keys"])
    if keys[:2] != ("time_period", "time_identifier"):
        raise ValueError(f"{tid}: keys must start with time_period, time_identifier")
    for key in spec.get("totals", {}):
        if key not in keys:
            raise ValueError(f"{tid}: total over {key}, which is not a key")
    groups = tuple((g["total"], tuple(g["parts"])) for g in spec.get("column_groups", []))
    table = Table(
        id=tid, title=spec["title"].strip(), definition=" ".join(spec["definition"].split()),
        period_type=spec["period_type"], source=spec["source"].strip(), sheet=spec["sheet"], keys=keys,
        measures=measures, attributes=tuple(spec.get("attributes", ())), totals=dict(spec.get("totals", {})),
        column_groups=groups, status_column=spec.get("status_column"), geography=spec.get("geography", "la"),
        requires=tuple(spec.get("requires", ())), caveats=tuple(spec.get("caveats", ())),
    )
    if table.geography not in ("la", "comparison"):
        raise ValueError(f"{tid}: geography must be la or comparison")
    if not table.sql_path.exists():
        raise ValueError(f"{tid}: no SQL at include/sql/foi/{tid}.sql")
    return table
