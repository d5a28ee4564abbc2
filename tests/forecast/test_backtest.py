"""The backtest's baselines and errors worked by hand, and the assumptions as settings and scenarios."""
from __future__ import annotations

import numpy as np
import pytest

from send_pipeline.forecast import backtest as B
from send_pipeline.forecast import model as M
from send_pipeline.forecast.assumptions import Assumptions


def test_baselines_by_hand():
    series = np.array([5.0, 10.0, 12.0, 14.0])
    assert B.baseline(series, 1, "last_year") == 14 and B.baseline(series, 3, "last_year") == 14
    # the line through the last three years only (10, 12, 14): 16 next year, 18 the year after
    assert B.baseline(series, 1, "linear_trend") == pytest.approx(16)
    assert B.baseline(series, 2, "linear_trend") == pytest.approx(18)
    assert B.baseline(np.array([30.0, 20.0, 10.0]), 2, "linear_trend") == 0  # never below no plans


def _history(totals: list[float]) -> M.History:
    years = list(range(2020, 2020 + len(totals)))
    counts = np.zeros((len(years), len(M.NEEDS), len(M.SETTINGS), len(M.NCYS)))
    counts[:, 0, 0, 10] = totals  # everyone ASD, mainstream, NCY 7 (no transitions recorded)
    shape = counts.shape[1:]
    return M.History(years, counts, np.zeros((len(years) - 1,) + shape + (len(M.SETTINGS) + 1,)),
                     np.zeros((len(years) - 1,) + shape))


def test_mape_of_the_baselines_by_hand():
    """Census 2020-2024 with 100, 110, 120, 130, 150 plans; rates from 3 pairs, so the only origin is 2023.
    One year ahead: last year 130 against 150 recorded = 13.33%; the trend through 110, 120, 130 gives 140,
    6.67%. Total and mainstream are the same series; the other groups recorded no plans (no error)."""
    _, summary = B.run(_history([100, 110, 120, 130, 150]), rate_years=3)
    rows = summary.set_index(["method", "horizon", "measure"])
    assert rows.loc[("last_year", 1, "total_plans"), "mape"] == pytest.approx(13.33)
    assert rows.loc[("linear_trend", 1, "total_plans"), "mape"] == pytest.approx(6.67)
    assert rows.loc[("linear_trend", 1, "mainstream"), "mape"] == pytest.approx(6.67)
    assert rows.loc[("forecast", 1, "total_plans"), "folds"] == 1
    assert set(summary.measure) == {"total_plans", "mainstream"}  # a group with no plans has no error to average
    assert set(summary.horizon) == {1}  # one year of history after the origin


def test_backtest_origins_and_a_steady_state():
    """A steady state (30 children in each NCY 0-5, each year the oldest leave and 30 join at NCY 0):
    the baselines are exact; the forecast, from the same transitions, is within 1%."""
    years = list(range(2016, 2023))
    shape = (len(M.NEEDS), len(M.SETTINGS), len(M.NCYS))
    counts = np.zeros((len(years),) + shape)
    counts[:, 0, 0, M.NCYS.index(0):M.NCYS.index(6)] = 30
    moves = np.zeros((len(years) - 1,) + shape + (len(M.SETTINGS) + 1,))
    moves[:, 0, 0, M.NCYS.index(0):M.NCYS.index(5), 0] = 30
    moves[:, 0, 0, M.NCYS.index(5), M.LEAVE] = 30
    joiners = np.zeros((len(years) - 1,) + shape)
    joiners[:, 0, 0, M.NCYS.index(0)] = 30
    h = M.History(years, counts, moves, joiners)
    assert B.origins(h, 3) == [2019, 2020, 2021]
    _, summary = B.run(h, 3)
    rows = summary.set_index(["method", "horizon", "measure"])["mape"]
    assert rows[("last_year", 1, "total_plans")] == 0 and rows[("linear_trend", 3, "total_plans")] == 0
    assert rows[("forecast", 1, "total_plans")] < 1 and rows[("forecast", 3, "total_plans")] < 1
    assert any("does NOT beat" in line for line in B.verdict(summary))  # exact baselines cannot be beaten: it says so


def test_assumptions_from_settings(monkeypatch):
    assert Assumptions.resolve() == Assumptions()  # the defaults
    monkeypatch.setenv("SEND_FORECAST_RATE_YEARS", "4")
    monkeypatch.setenv("SEND_FORECAST_JOINER_GROWTH", "0.05")
    a = Assumptions.resolve(var=lambda name: {"SEND_FORECAST_COST_INFLATION": "0.02",
                                              "SEND_FORECAST_RATE_YEARS": "2"}.get(name))
    assert (a.rate_years, a.growth, a.cost_inflation) == (4, 0.05, 0.02)  # env first, then the Variable
    monkeypatch.setenv("SEND_FORECAST_YEARS", "five")
    with pytest.raises(ValueError, match="SEND_FORECAST_YEARS must be a int, not 'five'"):
        Assumptions.resolve()
    monkeypatch.setenv("SEND_FORECAST_YEARS", "40")
    with pytest.raises(ValueError, match="years must be 1 to 10, not 40"):
        Assumptions.resolve()


def test_scenarios():
    base = Assumptions()
    s = base.with_scenario({"scenario": "mainstream_10", "new_plans_to_mainstream": "0.1", "joiner_growth": ""})
    assert (s.scenario, s.new_plans_to_mainstream, s.joiner_growth) == ("mainstream_10", 0.1, "trend")
    with pytest.raises(ValueError, match="needs a name"):
        base.with_scenario({"new_plans_to_mainstream": 0.1})
    with pytest.raises(ValueError, match="unknown forecast scenario parameter 'population'"):
        base.with_scenario({"scenario": "x", "population": 3})
    with pytest.raises(ValueError, match="scenario must be a short lower-case name"):
        base.with_scenario({"scenario": "x'; drop table marts.person; --"})
    with pytest.raises(ValueError, match="joiner_growth must be 'trend' or a yearly rate"):
        base.with_scenario({"scenario": "x", "joiner_growth": "fast"})
    with pytest.raises(ValueError, match="new_plans_to_mainstream must be a share"):
        base.with_scenario({"scenario": "x", "new_plans_to_mainstream": 10})
