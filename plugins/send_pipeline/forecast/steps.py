"""The send_forecast DAG's step: read the history, fit, project with an interval, backtest, and write
the forecast marts (one scenario's rows, one transaction)."""
from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np
import pandas as pd

from ..kernel.run import Run
from . import backtest, history, marts
from . import model as M
from .assumptions import Assumptions

log = logging.getLogger(__name__)

# the ledger's provision type (staging.school_provision) each setting group's cost is read from;
# early years settings and 'other' (no school, NEET, educated elsewhere) have no pupil-level spend line
PROVISION = {"mainstream": "mainstream", "special": "la_special", "independent": "independent_or_nonmaintained",
             "post_16": "post_16", "alternative_provision": "alternative_provision"}
SPECIAL = M.SETTINGS.index("special")


def financial_year(census_year: int) -> str:
    """The financial year holding a January census day: January 2027 is in 2026-27."""
    return f"{census_year - 1}-{census_year % 100:02d}"


def _bounds(runs: np.ndarray, interval: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - interval) / 2
    return np.quantile(runs, tail, axis=0), np.quantile(runs, 1 - tail, axis=0)


BREAKDOWNS = {"total": (), "setting_group": ("setting_group",), "need": ("need_code",), "ncy": ("ncy",),
              "cell": ("need_code", "setting_group", "ncy")}
_AXES = {"need_code": 0, "setting_group": 1, "ncy": 2}


def _grouped(cube: np.ndarray, keys: tuple[str, ...]) -> np.ndarray:
    """A [..., need, setting, ncy] cube summed over the dimensions not in `keys`."""
    drop = tuple(cube.ndim - 3 + _AXES[k] for k in _AXES if k not in keys)
    return cube.sum(axis=drop) if drop else cube


def _labels(keys: tuple[str, ...]) -> list[dict]:
    values = {"need_code": M.NEEDS, "setting_group": M.SETTINGS, "ncy": M.NCYS}
    grid = [{}]
    for k in ("need_code", "setting_group", "ncy"):
        if k in keys:
            grid = [{**g, k: v} for g in grid for v in values[k]]
    return grid


def plans_frame(hist: M.History, central, joins, runs, run_joins, base_year: int, a: Assumptions) -> pd.DataFrame:
    """marts.forecast_plans: recorded years and projected years at every breakdown."""
    rows = []
    for breakdown, keys in BREAKDOWNS.items():
        labels = _labels(keys)
        for i, year in enumerate(hist.years):
            counts = _grouped(hist.counts[i], keys).reshape(-1)
            new = _grouped(hist.joiners[i - 1], keys).reshape(-1) if i else np.full(len(labels), np.nan)
            for lab, c, j in zip(labels, counts, new):
                if breakdown == "cell" and not c:
                    continue
                rows.append({**lab, "census_year": year, "years_ahead": year - base_year, "kind": "recorded",
                             "breakdown": breakdown, "plans": c, "plans_lower": c, "plans_upper": c,
                             "new_plans": j, "new_plans_lower": j, "new_plans_upper": j})
        mean, new = _grouped(central, keys).reshape(len(central), -1), _grouped(joins, keys).reshape(len(central), -1)
        low, high = (b.reshape(len(central), -1) for b in _bounds(_grouped(runs, keys), a.interval))
        jlow, jhigh = (b.reshape(len(central), -1) for b in _bounds(_grouped(run_joins, keys), a.interval))
        for k in range(len(central)):
            for i, lab in enumerate(labels):
                if breakdown == "cell" and not mean[k, i] and not high[k, i]:  # a state no child can reach
                    continue
                rows.append({**lab, "census_year": base_year + k + 1, "years_ahead": k + 1, "kind": "projected",
                             "breakdown": breakdown, "plans": mean[k, i], "plans_lower": low[k, i],
                             "plans_upper": high[k, i], "new_plans": new[k, i], "new_plans_lower": jlow[k, i],
                             "new_plans_upper": jhigh[k, i]})
    frame = pd.DataFrame(rows)
    frame["ncy"] = frame["ncy"].astype("Int64") if "ncy" in frame else pd.array([None] * len(frame), dtype="Int64")
    return frame


