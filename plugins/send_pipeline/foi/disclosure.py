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
never re-protect a subset.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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


class DisclosureError(ValueError):
    """The table does not match its description (totals that do not add up, duplicate rows)."""


# --- the equations --------------------------------------------------------------------------
def _equations(frame: pd.DataFrame, layout: Layout) -> list[tuple[np.ndarray, np.ndarray]]:
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


# --- suppression ------------------------------------------------------------------------------
class _Suppressor:
    def __init__(self, values: np.ndarray, eqs, threshold: int, protectable: np.ndarray, nonneg: np.ndarray):
        self.v = values
        self.eqs = eqs
        self.t = threshold
        # hidden from the reader: only suppressed cells. A cell with no value (x, z, Not held) hides nothing:
        # it counts as a known zero, so it never stands in for a second suppression.
        self.unknown = np.zeros(values.size, dtype=bool)
        self.flag = np.zeros(values.size, dtype=np.int8)  # 1 primary, 2 secondary
        self.protectable = protectable
        self.nonneg = nonneg                      # equations whose cells are all counts (bounds apply)
        self.of_cell: dict[int, list[int]] = defaultdict(list)
        for e, (cells, _) in enumerate(eqs):
            for c in cells:
                self.of_cell[int(c)].append(e)
        self.is_total = np.zeros(values.size, dtype=np.int32)
        for cells, _ in eqs:
            self.is_total[cells[0]] += 1

    def suppress(self, cell: int, how: int) -> None:
        if not self.unknown[cell]:
            self.unknown[cell] = True
            self.flag[cell] = how

    def unknowns(self, e: int) -> np.ndarray:
        cells, _ = self.eqs[e]
        return cells[self.unknown[cells]]

    def _deficit(self, e: int) -> float:
        """For a count group whose total is published: how far its unknown parts' sum is below the threshold."""
        cells, coefs = self.eqs[e]
        if not self.nonneg[e] or self.unknown[cells[0]]:
            return 0.0
        unk = self.unknown[cells]
        if not unk.any():
            return 0.0
        hidden = float(np.nansum(-coefs[unk] * self.v[cells[unk]]))  # the parts' sum a reader can work out
        return self.t - hidden if 0 < hidden < self.t else 0.0

    def _open(self, e: int) -> bool:
        n = int(self.unknown[self.eqs[e][0]].sum())
        return n == 1 or self._deficit(e) > 0

    def widen(self, e: int) -> bool:
        """Suppress one more published cell of group e; False if it has none left."""
        cells, _ = self.eqs[e]
        known = [int(c) for c in cells if not self.unknown[c] and self.protectable[c] and not np.isnan(self.v[c])]
        if not known:
            return False
        deficit = self._deficit(e)

        def score(c: int):
            also_open = sum(1 for f in self.of_cell[c] if f != e and self._open(f))
            value = abs(self.v[c])
            # a zero cannot lift a small remainder: hiding the total does, so zeros go last then
            return (deficit > 0 and value == 0, -also_open, self.is_total[c], value == 0, value < deficit, value)

        self.suppress(min(known, key=score), 2)
        return True

    def close_groups(self) -> None:
        """Until no group has exactly one unknown cell or a small published remainder."""
        pending = set(range(len(self.eqs)))
        while pending:
            nxt = set()
            for e in sorted(pending):
                if self._open(e):
                    before = self.unknown.copy()
                    if not self.widen(e):
                        continue  # every cell is hidden already: the audit below decides
                    for c in np.flatnonzero(self.unknown != before):
                        nxt.update(self.of_cell[int(c)])
            pending = nxt

    def _components(self) -> list[list[int]]:
        """Groups of equations linked through their unknown cells (each can be solved on its own)."""
        eq_ids = [e for e in range(len(self.eqs)) if self.unknown[self.eqs[e][0]].any()]
        parent: dict[int, int] = {}

        def find(a: int) -> int:
            while parent.setdefault(a, a) != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for e in eq_ids:
            unk = self.unknowns(e)
            for c in unk[1:]:
                parent[find(int(c))] = find(int(unk[0]))
        components: dict[int, list[int]] = defaultdict(list)
        for e in eq_ids:
            components[find(int(self.unknowns(e)[0]))].append(e)
        return list(components.values())

    def _matrix(self, eqs: list[int]) -> tuple[np.ndarray, dict[int, int]]:
        cells = sorted({int(c) for e in eqs for c in self.unknowns(e)})
        index = {c: i for i, c in enumerate(cells)}
        a = np.zeros((len(eqs), len(cells)))
        for r, e in enumerate(eqs):
            c_all, coefs = self.eqs[e]
            for c, k in zip(c_all, coefs):
                if self.unknown[c]:
                    a[r, index[int(c)]] += k
        return a, index

    def _solvable(self, eqs: list[int]) -> list[int]:
        a, index = self._matrix(eqs)
        r, pivots = _rref(a, a.shape[1])
        cells = {i: c for c, i in index.items()}
        return [cells[p] for i, p in enumerate(pivots) if _alone(r[i, :a.shape[1]], p, pivots)]

    def determined(self) -> list[int]:
        """Unknown cells a reader could solve for exactly from the published cells and the groups."""
        out = []
        for eqs in self._components():
            out += self._solvable(eqs)
        return out

    def _component_of(self, cell: int) -> list[int]:
        return next(eqs for eqs in self._components() if any(cell in self.unknowns(e) for e in eqs))

    def _is_solvable(self, cell: int) -> bool:
        return cell in self._solvable(self._component_of(cell))

    def _break(self, cell: int) -> bool:
        """Hide one more cell so `cell` can no longer be solved for. Reducing [A | I] gives the combination
        of equations y that isolates the cell and the combinations that vanish (left null space); a published
        cell k breaks the solution when y touches it and no vanishing combination can cancel it. The likely
        ones are tried first, in the usual preference, and checked."""
        comp = self._component_of(cell)
        a, index = self._matrix(comp)
        n = a.shape[1]
        r, pivots = _rref(np.hstack([a, np.eye(len(comp))]), n)
        weights = r[pivots.index(index[cell]), n:]
        left_null = r[len(pivots):, n:]
        row = {e: i for i, e in enumerate(comp)}
        candidates = {int(c) for e, w in zip(comp, weights) if abs(w) > 1e-9
                      for c in self.eqs[e][0] if not self.unknown[c] and self.protectable[c] and not np.isnan(self.v[c])}
        if not candidates:
            return False

        def column(k: int) -> np.ndarray:
            col = np.zeros(len(comp))
            for e in self.of_cell[k]:
                if e in row:
                    cells, coefs = self.eqs[e]
                    col[row[e]] = coefs[list(cells).index(k)]
            return col

        def rank_of(k: int):
            col = column(k)
            likely = abs(weights @ col) > 1e-9 and (left_null.shape[0] == 0 or np.abs(left_null @ col).max() < 1e-9)
            return (not likely, self.is_total[k], self.v[k] == 0, abs(self.v[k]))

        ordered = sorted(candidates, key=rank_of)
        for k in ordered[:4]:
            self.unknown[k] = True
            if not self._is_solvable(cell):
                self.flag[k] = 2
                return True
            self.unknown[k] = False
        self.suppress(ordered[0], 2)  # still progress: the loop checks again
        return True

    def run(self) -> None:
        while True:
            self.close_groups()
            exposed = [c for c in self.determined() if not np.isnan(self.v[c])]
            if not exposed:
                return
            if not self._break(exposed[0]):
                raise DisclosureError("a suppressed cell can be worked out from the totals and no cell is left to "
                                      "hide: publish the table without its totals")


