"""Statistical disclosure control for FOI tables: pure Python (pandas + numpy), no database.

A table arrives as numbers (one row per combination of its key columns) with a description of its
measures; it leaves with every cell either a number safe to publish or a GSS symbol:

- `c` suppressed. Primary: a count from 1 to threshold - 1; money based on 1 to threshold - 1 pupils
  (its `base` count). Secondary: every additive group is an equation (a total row along a key that
  has one, e.g. school_type = 'Total', or a column total such as reviews_held = on_time + late + ...);
  no equation may be left with exactly one unknown cell, no published total may leave its unknown
  parts adding up to a small number (1 to threshold - 1: they would all be shown to be small), and
  no unknown cell may be determined by any combination of the equations (checked by linear algebra
  on the unknowns). Extra cells are suppressed until all three hold: interior cells before totals,
  cells that also close another open group first, then the smallest non-zero cell big enough.
  Derived: an average or percentage is `c` when any cell it is computed from is `c` or its base is
  1 to threshold - 1, so a published rate can never give a suppressed count back.
- `x` not available, `z` not applicable: a cell with no value (the measure says which).
- `Nil` and `Not held`: from the row's record status (the ledger shows none / the data does not go
  back that far), so no cell is ever empty.

Zeros are published (a zero is not a small count). Tables published together with a different
suppression pattern could be differenced: response packs filter rows of the protected table, they
never re-protect a subset. The solver is `foi.suppressor`; tables published together are protected
and audited as one set by `foi.joint`.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .suppressor import DisclosureError, Suppressor

SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE = "c", "x", "z"
NIL, NOT_HELD = "Nil", "Not held"
SYMBOLS = {
    SUPPRESSED: "Suppressed to protect confidentiality: a count from 1 to {low}, money or an average based on "
                "fewer than {threshold} children, or a further cell hidden so that one cannot be worked out "
                "from the totals.",
    NOT_AVAILABLE: "Not available: the information is not collected or no source for it is configured.",
    NOT_APPLICABLE: "Not applicable: the figure cannot exist for this row (e.g. a percentage of nothing).",
    NIL: "Nil: the records cover this period and show none.",
    NOT_HELD: "Not held: the records do not go back to this period.",
}
KINDS = {"count", "money", "mean", "percent", "value", "published", "rate"}
PROTECTED = {"count", "money"}  # cells that can be suppressed and take part in additive groups
DERIVED = {"mean", "percent"}


@dataclass(frozen=True)
class Measure:
    name: str
    kind: str
    additive: bool = False
    base: str | None = None          # the count of children a money/mean/percent cell is based on
    inputs: tuple[str, ...] = ()     # the cells a mean/percent is computed from
    decimals: int | None = None
    missing: str = NOT_AVAILABLE     # the symbol for a cell with no value

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"measure {self.name}: kind {self.kind!r} is not one of {sorted(KINDS)}")
        if self.additive and self.kind not in PROTECTED:
            raise ValueError(f"measure {self.name}: only counts and money can be additive")
        if self.kind in DERIVED and not self.inputs:
            raise ValueError(f"measure {self.name}: a {self.kind} needs the inputs it is computed from")


@dataclass(frozen=True)
class Layout:
    keys: tuple[str, ...]                                    # the columns identifying a row
    measures: tuple[Measure, ...]
    totals: dict[str, str] = field(default_factory=dict)     # key -> label of its total row
    column_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (total column, part columns)
    status_column: str | None = None                         # 'held' | 'nil' | 'not_held'

    def measure(self, name: str) -> Measure:
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(name)


@dataclass
class Protected:
    frame: pd.DataFrame          # keys, other columns and measures as published (numbers or symbols)
    flags: pd.DataFrame          # per measure cell: '', 'primary', 'secondary', 'derived'
    equations: int
    threshold: int

    @property
    def stats(self) -> dict:
        values = self.flags.to_numpy().ravel()
        return {"cells": int(values.size), "primary": int((values == "primary").sum()),
                "secondary": int((values == "secondary").sum()), "derived": int((values == "derived").sum()),
                "additive_groups": self.equations}



# --- the equations --------------------------------------------------------------------------
def equations(frame: pd.DataFrame, layout: Layout) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every additive group as (cell ids, coefficients): +1 the total, -1 each part. Cell id = row * M + j."""
    names = [m.name for m in layout.measures]
    col = {n: j for j, n in enumerate(names)}
    n_m = len(names)
    additive = [m.name for m in layout.measures if m.additive]
    eqs: list[tuple[np.ndarray, np.ndarray]] = []
    keys = {k: frame[k].map(_key).to_numpy() for k in layout.keys}
    for dim, label in layout.totals.items():
        if dim not in keys:
            raise DisclosureError(f"total key {dim} is not a key column")
        others = [k for k in layout.keys if k != dim]
        groups: dict[tuple, list[int]] = defaultdict(list)
        totals: dict[tuple, list[int]] = defaultdict(list)
        for i in range(len(frame)):
            g = tuple(keys[k][i] for k in others)
            (totals if keys[dim][i] == _key(label) else groups)[g].append(i)
        for g, tot in totals.items():
            if len(tot) > 1:
                raise DisclosureError(f"{dim}: {len(tot)} total rows for one group {g}")
            parts = groups.get(g, [])
            for name in additive:
                j = col[name]
                cells = np.array([tot[0] * n_m + j] + [p * n_m + j for p in parts], dtype=np.int64)
                coefs = np.array([1.0] + [-1.0] * len(parts))
                eqs.append((cells, coefs))
    for total, parts in layout.column_groups:
        for name in (total, *parts):
            if not layout.measure(name).additive:
                raise DisclosureError(f"column group {total}: {name} must be an additive measure")
        for i in range(len(frame)):
            cells = np.array([i * n_m + col[total]] + [i * n_m + col[p] for p in parts], dtype=np.int64)
            eqs.append((cells, np.array([1.0] + [-1.0] * len(parts))))
    return eqs