def places_frame(hist: M.History, central, runs, base_year: int, places: dict, a: Assumptions) -> pd.DataFrame:
    """marts.forecast_places: plans in state special schools against the LA's special school places."""
    rows = []
    recorded = hist.counts[:, :, SPECIAL, :].sum(axis=(1, 2))
    for year, value in zip(hist.years, recorded):
        rows.append({"census_year": year, "years_ahead": year - base_year, "kind": "recorded", "special_plans": value,
                     "special_plans_lower": value, "special_plans_upper": value,
                     "places": places["places"] if year == base_year else None})
    demand = runs[:, :, :, SPECIAL, :].sum(axis=(2, 3))  # [run, year]
    low, high = _bounds(demand, a.interval)
    capacity = places["places"] + a.additional_places
    mean = central[:, :, SPECIAL, :].sum(axis=(1, 2))
    for k in range(len(central)):
        rows.append({"census_year": base_year + k + 1, "years_ahead": k + 1, "kind": "projected",
                     "special_plans": mean[k], "special_plans_lower": low[k], "special_plans_upper": high[k],
                     "places": capacity, "p_demand_exceeds_places": float((demand[:, k] > capacity).mean())})
    frame = pd.DataFrame(rows)
    frame["special_schools"] = places["special_schools"]
    frame["shortfall"] = frame["special_plans"] - frame["places"]
    return frame


def cost_per_plan(hist: M.History, spend: pd.DataFrame) -> tuple[int | None, dict[str, float]]:
    """The observed yearly cost of a plan in each setting group: the latest complete financial year's
    spend on the matching provision type over the plans in those groups on that year's census day."""
    years = sorted(set(spend["financial_year"]) & {financial_year(y) for y in hist.years})
    if not years:
        return None, {}
    fy = years[-1]
    census = int(fy[:4]) + 1
    by_setting = hist.counts[hist.years.index(census)].sum(axis=(0, 2))
    plans_by_type: dict[str, float] = {}
    for group, ptype in PROVISION.items():
        plans_by_type[ptype] = plans_by_type.get(ptype, 0) + by_setting[M.SETTINGS.index(group)]
    amounts = spend[spend["financial_year"] == fy].set_index("provision_type")["amount"]
    out = {}
    for group, ptype in PROVISION.items():
        if plans_by_type[ptype] and ptype in amounts:
            out[group] = float(amounts[ptype]) / plans_by_type[ptype]
    return census, out


