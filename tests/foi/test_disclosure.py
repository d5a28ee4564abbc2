"""Disclosure control, without a database: no published cell reveals a count below the threshold,
directly or by subtraction. The attacker here is written independently of the module: it rebuilds
every additive group from the table itself and asks numpy's matrix rank whether a hidden cell can be
solved for from the published ones."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from send_pipeline.foi.disclosure import NIL, NOT_HELD, SUPPRESSED, DisclosureError, Layout, Measure, audit, protect



# --- an independent attacker -----------------------------------------------------------------------
def groups(frame: pd.DataFrame, layout: Layout) -> list[list[tuple[int, str, float]]]:
    """Every additive group as [(row, column, coefficient)]: the total +1, its parts -1."""
    out = []
    additive = [m.name for m in layout.measures if m.additive]
    records = frame[list(layout.keys)].astype(str).to_dict("records")
    for dim, label in layout.totals.items():
        others = [k for k in layout.keys if k != dim]
        by_group: dict[tuple, tuple[list, list]] = {}
        for i, rec in enumerate(records):
            tot, parts = by_group.setdefault(tuple(rec[k] for k in others), ([], []))
            (tot if rec[dim] == label else parts).append(i)
        for tot, parts in by_group.values():
            for col in additive:
                for t in tot:
                    out.append([(t, col, 1.0)] + [(p, col, -1.0) for p in parts])
    for total, parts in layout.column_groups:
        for i in range(len(frame)):
            out.append([(i, total, 1.0)] + [(i, p, -1.0) for p in parts])
    return out


def attack(published: pd.DataFrame, raw: pd.DataFrame, layout: Layout, threshold: int) -> list[str]:
    """What a reader can find: small counts shown, groups with one hidden cell, hidden cells solvable."""
    published, raw = published.reset_index(drop=True), raw.reset_index(drop=True)
    free = [k for k in layout.keys if k not in layout.totals]  # no group spans two values of these (e.g. years)
    if not layout.totals or not free or len(raw) < 50:
        return _attack(published, raw, layout, threshold)
    found = []
    for _, rows in raw.groupby(free, dropna=False).groups.items():
        found += _attack(published.loc[rows], raw.loc[rows], layout, threshold)
    return found


def _attack(published: pd.DataFrame, raw: pd.DataFrame, layout: Layout, threshold: int) -> list[str]:
    found = []
    published, raw = published.reset_index(drop=True), raw.reset_index(drop=True)
    cells = {c: published[c].tolist() for c in published.columns}
    # only `c` hides a value: x, z, Nil and Not held cells have none to find (and so protect nothing)
    hidden = {(i, c) for c, values in cells.items() for i, v in enumerate(values) if v == "c"}
    for m in layout.measures:
        if m.kind == "count":
            for i, v in enumerate(cells[m.name]):
                if not isinstance(v, str) and 0 < v < threshold:
                    found.append(f"small count shown: {m.name} row {i} = {v}")
    eqs = groups(raw, layout)
    unknown = sorted({(i, c) for eq in eqs for i, c, _ in eq if (i, c) in hidden})
    for eq in eqs:
        n = sum((i, c) in hidden for i, c, _ in eq)
        if n == 1:
            found.append(f"a group with exactly one hidden cell: {eq[0][:2]}")
    if unknown:
        index = {cell: k for k, cell in enumerate(unknown)}
        rows = []
        for eq in eqs:
            row = np.zeros(len(unknown))
            for i, c, coef in eq:
                if (i, c) in index:
                    row[index[(i, c)]] += coef
            if row.any():
                rows.append(row)
        if rows:
            # a hidden cell is solvable when every solution of the groups gives it the same value: its
            # coordinate is zero in every direction of the null space (numpy's SVD, not the module's code)
            a = np.array(rows)
            _, s, vt = np.linalg.svd(a)
            rank = int((s > 1e-9).sum())
            null = vt[rank:]
            for cell, k in index.items():
                if null.shape[0] == 0 or np.abs(null[:, k]).max() < 1e-7:
                    found.append(f"hidden cell solvable from the totals: {cell}")
    return found


# --- random tables ------------------------------------------------------------------------------------
def cube(rng, dims: list[int], years: int = 2, fill: float = 0.75) -> tuple[pd.DataFrame, Layout]:
    names = [f"d{i}" for i in range(len(dims))]
    levels = [[f"{n}_{j}" for j in range(k)] for n, k in zip(names, dims)]
    rows = []
    for y in range(years):
        interior = {c: int(rng.choice([0, 1, 2, 3, 4, 5, 7, 9, 15, 40, 120])) for c in itertools.product(*levels)
                    if rng.random() < fill}
        for mask in itertools.product([False, True], repeat=len(dims)):
            sums: dict = {}
            for combo, v in interior.items():
                key = tuple("Total" if m else c for m, c in zip(mask, combo))
                sums[key] = sums.get(key, 0) + v
            rows += [{"time_period": 2020 + y, **dict(zip(names, k)), "n": v} for k, v in sums.items()]
    layout = Layout(keys=("time_period", *names), measures=(Measure("n", "count", additive=True),),
                    totals={n: "Total" for n in names})
    return pd.DataFrame(rows), layout


def partitioned(rng, types: int, years: int = 3) -> tuple[pd.DataFrame, Layout]:
    """Rows with a Total, a column partition (all = a + b + c), a percentage, money with its children."""
    rows = []
    for y in range(years):
        parts = []
        for t in range(types):
            a, b, c = (int(rng.choice([0, 1, 2, 3, 6, 11, 30])) for _ in range(3))
            children = int(rng.choice([0, 1, 2, 4, 5, 8, 20]))
            money = round(float(rng.uniform(100, 5000)) * children, 2)
            parts.append({"time_period": 2020 + y, "kind": f"type_{t}", "all": a + b + c, "a": a, "b": b, "c": c,
                          "children": children, "amount": money})
        total = {k: sum(p[k] for p in parts) for k in ("all", "a", "b", "c", "children", "amount")}
        rows += [{"time_period": 2020 + y, "kind": "Total", **total}, *parts]
    frame = pd.DataFrame(rows)
    frame["pct_a"] = (100 * frame["a"] / frame["all"].where(frame["all"] > 0)).round(1)
    frame["avg"] = (frame["amount"] / frame["children"].where(frame["children"] > 0)).round(2)
    layout = Layout(
        keys=("time_period", "kind"),
        measures=(Measure("all", "count", True), Measure("a", "count", True), Measure("b", "count", True),
                  Measure("c", "count", True), Measure("pct_a", "percent", inputs=("a", "all"), missing="z"),
                  Measure("children", "count", True), Measure("amount", "money", True, base="children"),
                  Measure("avg", "mean", inputs=("amount", "children"), base="children", missing="z")),
        totals={"kind": "Total"}, column_groups=(("all", ("a", "b", "c")),))
    return frame, layout


@pytest.mark.parametrize("seed", range(4))
def test_no_random_table_reveals_a_small_count(seed):
    rng = np.random.default_rng(seed)
    for _ in range(20):
        dims = [int(rng.integers(2, 6)) for _ in range(int(rng.integers(1, 4)))]
        raw, layout = cube(rng, dims)
        threshold = int(rng.choice([3, 5, 10]))
        published = protect(raw, layout, threshold).frame
        assert attack(published, raw, layout, threshold) == [], (dims, threshold)
        assert audit(published, raw, layout, threshold) == []


@pytest.mark.parametrize("seed", range(4))
def test_partitions_money_and_rates_are_protected_together(seed):
    rng = np.random.default_rng(100 + seed)
    for _ in range(25):
        raw, layout = partitioned(rng, int(rng.integers(2, 7)))
        result = protect(raw, layout, 5)
        published = result.frame
        assert attack(published, raw, layout, 5) == []
        for i in published.index:
            hidden = lambda col: published.at[i, col] == SUPPRESSED  # noqa: E731,B023
            if hidden("a") or hidden("all"):
                assert hidden("pct_a")           # a rate never gives a hidden count back
            if 0 < raw.at[i, "children"] < 5:
                assert hidden("amount") and hidden("avg")  # money based on fewer than 5 children
            if hidden("children") or hidden("amount"):
                assert hidden("avg")
        assert not published.isna().any().any()


def test_one_dimension_by_hand():
    raw = pd.DataFrame({"time_period": 2024, "school_type": ["Total", "Mainstream", "Special", "Independent"],
                        "n": [40, 3, 25, 12]})
    layout = Layout(keys=("time_period", "school_type"), measures=(Measure("n", "count", additive=True),),
                    totals={"school_type": "Total"})
    result = protect(raw, layout, 5)
    # 3 is primary; the smallest other part that lifts the hidden remainder to 5 or more is 12 (not 25)
    assert result.frame.n.tolist() == [40, "c", 25, "c"]
    assert result.flags.n.tolist() == ["", "primary", "", "secondary"]
    assert result.stats["primary"] == 1 and result.stats["secondary"] == 1


def test_zeros_are_shown_and_a_hidden_remainder_below_the_threshold_is_widened():
    raw = pd.DataFrame({"time_period": 2024, "k": ["Total", "a", "b", "c", "d"], "n": [24, 1, 2, 0, 21]})
    layout = Layout(keys=("time_period", "k"), measures=(Measure("n", "count", additive=True),), totals={"k": "Total"})
    out = protect(raw, layout, 5).frame.n.tolist()
    # 1 and 2 are primary; hidden together they sum to 3 < 5, which would show both are small: 21 goes too
    assert out == [24, "c", "c", 0, "c"]


def test_statuses_and_missing_values_never_leave_an_empty_cell():
    raw = pd.DataFrame({"time_period": [201819, 201920, 202021], "time_identifier": "Financial year",
                        "spend_type": "Agency staff", "record_status": ["not_held", "nil", "held"],
                        "amount": [None, 0.0, 1234.5], "suppliers": [None, 0, 2]})
    layout = Layout(keys=("time_period", "time_identifier", "spend_type"),
                    measures=(Measure("amount", "money", decimals=2), Measure("suppliers", "value")),
                    status_column="record_status")
    out = protect(raw, layout, 5).frame
    assert out.amount.tolist() == [NOT_HELD, NIL, 1234.5]
    assert out.suppliers.tolist() == [NOT_HELD, 0, 2]
    assert "record_status" not in out.columns


def test_a_table_whose_totals_do_not_add_up_is_refused():
    raw = pd.DataFrame({"time_period": 2024, "k": ["Total", "a", "b"], "n": [10, 3, 4]})
    layout = Layout(keys=("time_period", "k"), measures=(Measure("n", "count", additive=True),), totals={"k": "Total"})
    with pytest.raises(DisclosureError, match="does not equal the sum"):
        protect(raw, layout, 5)


def test_duplicate_rows_are_refused():
    raw = pd.DataFrame({"time_period": 2024, "k": ["a", "a"], "n": [10, 3]})
    with pytest.raises(DisclosureError, match="not unique"):
        protect(raw, Layout(keys=("time_period", "k"), measures=(Measure("n", "count"),)), 5)


def test_the_audit_catches_a_naive_suppression():
    raw = pd.DataFrame({"time_period": 2024, "k": ["Total", "a", "b"], "n": [30, 3, 27]})
    layout = Layout(keys=("time_period", "k"), measures=(Measure("n", "count", additive=True),), totals={"k": "Total"})
    naive = raw.astype(object).copy()
    naive.loc[1, "n"] = "c"  # primary only: 3 = 30 - 27
    assert audit(naive, raw, layout, 5) and attack(naive, raw, layout, 5)
    assert audit(protect(raw, layout, 5).frame, raw, layout, 5) == []


def test_same_input_same_output():
    rng = np.random.default_rng(7)
    raw, layout = cube(rng, [4, 3, 3])
    a, b = protect(raw, layout, 5), protect(raw.sample(frac=1, random_state=1), layout, 5)
    key = list(layout.keys)
    left = a.frame.sort_values(key).reset_index(drop=True)
    right = b.frame.sort_values(key).reset_index(drop=True)
    assert left.equals(right) or (left.astype(str) == right.astype(str)).all().all()