def _key(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\x00null"
    return str(value)


def _check_adds_up(values: np.ndarray, eqs, layout: Layout) -> None:
    names = [m.name for m in layout.measures]
    for cells, coefs in eqs:
        v = values[cells]
        if np.isnan(v).any():
            continue
        gap = float(np.dot(coefs, v))
        if abs(gap) > 0.005 * len(cells) + 1e-9:
            raise DisclosureError(f"{names[cells[0] % len(names)]}: a total does not equal the sum of its parts "
                                  f"(difference {gap:g}); the table is described as additive where it is not")


def protect(frame: pd.DataFrame, layout: Layout, threshold: int, force=()) -> Protected:
    """The table as it may be published: numbers, `c` where disclosive, `x`/`z`/`Nil`/`Not held`.
    The same rows in any order give the same cells (they are worked in the order of their keys).
    `force`: (row, measure) cells to hide as well (secondary), e.g. because the same figure, or one it
    adds up with, is hidden in another table published together (`foi.joint.protect_together`)."""
    if threshold < 2:
        raise ValueError("the suppression threshold must be at least 2")
    frame = frame.reset_index(drop=True)
    if frame.duplicated(list(layout.keys)).any():
        raise DisclosureError(f"rows are not unique by {list(layout.keys)}")
    canonical = frame.assign(**{f"__{k}": frame[k].map(_key) for k in layout.keys})
    order = canonical.sort_values([f"__{k}" for k in layout.keys], kind="stable").index.to_numpy()
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    names = [m.name for m in layout.measures]
    forced = np.zeros(len(frame) * len(names), dtype=bool)
    for row, measure in force:
        forced[int(back[row]) * len(names) + names.index(measure)] = True
    result = _protect(frame.iloc[order].reset_index(drop=True), layout, threshold, forced)
    result.frame = result.frame.iloc[back].reset_index(drop=True)
    result.flags = result.flags.iloc[back].reset_index(drop=True)
    return result


def _protect(frame: pd.DataFrame, layout: Layout, threshold: int, forced: np.ndarray) -> Protected:
    names = [m.name for m in layout.measures]
    n, n_m = len(frame), len(names)
    numeric = {m.name: numbers(frame[m.name]) for m in layout.measures if m.kind not in ("published", "rate")}
    values = np.full(n * n_m, np.nan)
    protectable = np.zeros(n * n_m, dtype=bool)
    for j, m in enumerate(layout.measures):
        if m.kind in PROTECTED:
            values[j::n_m] = numeric[m.name]
            protectable[j::n_m] = True
    # primary
    primary = np.zeros(n * n_m, dtype=bool)
    for j, m in enumerate(layout.measures):
        if m.kind == "count":
            v = numeric[m.name]
            primary[j::n_m] = (v > 0) & (v < threshold)
        elif m.kind == "money" and m.base:
            b = numbers(frame[m.base])
            primary[j::n_m] = (b > 0) & (b < threshold)
    # secondary, block by block: equations never cross the keys that have no total (e.g. time_period)
    flag = np.zeros(n * n_m, dtype=np.int8)
    count_cols = {j for j, m in enumerate(layout.measures) if m.kind == "count"}
    n_eqs = 0
    block_keys = [k for k in layout.keys if k not in layout.totals]
    if not layout.totals and not layout.column_groups:
        blocks = {}  # no additive groups: primary suppression is all there is
    elif block_keys:
        blocks = frame.groupby(block_keys, sort=False, dropna=False).indices
    else:
        blocks = {(): np.arange(n)}
    forced = forced & ~primary & protectable & ~np.isnan(values)
    flag[forced] = 2
    flag[primary] = 1
    for rows in blocks.values():
        rows = np.asarray(rows)
        cells = (rows[:, None] * n_m + np.arange(n_m)[None, :]).ravel()
        eqs = equations(frame.iloc[rows].reset_index(drop=True), layout)
        v = values[cells]
        _check_adds_up(v, eqs, layout)
        nonneg = np.array([all(int(c) % n_m in count_cols for c in e) and (v[e][~np.isnan(v[e])] >= 0).all()
                           for e, _ in eqs], dtype=bool)
        sup = Suppressor(v, eqs, threshold, protectable[cells], nonneg)
        for c in np.flatnonzero(primary[cells]):
            sup.suppress(int(c), 1)
        for c in np.flatnonzero(forced[cells]):
            sup.suppress(int(c), 2)
        sup.run()
        flag[cells] = np.maximum(flag[cells], sup.flag)
        n_eqs += len(eqs)
    # derived, and the published frame
    out = frame.copy()
    flags = pd.DataFrame("", index=frame.index, columns=names, dtype=object)
    status = frame[layout.status_column].astype(object).to_numpy() if layout.status_column else np.array([None] * n)
    hidden = {(int(c) // n_m, int(c) % n_m) for c in np.flatnonzero(flag)}
    for j, m in enumerate(layout.measures):
        inputs = [names.index(x) for x in m.inputs]
        base_values = numbers(frame[m.base]) if m.base else None
        cells: list = []
        for i in range(n):
            if status[i] == "not_held":
                cells.append(NOT_HELD)
                continue
            if status[i] == "nil" and m.kind == "money":
                cells.append(NIL)
                continue
            if m.kind == "published":
                raw = frame.at[i, m.name]
                cells.append(m.missing if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw))
                continue
            if m.kind == "rate":
                cells.append(NOT_AVAILABLE if pd.isna(frame.at[i, m.name]) else _round(float(frame.at[i, m.name]), m))
                continue
            if (i, j) in hidden:
                flags.iat[i, j] = "primary" if flag[i * n_m + j] == 1 else "secondary"
                cells.append(SUPPRESSED)
                continue
            value = numeric[m.name][i]
            if m.kind in DERIVED:
                base = base_values[i] if base_values is not None else None
                if any((i, k) in hidden for k in inputs) or (base is not None and 0 < base < threshold):
                    flags.iat[i, j] = "derived"
                    cells.append(SUPPRESSED)
                    continue
            if np.isnan(value):
                cells.append(m.missing)
                continue
            cells.append(_round(value, m))
        out[m.name] = pd.Series(cells, index=frame.index, dtype=object)
    if layout.status_column:
        out = out.drop(columns=[layout.status_column])
    return Protected(out, flags, n_eqs, threshold)


def numbers(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series.astype(object).where(series.notna(), None), errors="coerce").to_numpy(dtype=float)


def _round(value: float, m: Measure):
    if m.kind == "count":
        return int(round(value))
    decimals = m.decimals if m.decimals is not None else {"money": 2, "mean": 1, "percent": 1}.get(m.kind, 2)
    if decimals == 0:
        return int(round(value))
    return round(value, decimals)


def attacks(values, eqs, unknown, bounded, threshold: int, name) -> list[str]:
    """A reader's attacks on a system of published sums: a sum with one hidden cell, a published count
    total whose hidden parts add up to a small number, a hidden cell solvable from the rest."""
    problems = []
    for (cells, coefs), bound in zip(eqs, bounded):
        unk = unknown[cells]
        if unk.sum() == 1:
            problems.append(f"{name(int(cells[0]))}: an additive group has exactly one hidden cell")
        if bound and unk.any() and not unk[0]:
            hidden = float(np.dot(-coefs[unk], values[cells[unk]]))
            if 0 < hidden < threshold:
                problems.append(f"{name(int(cells[0]))}: hidden parts of a published total add up to {hidden:g}")
    sup = Suppressor(values, eqs, threshold, np.ones(values.size, dtype=bool), np.zeros(len(eqs), dtype=bool))
    sup.unknown = unknown.copy()
    for c in sup.determined():
        if not np.isnan(values[c]):
            problems.append(f"{name(c)}: a hidden cell can be worked out from the totals")
    return problems


# --- the audit a reader's attack is checked against (used by tests and the export) --------------
def audit(published: pd.DataFrame, raw: pd.DataFrame, layout: Layout, threshold: int) -> list[str]:
    """Problems a reader could exploit in a published table: an empty cell, a small count shown, a group
    with exactly one `c`, a count group leaving its hidden parts summing to 1..threshold-1, or a `c`
    cell solvable from the published cells. Empty list = safe."""
    problems: list[str] = []
    published = published.reset_index(drop=True)
    raw = raw.reset_index(drop=True)
    names = [m.name for m in layout.measures]
    n_m = len(names)
    for col in published.columns:
        empty = published[col].isna() | (published[col].astype(str).str.strip() == "")
        if empty.any():
            problems.append(f"{col}: {int(empty.sum())} empty cells")
    for m in layout.measures:
        if m.kind == "count":
            shown = pd.to_numeric(published[m.name].where(~published[m.name].isin(list(SYMBOLS)), None), errors="coerce")
            small = (shown > 0) & (shown < threshold)
            if small.any():
                problems.append(f"{m.name}: {int(small.sum())} counts below {threshold} shown")
    values = np.full(len(raw) * n_m, np.nan)
    unknown = np.zeros(len(raw) * n_m, dtype=bool)
    for j, m in enumerate(layout.measures):
        if m.kind in PROTECTED:
            values[j::n_m] = numbers(raw[m.name])
            unknown[j::n_m] = (published[m.name].astype(str) == SUPPRESSED).to_numpy()
    eqs = equations(raw, layout)
    count_cols = {j for j, m in enumerate(layout.measures) if m.kind == "count"}
    bounded = [all(int(c) % n_m in count_cols for c in cells) for cells, _ in eqs]
    return problems + attacks(values, eqs, unknown, bounded, threshold, lambda c: f"{names[c % n_m]} (row {c // n_m})")
