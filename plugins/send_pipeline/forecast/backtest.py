"""The backtest: fit on the history up to a census year Y, project Y+1..Y+3, compare with what the
warehouse recorded, for every Y the history allows; the error (MAPE) of total plans and of plans in each
setting group, for the forecast and two simple baselines (last year's count; a straight line through the
last three years)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .model import SETTINGS, History, expected, fit

HORIZONS = (1, 2, 3)
METHODS = ("forecast", "last_year", "linear_trend")
TREND_YEARS = 3


def measures(counts: np.ndarray) -> dict[str, np.ndarray]:
    """total_plans and each setting group's plans from counts [..., need, setting, ncy]."""
    by_setting = counts.sum(axis=(-3, -1))
    out = {"total_plans": by_setting.sum(axis=-1)}
    out.update({s: by_setting[..., i] for i, s in enumerate(SETTINGS)})
    return out


def baseline(series: np.ndarray, horizon: int, method: str) -> float:
    """last_year: the latest count; linear_trend: the least-squares line through the last 3 years."""
    if method == "last_year":
        return float(series[-1])
    y = series[-TREND_YEARS:]
    slope, intercept = np.polyfit(np.arange(len(y), dtype=float), y, 1)
    return float(max(intercept + slope * (len(y) - 1 + horizon), 0.0))


def origins(history: History, rate_years: int) -> list[int]:
    """Census years a backtest can start from: enough pairs behind it to fit, at least a year after it."""
    first = history.years[0] + max(rate_years, TREND_YEARS - 1)
    return [y for y in history.years if first <= y < history.years[-1]]


def run(history: History, rate_years: int = 3, growth: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(errors per origin, horizon, measure and method; MAPE per method, horizon and measure)."""
    rows = []
    actual = measures(history.counts)
    for origin in origins(history, rate_years):
        past = history.upto(origin)
        horizon_max = min(max(HORIZONS), history.years[-1] - origin)
        projected = measures(expected(fit(past, rate_years, growth), horizon_max)[0])
        k = history.years.index(origin)
        for h in range(1, horizon_max + 1):
            for name, series in actual.items():
                truth = float(series[k + h])
                guesses = {"forecast": float(projected[name][h - 1]),
                           "last_year": baseline(series[:k + 1], h, "last_year"),
                           "linear_trend": baseline(series[:k + 1], h, "linear_trend")}
                for method, guess in guesses.items():
                    rows.append({"origin": origin, "horizon": h, "measure": name, "method": method,
                                 "actual": truth, "projected": guess,
                                 "ape": abs(guess - truth) / truth * 100 if truth else np.nan})
    errors = pd.DataFrame(rows, columns=["origin", "horizon", "measure", "method", "actual", "projected", "ape"])
    if errors.empty:
        return errors, pd.DataFrame(columns=["method", "horizon", "measure", "mape", "folds", "first_origin", "last_origin"])
    summary = (errors.dropna(subset=["ape"]).groupby(["method", "horizon", "measure"], sort=False)
               .agg(mape=("ape", "mean"), folds=("origin", "nunique"), first_origin=("origin", "min"),
                    last_origin=("origin", "max")).reset_index())
    summary["mape"] = summary["mape"].round(2)
    return errors, summary


def verdict(summary: pd.DataFrame) -> list[str]:
    """Plain sentences: for each measure and horizon, whether the forecast beat both baselines."""
    lines = []
    wide = summary.pivot_table(index=["measure", "horizon"], columns="method", values="mape")
    for (measure, horizon), row in wide.iterrows():
        if row.isna().any():
            continue
        best = min(row["last_year"], row["linear_trend"])
        beaten = row["forecast"] < best
        lines.append(f"{measure}, {horizon} year{'s' if horizon > 1 else ''} ahead: forecast {row['forecast']:.1f}% "
                     f"against last year {row['last_year']:.1f}% and linear trend {row['linear_trend']:.1f}%: "
                     + ("beats both." if beaten else "does NOT beat " + (
                         "either" if row["forecast"] >= max(row["last_year"], row["linear_trend"]) else
                         ("last year" if row["last_year"] <= row["forecast"] else "the linear trend")) + "."))
    return lines
