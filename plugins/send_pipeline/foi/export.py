"""Publish the FOI tables: disclosure control, then tidy CSVs (DfE layout) and one workbook.

`publish()` reads foi.<id> from the warehouse and protects each table on the whole table; everything
written (the nightly set under SEND_OUTPUT_DIR/foi/, or a response pack under foi/requests/<ref>/)
comes from that protected frame. A response pack keeps rows of it (the period asked for): it never
re-protects a subset, which could hide different cells and let the two releases be differenced.
"""
from __future__ import annotations

import io
import logging
import math
import numbers
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ..kernel import files as landing
from ..kernel.safe_cells import csv_safe
from ..kernel.warehouse import Warehouse, ident
from . import catalogue as cat_mod
from .disclosure import SYMBOLS, Protected, audit, protect

log = logging.getLogger(__name__)

WORKBOOK = "foi_tables.xlsx"
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class Published:
    table: cat_mod.Table
    frame: pd.DataFrame | None          # the protected table in publication order (None: not available)
    status: str = "built"
    stats: dict = field(default_factory=dict)
    note: str = ""

    @property
    def available(self) -> bool:
        return self.frame is not None


@dataclass
class Release:
    """What one publication run produced: the as-at date, the LA, the protected tables."""
    as_at: date
    la_code: str
    la_name: str
    threshold: int
    tables: list[Published]
    produced_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))

    def totals(self) -> dict:
        keys = ("cells", "primary", "secondary", "derived")
        return {k: sum(p.stats.get(k, 0) for p in self.tables) for k in keys}


def publish(wh: Warehouse, threshold: int, table_ids: list[str] | None = None, run=None) -> Release:
    """Every (or the chosen) catalogue table from the warehouse, disclosure-controlled. With the run (the
    nightly and response packs), protected together with the public performance pack (foi.together):
    the same cells hidden in every table that shows them, and the audit run over the whole set."""
    catalogue = cat_mod.load()
    meta = wh.frame("SELECT * FROM foi.catalogue")
    if meta.empty:
        raise RuntimeError("foi.catalogue is empty: run build_tables first")
    status = dict(zip(meta.table_id, meta.status))
    ids = table_ids or catalogue.ids
    together = {}
    if run is not None:
        from .together import protect_published

        together = protect_published(wh, run, threshold)
    tables = []
    for tid in ids:
        table = catalogue.table(tid)
        if status.get(tid) != "built":
            tables.append(Published(table, None, status.get(tid, "not built"),
                                    note=f"Not available in this release: {status.get(tid, 'not built')}."))
            continue
        raw = _ordered(wh.frame(f"SELECT * FROM {ident('foi.' + tid)}"), table)
        protected = together.get(f"foi:{tid}") or protect(raw, table.layout, threshold)
        problems = audit(protected.frame, raw, table.layout, threshold)
        if problems:  # never publish a table the audit can attack
            raise RuntimeError(f"{tid}: disclosure audit failed: {problems[:5]}")
        tables.append(Published(table, _finish(protected, table), "built", protected.stats))
    first = meta.iloc[0]
    as_at = first.as_at.date() if isinstance(first.as_at, datetime) else first.as_at
    return Release(as_at, str(first.la_code), str(first.la_name), threshold, tables)


def _ordered(frame: pd.DataFrame, table: cat_mod.Table) -> pd.DataFrame:
    """Rows in reading order: period, then (benchmarking) comparator order, then breakdowns with Total first."""
    frame = frame.copy()
    sort_cols, keys = [], {}
    for col in ["time_period", "sort_order", *[k for k in table.keys if k not in ("time_period", "time_identifier")]]:
        if col in frame.columns:
            sort_cols.append(col)
            if col not in ("time_period", "sort_order"):
                label = table.totals.get(col)
                keys[col] = frame[col].map(lambda v, lab=label: (0 if v == lab else 1, _sortable(v)))
    if "time_identifier" in frame.columns:
        sort_cols.insert(1, "time_identifier")
    if not sort_cols:
        return frame.reset_index(drop=True)
    tmp = frame.assign(**{f"__{c}": keys[c] for c in keys})
    by = [f"__{c}" if c in keys else c for c in sort_cols]
    return tmp.sort_values(by, kind="stable").drop(columns=[f"__{c}" for c in keys]).reset_index(drop=True)