def _rref(a: np.ndarray, n: int, tol: float = 1e-9) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form, pivoting on the first n columns (any further columns ride along).
    Plain element-wise numpy, no LAPACK: the matrices are small and sparse, and a threaded BLAS only
    slows them down on a busy worker."""
    r = a.astype(float).copy()
    m = r.shape[0]
    pivots: list[int] = []
    row = 0
    for col in range(n):
        if row >= m:
            break
        p = row + int(np.argmax(np.abs(r[row:, col])))
        if abs(r[p, col]) < tol:
            continue
        if p != row:
            r[[row, p]] = r[[p, row]]
        r[row] /= r[row, col]
        factors = r[:, col].copy()
        factors[row] = 0.0
        hit = np.flatnonzero(np.abs(factors) > tol)
        if hit.size:
            r[hit] -= np.multiply.outer(factors[hit], r[row])
        pivots.append(col)
        row += 1
    return r, pivots


def _alone(row: np.ndarray, pivot: int, pivots: list[int]) -> bool:
    """A reduced row with nothing outside its pivot: that unknown is fixed by the equations."""
    rest = np.abs(row).copy()
    rest[pivot] = 0.0
    return bool(rest.max(initial=0.0) < 1e-9)


def protect(frame: pd.DataFrame, layout: Layout, threshold: int, force=()) -> Protected:
    """The table as it may be published: numbers, `c` where disclosive, `x`/`z`/`Nil`/`Not held`.
    The same rows in any order give the same cells (they are worked in the order of their keys).
    `force`: (row, measure) cells to hide as well (secondary), e.g. because the same figure, or one it
    adds up with, is hidden in another table published together (`protect_together`)."""
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
    numeric = {m.name: _numbers(frame[m.name]) for m in layout.measures if m.kind not in ("published", "rate")}
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
            b = _numbers(frame[m.base])
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
        eqs = _equations(frame.iloc[rows].reset_index(drop=True), layout)
        v = values[cells]
        _check_adds_up(v, eqs, layout)
        nonneg = np.array([all(int(c) % n_m in count_cols for c in e) and (v[e][~np.isnan(v[e])] >= 0).all()
                           for e, _ in eqs], dtype=bool)
        sup = _Suppressor(v, eqs, threshold, protectable[cells], nonneg)
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
        base_values = _numbers(frame[m.base]) if m.base else None
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


def _numbers(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series.astype(object).where(series.notna(), None), errors="coerce").to_numpy(dtype=float)


def _round(value: float, m: Measure):
    if m.kind == "count":
        return int(round(value))
    decimals = m.decimals if m.decimals is not None else {"money": 2, "mean": 1, "percent": 1}.get(m.kind, 2)
    if decimals == 0:
        return int(round(value))
    return round(value, decimals)


# --- tables published together ----------------------------------------------------------------
# A cell hidden in one table must not be worked out from another published beside it: the same figure
# shown there, or a sum across the tables (a year's total in one, its months or its parts in another).
# `facts` names the cells that are one figure in several tables (a key per (row, measure)); `links`
# are sums across tables (total fact, part facts). The whole set is then one system of equations: the
# tables' own groups with the shared cells merged, plus the links; suppression is closed over it and
# pushed back into every table holding the figure, until nothing changes.
@dataclass
class Part:
    frame: pd.DataFrame                       # the table's figures (as protect() takes them)
    layout: Layout
    facts: dict = field(default_factory=dict)  # (row, measure) -> a key naming the figure across tables


def _system(parts: dict[str, Part], links, hidden: dict[str, set]):
    """The union's unknowns: one variable per figure (shared cells merged when their values agree), the
    equations of every table and every link that holds on the figures, and which variables are hidden."""
    var: dict = {}
    values: list[float] = []
    protectable: list[bool] = []
    cell_var: dict[tuple, int] = {}
    eqs: list[tuple[np.ndarray, np.ndarray]] = []
    nonneg: list[bool] = []
    shown: list[bool] = []      # the figure is published in at least one table
    somewhere: list[bool] = []  # ... hidden in at least one
    for name, part in parts.items():
        measures = [m.name for m in part.layout.measures]
        n_m = len(measures)
        raw = part.frame.reset_index(drop=True)
        numeric = {m.name: _numbers(raw[m.name]) for m in part.layout.measures if m.kind in PROTECTED}
        for i in range(len(raw)):
            for j, m in enumerate(part.layout.measures):
                if m.kind not in PROTECTED:
                    continue
                value = float(numeric[m.name][i])
                key = part.facts.get((i, m.name))
                shared = key is not None and key in var and (values[var[key]] == value or
                                                             (np.isnan(value) and np.isnan(values[var[key]])))
                if shared:
                    v = var[key]
                else:
                    v = len(values)
                    values.append(value)
                    protectable.append(True)
                    shown.append(False)
                    somewhere.append(False)
                    if key is not None and key not in var:
                        var[key] = v
                cell_var[(name, i, m.name)] = v
                if (i, m.name) in hidden.get(name, ()):
                    somewhere[v] = True
                else:
                    shown[v] = True
        counts = {m.name for m in part.layout.measures if m.kind == "count"}
        for cells, coefs in _equations(raw, part.layout):
            mapped = np.array([cell_var[(name, int(c) // n_m, measures[int(c) % n_m])] for c in cells], dtype=np.int64)
            eqs.append((mapped, coefs))
            nonneg.append(all(measures[int(c) % n_m] in counts for c in cells))
    values_arr = np.array(values, dtype=float)
    for total, members in links:
        if total not in var or any(k not in var for k in members):
            continue
        cells = np.array([var[total]] + [var[k] for k in members], dtype=np.int64)
        v = values_arr[cells]
        if np.isnan(v).any() or abs(v[0] - v[1:].sum()) > 0.005 * len(cells) + 1e-9:
            continue  # not a sum in these figures (other definitions): nothing to work back
        eqs.append((cells, np.array([1.0] + [-1.0] * len(members))))
        nonneg.append(bool((v >= 0).all()))
    hidden_all = ~np.array(shown, dtype=bool)
    return (values_arr, np.array(protectable), eqs, np.array(nonneg, dtype=bool), hidden_all,
            np.array(somewhere, dtype=bool), cell_var)


def protect_together(parts: dict[str, Part], threshold: int, links=()) -> dict[str, Protected]:
    """Every table protected so that none gives away a cell hidden in another (see above)."""
    force: dict[str, set] = {name: set() for name in parts}
    for _ in range(50):
        protected = {name: protect(p.frame, p.layout, threshold, force=force[name]) for name, p in parts.items()}
        hidden = {name: _hidden(pr) for name, pr in protected.items()}
        values, protectable, eqs, nonneg, _, somewhere, cell_var = _system(parts, links, hidden)
        # a figure hidden in one table is hidden in every table showing it; then the union is closed
        sup = _Suppressor(values, eqs, threshold, protectable & ~np.isnan(values), nonneg)
        sup.unknown = somewhere.copy()
        sup.run()
        grown = False
        for (name, i, measure), v in cell_var.items():
            if sup.unknown[v] and (i, measure) not in hidden[name] and not np.isnan(values[v]):
                force[name].add((i, measure))
                grown = True
        if not grown:
            return protected
    raise DisclosureError("suppression across the tables published together did not settle")


def _hidden(protected: Protected) -> set:
    flags = protected.flags
    return {(int(i), col) for col in flags.columns
            for i in np.flatnonzero(((flags[col] == "primary") | (flags[col] == "secondary")).to_numpy())}


def audit_together(published: dict[str, pd.DataFrame], parts: dict[str, Part], threshold: int, links=()) -> list[str]:
    """The reader's attack on the whole set: every table's own audit, then the union's equations with the
    shared figures merged: no group with one hidden cell, no small hidden remainder, nothing solvable."""
    problems = [f"{name}: {p}" for name, part in parts.items()
                for p in audit(published[name], part.frame, part.layout, threshold) if "empty cells" not in p]
    hidden = {name: {(int(i), col) for col in published[name].columns if col in {m.name for m in part.layout.measures}
                     for i in np.flatnonzero(published[name][col].astype(str).to_numpy() == SUPPRESSED)}
              for name, part in parts.items()}
    values, _, eqs, nonneg, unknown, somewhere, cell_var = _system(parts, links, hidden)
    where: dict[int, tuple] = {}
    for key, v in cell_var.items():
        where.setdefault(v, key)
        if somewhere[v] and not unknown[v] and key[1:] not in hidden[key[0]]:
            problems.append(f"{key}: hidden in one table, shown in another")
    return problems + _attacks(values, eqs, unknown, nonneg, threshold, lambda v: str(where[v]))


def _attacks(values, eqs, unknown, bounded, threshold: int, name) -> list[str]:
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
    sup = _Suppressor(values, eqs, threshold, np.ones(values.size, dtype=bool), np.zeros(len(eqs), dtype=bool))
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
            values[j::n_m] = _numbers(raw[m.name])
            unknown[j::n_m] = (published[m.name].astype(str) == SUPPRESSED).to_numpy()
    eqs = _equations(raw, layout)
    count_cols = {j for j, m in enumerate(layout.measures) if m.kind == "count"}
    bounded = [all(int(c) % n_m in count_cols for c in cells) for cells, _ in eqs]
    return problems + _attacks(values, eqs, unknown, bounded, threshold, lambda c: f"{names[c % n_m]} (row {c // n_m})")
