"""The suppression solver behind `foi.disclosure`: numbers and equations only (numpy), no tables.

`Suppressor` takes every protectable cell as one value, every additive group as an equation (cell ids,
coefficients) and closes suppression over them: no equation left with exactly one unknown, no published
count total whose unknown parts add up to 1..threshold-1, no unknown determined by any combination of
the equations (reduced row echelon form on the unknowns). `foi.disclosure` builds the equations of one
table; `foi.joint` the equations of several tables published together.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np


class DisclosureError(ValueError):
    """The table does not match its description (totals that do not add up, duplicate rows)."""



# --- the solver ------------------------------------------------------------------------------
class Suppressor:
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
        r, pivots = rref(a, a.shape[1])
        cells = {i: c for c, i in index.items()}
        return [cells[p] for i, p in enumerate(pivots) if alone(r[i, :a.shape[1]], p, pivots)]

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
        r, pivots = rref(np.hstack([a, np.eye(len(comp))]), n)
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


def rref(a: np.ndarray, n: int, tol: float = 1e-9) -> tuple[np.ndarray, list[int]]:
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


def alone(row: np.ndarray, pivot: int, pivots: list[int]) -> bool:
    """A reduced row with nothing outside its pivot: that unknown is fixed by the equations."""
    rest = np.abs(row).copy()
    rest[pivot] = 0.0
    return bool(rest.max(initial=0.0) < 1e-9)