def _sortable(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (1, "")
    text = str(value)
    return (0, f"{int(text):012d}") if text.isdigit() else (0, text)


def _finish(protected: Protected, table: cat_mod.Table) -> pd.DataFrame:
    frame = protected.frame
    cols = table.columns
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise RuntimeError(f"{table.id}: the SQL does not give the catalogue's columns {missing}")
    out = frame[cols].copy()
    for col in cols:  # keys and descriptions: never an empty cell
        if col not in {m.name for m in table.measures}:
            out[col] = out[col].map(lambda v: "x" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
    return out


# --- cells ------------------------------------------------------------------------------------
def cell_text(value, measure=None) -> str:
    """A cell as written to CSV: symbols as they are, numbers in the measure's precision, never empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "x"
    if isinstance(value, str):
        return _tidy_number(value) if measure is not None and measure.kind == "published" else value
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        return str(int(value))
    number = float(value) if isinstance(value, (numbers.Real, Decimal)) else None
    if number is None:
        return str(value)
    decimals = measure.decimals if measure is not None else None
    if decimals is None and measure is not None:
        decimals = {"money": 2, "mean": 1, "percent": 1, "count": 0}.get(measure.kind)
    if decimals is None:  # keys, attributes, plain values: as the number is
        return str(int(number)) if number.is_integer() else f"{number:g}"
    return str(int(round(number))) if decimals == 0 else f"{number:.{decimals}f}"


def _tidy_number(text: str) -> str:
    """A published figure as the DfE writes it (no trailing '.0' from a computed average)."""
    return text[:-2] if _NUMBER.match(text) and text.endswith(".0") else text


def cell_value(value, measure=None):
    """A cell as written to the workbook: numbers as numbers (published text figures too), symbols as text."""
    text = cell_text(value, measure)
    if _NUMBER.match(text):
        return int(text) if "." not in text else float(text)
    return text


def csv_bytes(frame: pd.DataFrame, table: cat_mod.Table) -> bytes:
    measures = {m.name: m for m in table.measures}
    text = frame.copy()
    for col in text.columns:
        m = measures.get(col)
        text[col] = [cell_text(v, m) for v in text[col]]
    return csv_safe(text).to_csv(index=False, lineterminator="\n").encode("utf-8")


# --- writing ----------------------------------------------------------------------------------
def write_release(release: Release, folder: Path, workbook_name: str = WORKBOOK, title: str | None = None,
                  extra_cover: list[tuple[str, str]] | None = None) -> dict:
    """CSV per available table and the workbook into `folder` (owner-only files, written atomically)."""
    from .workbook import workbook_bytes

    landing.owner_only_dir(folder)
    written = []
    for p in release.tables:
        path = folder / f"{p.table.id}.csv"
        if not p.available:
            path.unlink(missing_ok=True)  # a stale file would look current
            continue
        landing.write_owner_only(path, csv_bytes(p.frame, p.table))
        written.append(path.name)
    landing.write_owner_only(folder / workbook_name, workbook_bytes(release, title=title, extra_cover=extra_cover))
    written.append(workbook_name)
    return {"folder": str(folder), "files": written}


def symbols_text(threshold: int) -> dict[str, str]:
    return {k: v.format(low=threshold - 1, threshold=threshold) for k, v in SYMBOLS.items()}


def csv_frame(data: bytes) -> pd.DataFrame:
    """Read an exported CSV back as text (tests, response packs)."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
