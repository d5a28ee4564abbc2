"""Disclosure control across tables published together (the FOI tables and the public pack).

`foi.disclosure` protects and audits one table; here the set is one system: the same figure shown in two
tables is one unknown, sums across tables are equations too, and suppression is closed over the union
and pushed back into every table until it settles. `foi.together` names the shared figures and sums.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .disclosure import PROTECTED, SUPPRESSED, Layout, Protected, attacks, audit, equations, numbers, protect
from .suppressor import DisclosureError, Suppressor


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
        numeric = {m.name: numbers(raw[m.name]) for m in part.layout.measures if m.kind in PROTECTED}
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
        for cells, coefs in equations(raw, part.layout):
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
        sup = Suppressor(values, eqs, threshold, protectable & ~np.isnan(values), nonneg)
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
    return problems + attacks(values, eqs, unknown, nonneg, threshold, lambda v: str(where[v]))
