"""What a source declaration says, and nothing else: the types every `sources/<source>.py` fills in.

A `Source` is one system or export the nightly run reads. Its declaration is the one place that says
how it is read and landed, how often it arrives, what entities it holds and how they load; the DAG's
task groups, extract, validation, load, the health view's freshness and the run summary are computed
from it. An `Entity` is one table of the conformed model (`core.<name>`, GX suite
`expectations/<name>.json`). Column names on the left are the source's own
(shared/contracts/sources.md); on the right the warehouse's. `required` source columns must exist or
the source is stopped; any other column a real export adds is carried into the raw landing and
ignored by the load.

Load modes:
- `upsert`: rows replace earlier versions with the same key (CMS tables with `updated_at`; ledger).
- `snapshot`: the extract is the whole table and replaces it (CMS tables without `updated_at`, GIAS,
  banding rates).
- `by_file`: rows from a file replace the rows loaded earlier from a file of the same name, then the
  key de-duplicates across files (review tracker workbooks, re-sent during the year).
- `text_table`: a published table whose columns vary by release, kept as text and replaced whole in
  `ref.<name>` (the DfE release).

A *staged* entity (`feeds` set: the SEN2 returns) is checked with the suite of the core entity it feeds
and loads `by_file` into `staging.<name>`, one return's rows replacing that return's earlier rows; the
merge (onboarding/merge.py) then writes the winning rows into `core.<feeds>`. The core entities a
return can feed (`FED_BY_RETURNS`) carry `return_file` and `return_year`: NULL on the CMS's and the
trackers' own rows, so a CMS snapshot, full refresh or deletion scan touches only its own rows.

This module imports nothing heavy: the DAG files read the declarations at parse time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

TYPES = ("int", "text", "code", "label", "date", "timestamp", "flag", "amount", "decimal", "fy")
READERS = ("cms", "inbox_files", "dfe_release", "sen2_returns")  # nightly/extract/: how a source is read
LANDING = ("incremental", "newest_file", "new_files", "newest_release")  # what one night lands
# the core entities the SEN2 returns feed (each row says which return and collection year it came from)
FED_BY_RETURNS = frozenset({"person", "request", "assessment", "plan", "placement", "need", "review"})
RETURN_LINEAGE = (("return_file", "text"), ("return_year", "int"))


@dataclass(frozen=True)
class Column:
    source: str
    name: str
    type: str  # one of TYPES (the value parser: nightly/validate/parsers.py)
    required: bool = True  # must exist in the source (a missing one stops the source)
    not_null: bool = False  # a row without a value is quarantined (parse stage)


@dataclass(frozen=True)
class Derived:
    """A column computed at conform from typed columns: `fn(*values of inputs)` per row (both
    validation paths call it once per distinct input, so it must be a pure function of its inputs)."""
    name: str
    type: str
    inputs: tuple[str, ...]
    fn: Callable


@dataclass(frozen=True)
class Entity:
    name: str  # also the GX suite name and the core table name
    source: str  # the declaring Source's name
    origin: str  # CMS table, or file pattern in the inbox
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    load: str  # upsert | snapshot | by_file | text_table
    updated_at: str | None = None  # CMS column used for incremental extracts
    pseudonym: str | None = None  # column to derive a keyed hash from (person_key / officer_key)
    derived: tuple[Derived, ...] = field(default=())  # columns added at conform
    key_set: str | None = None  # suite parameter listing this entity's keys (children's foreign keys check it)
    suite: str | None = None  # GX suite, when not the entity's own (expectations/<suite>.json)
    sheet: str | None = None  # workbook sheet, for .xlsx origins
    optional: bool = False  # a CMS table not every system has (a module the LA may not license): absent = empty
    feeds: str | None = None  # a staged entity: the core entity its rows are merged into (staging.<name>)

    @property
    def table(self) -> str:
        if self.feeds:
            return f"staging.{self.name}"
        return f"ref.{self.name}" if self.load == "text_table" else f"core.{self.name}"

    @property
    def suite_name(self) -> str:
        return self.suite or self.feeds or self.name

    @property
    def extra(self) -> tuple[tuple[str, str], ...]:
        return tuple((d.name, d.type) for d in self.derived)

    def model_columns(self) -> list[tuple[str, str]]:
        cols = [(c.name, c.type) for c in self.columns] + list(self.extra)
        if self.pseudonym:
            cols.append((f"{self.pseudonym.split('_')[0]}_key", "text"))
        cols += [("source_file", "text"), ("source_row", "int"), ("run_id", "text")]
        if self.name in FED_BY_RETURNS and not self.feeds and self.table.startswith("core."):
            cols += list(RETURN_LINEAGE)
        # Lineage: the LA whose system the row came from. GIAS rows already carry `la_code` (the school's own LA).
        return cols if any(c.name == "la_code" for c in self.columns) else cols + [("la_code", "text")]


@dataclass(frozen=True)
class Source:
    name: str  # the DAG's task group, ops.run_log.source, asset send_core_<name>
    reader: str  # one of READERS
    landing: str  # one of LANDING
    entities: tuple[Entity, ...]
    freshness_hours: float | None = None  # how old it may get before it alerts (None: nightly, SEND_FRESHNESS_HOURS)
    about: str = ""
    by_default: bool = True  # run when SEND_SOURCES is not set (False: only when SEND_SOURCES names it)

    def __post_init__(self):
        assert self.reader in READERS and self.landing in LANDING, self
        for e in self.entities:
            assert e.source == self.name and all(c.type in TYPES for c in e.columns), e.name


def C(source: str, name: str | None = None, type: str = "text", **kw) -> Column:  # noqa: N802
    return Column(source, name or source, type, **kw)


FLAG, DATE, INT, CODE = "flag", "date", "int", "code"