def cost_frame(hist: M.History, central, runs, base_year: int, spend: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """marts.forecast_cost: projected high-needs cost (plans x observed cost per plan, with inflation)."""
    census, per_plan = cost_per_plan(hist, spend)
    rows = []
    for fy, amount in spend.groupby("financial_year")["amount"].sum().items():
        rows.append({"census_year": int(fy[:4]) + 1, "financial_year": fy, "kind": "recorded", "breakdown": "total",
                     "cost": amount, "cost_lower": amount, "cost_upper": amount})
    if census is None:
        return pd.DataFrame(rows, columns=list(marts.COLUMNS["marts.forecast_cost"]))
    rate = np.array([per_plan.get(s, 0.0) for s in M.SETTINGS])
    by_setting_runs = runs.sum(axis=(2, 4))  # [run, year, setting]
    by_setting = central.sum(axis=(1, 3))  # [year, setting]
    for k in range(len(central)):
        year = base_year + k + 1
        factor = (1 + a.cost_inflation) ** (year - census)
        costs = by_setting_runs[:, k, :] * rate * factor
        low, high = _bounds(costs, a.interval)
        tlow, thigh = _bounds(costs.sum(axis=1), a.interval)
        for s, group in enumerate(M.SETTINGS):
            if group not in per_plan:
                continue
            rows.append({"census_year": year, "financial_year": financial_year(year), "kind": "projected",
                         "breakdown": "setting_group", "setting_group": group, "provision_type": PROVISION[group],
                         "plans": by_setting[k, s], "cost_per_plan": rate[s] * factor,
                         "cost": by_setting[k, s] * rate[s] * factor, "cost_lower": low[s], "cost_upper": high[s]})
        rows.append({"census_year": year, "financial_year": financial_year(year), "kind": "projected",
                     "breakdown": "total", "plans": by_setting[k].sum(), "cost": float((by_setting[k] * rate).sum() * factor),
                     "cost_lower": tlow, "cost_upper": thigh})
    return pd.DataFrame(rows)


def forecast(inputs: history.Inputs, a: Assumptions) -> dict:
    """Everything the marts hold, from the warehouse's inputs and the assumptions (no I/O)."""
    clock = time.perf_counter()
    full = M.history_from(inputs.census)
    hist = M.settled(full, a.first_year)
    fitted = M.fit(hist, a.rate_years, a.growth)
    central, joins = M.expected(fitted, a.years, a.new_plans_to_mainstream)
    runs, run_joins = M.simulate(fitted, a.years, a.simulations, a.seed, a.new_plans_to_mainstream)
    seconds = {"model": time.perf_counter() - clock}
    clock = time.perf_counter()
    errors, summary = backtest.run(hist, a.rate_years, a.growth)
    seconds["backtest"] = time.perf_counter() - clock
    clock = time.perf_counter()
    base = hist.years[-1]
    result = {
        "history": hist, "fitted": fitted, "base_year": base, "errors": errors,
        "marts.forecast_plans": plans_frame(hist, central, joins, runs, run_joins, base, a),
        "marts.forecast_places": places_frame(hist, central, runs, base, inputs.places, a),
        "marts.forecast_cost": cost_frame(hist, central, runs, base, inputs.spend, a),
        "marts.forecast_backtest": summary,
    }
    seconds["summarise"] = time.perf_counter() - clock
    result["seconds"] = seconds
    return result


def run_forecast(params: dict | None, var, run: Run) -> dict:
    """The DAG's step: the forecast as at the marts' date for the scenario in `params` (blank: the
    baseline from the SEND_FORECAST_* settings), written to the forecast marts."""
    from ..foi import catalogue as cat_mod
    from ..foi.build import ensure_marts

    started = time.perf_counter()
    assumptions = Assumptions.resolve(var).with_scenario(params)
    as_at = ensure_marts(run, cat_mod.load())
    run = dataclasses.replace(run, as_at=as_at)
    wh = run.warehouse()
    try:
        marts.ensure(wh)
        clock = time.perf_counter()
        inputs = history.read(wh, run)
        read_seconds = time.perf_counter() - clock
        if inputs.census.empty:
            raise ValueError("no EHC plan is active on any January census day in the warehouse: nothing to forecast "
                             "(has send_nightly loaded the CMS?)")
        result = forecast(inputs, assumptions)
        frames = {}
        for table in marts.TABLES:
            frame = result[table].copy()
            frame["scenario"], frame["as_at"], frame["la_code"] = assumptions.scenario, as_at, run.settings.checked_la_code
            if "base_year" in marts.COLUMNS[table]:
                frame["base_year"] = result["base_year"]
            frames[table] = frame
        clock = time.perf_counter()
        written = marts.write(wh, frames, assumptions.scenario)
        seconds = {"read": read_seconds, **result["seconds"], "write": time.perf_counter() - clock}
    finally:
        wh.dispose()
    plans = frames["marts.forecast_plans"]
    totals = plans[(plans.breakdown == "total") & (plans.kind == "projected")]
    summary = {
        "scenario": assumptions.scenario, "as_at": as_at.isoformat(), "base_year": result["base_year"],
        "fitted_from": result["history"].years[0], "children_without_dob": result["history"].unaged,
        "plans": {int(r.census_year): [round(r.plans_lower), round(r.plans), round(r.plans_upper)] for r in totals.itertuples()},
        "backtest": backtest.verdict(result["marts.forecast_backtest"]),
        "rows": written, "stages": {k: round(v, 2) for k, v in seconds.items()},
        "seconds": round(time.perf_counter() - started, 2),
    }
    log.info("forecast (%s) from census %s: %s in %.1f s", assumptions.scenario, result["base_year"], summary["plans"],
             summary["seconds"])
    return summary
