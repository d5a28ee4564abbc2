"""The transition model on hand-made histories: counts, transitions and joiners read from census rows,
the smoothed rates worked by hand, the projection stepped by hand, the simulation around it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from send_pipeline.forecast import model as M

A = {n: i for i, n in enumerate(M.NEEDS)}
S = {s: i for i, s in enumerate(M.SETTINGS)}


def a(ncy: int) -> int:
    return ncy - M.NCY_MIN


def rows(*records) -> pd.DataFrame:
    return pd.DataFrame(records, columns=["census_year", "person_id", "need_code", "setting_group", "ncy"])


TINY = rows(
    (2020, 1, "ASD", "mainstream", 5), (2020, 2, "ASD", "mainstream", 5), (2020, 3, "SLD", "special", 10),
    (2020, 4, "ASD", "mainstream", 20),
    (2021, 1, "ASD", "mainstream", 6), (2021, 2, "ASD", "special", 6), (2021, 5, "SEMH", "mainstream", 2),
)


def test_history_counts_movers_leavers_and_joiners():
    h = M.history_from(TINY)
    assert h.years == [2020, 2021]
    assert h.counts[0, A["ASD"], S["mainstream"], a(5)] == 2 and h.counts[0].sum() == 4 and h.counts[1].sum() == 3
    moves = h.moves[0]
    assert moves[A["ASD"], S["mainstream"], a(5), S["mainstream"]] == 1  # stayed
    assert moves[A["ASD"], S["mainstream"], a(5), S["special"]] == 1  # a mover
    assert moves[A["SLD"], S["special"], a(10), M.LEAVE] == 1  # a leaver
    assert moves[A["ASD"], S["mainstream"], a(20), M.LEAVE] == 1  # aged out at 25
    assert moves.sum() == 4  # every child of 2020 has an outcome
    assert h.joiners[0][A["SEMH"], S["mainstream"], a(2)] == 1 and h.joiners[0].sum() == 1


def test_unknown_codes_missing_needs_and_no_date_of_birth():
    h = M.history_from(rows((2020, 1, None, "mainstream", 3), (2020, 2, "XYZ", "somewhere", 3),
                            (2020, 3, "ASD", "mainstream", None), (2020, 4, "ASD", "mainstream", -9),
                            (2020, 5, "ASD", "mainstream", 30)))
    assert h.counts[0, A["NR"], S["mainstream"], a(3)] == 1  # no need recorded
    assert h.counts[0, A["OTH"], S["other"], a(3)] == 1  # codes the model does not know fall into 'other'
    assert h.unaged == 1 and h.counts.sum() == 4  # no date of birth: left out, and counted
    assert h.counts[0, A["ASD"], S["mainstream"], 0] == 1 and h.counts[0, A["ASD"], S["mainstream"], -1] == 1  # clipped


def test_a_gap_in_the_census_years_is_refused():
    with pytest.raises(ValueError, match="not consecutive"):
        M.history_from(rows((2020, 1, "ASD", "mainstream", 3), (2022, 1, "ASD", "mainstream", 5)))


def test_smoothed_rates_worked_by_hand():
    """Cell (ASD, mainstream, NCY 5): one stayed, one moved to special, none left. By hand, with prior
    weight 2: NCY 5 leaving (0 + 0.5) / (2 + 1) = 1/6; mainstream stayers' destinations (1, 1) plus the
    self-move prior 1 = (2/3, 1/3); broad = (5/9, 5/18, leave 1/6); the setting x NCY level (1, 1, 0) +
    2 x broad, normalised = (19/36, 14/36, 3/36); the cell (1, 1, 0) + 2 x that = (37/18, 32/18, 1/6)
    out of 4: rates 37/72, 32/72 and 3/72."""
    fitted = M.fit(M.history_from(TINY), rate_years=1)
    rates = fitted.rates[A["ASD"], S["mainstream"], a(5)]
    expected = np.zeros(len(M.SETTINGS) + 1)
    expected[[S["mainstream"], S["special"], M.LEAVE]] = [37 / 72, 32 / 72, 3 / 72]
    assert rates == pytest.approx(expected)
    assert fitted.alpha[A["ASD"], S["mainstream"], a(5)].sum() == pytest.approx(4.0)
    # at NCY 20 every plan ends (age 25), whatever the history says
    assert (fitted.rates[:, :, -1, M.LEAVE] == 1).all()
    # every cell's rates are a distribution
    assert fitted.rates.sum(axis=-1) == pytest.approx(np.ones(fitted.rates.shape[:-1]))


def test_joiner_trend_compounds():
    level, growth, sd = M._joiner_trend(np.array([100.0, 110.0, 121.0]))
    assert level == pytest.approx(121.0) and growth == pytest.approx(0.10)
    assert sd == M.MIN_GROWTH_SD  # the same growth both years: the floor
    assert M._joiner_trend(np.array([50.0])) == (50.0, 0.0, 0.10)  # one pair: flat, wide


def _fitted(start: np.ndarray, level: float = 4.0, growth: float = 0.5, sd: float = 0.0) -> M.Fitted:
    """Rates by hand: mainstream 0.8 stay, 0.1 to special, 0.1 leave; special 0.9 stay, 0.1 leave;
    joiners all SEMH, mainstream, NCY 0."""
    rates = np.zeros(start.shape + (len(M.SETTINGS) + 1,))
    rates[..., M.LEAVE] = 1.0
    mainstream = np.zeros(len(M.SETTINGS) + 1)
    mainstream[[S["mainstream"], S["special"], M.LEAVE]] = [0.8, 0.1, 0.1]
    special = np.zeros(len(M.SETTINGS) + 1)
    special[[S["special"], M.LEAVE]] = [0.9, 0.1]
    rates[:, S["mainstream"]] = mainstream
    rates[:, S["special"]] = special
    mix = np.zeros(start.shape)
    mix[A["SEMH"], S["mainstream"], a(0)] = 1.0
    return M.Fitted(2025, start, rates * 1e6, mix * 1e6, level, growth, sd, 3)


def test_projection_stepped_by_hand():
    start = np.zeros((len(M.NEEDS), len(M.SETTINGS), len(M.NCYS)))
    start[A["ASD"], S["mainstream"], a(5)] = 10
    plans, joins = M.expected(_fitted(start), 2)
    y1, y2 = plans
    assert y1[A["ASD"], S["mainstream"], a(6)] == pytest.approx(8)
    assert y1[A["ASD"], S["special"], a(6)] == pytest.approx(1)
    assert y1[A["SEMH"], S["mainstream"], a(0)] == pytest.approx(6)  # 4 x 1.5: the year after the base
    assert y1.sum() == pytest.approx(15)
    # year 2: 6.4 ASD mainstream, 0.8 + 0.9 ASD special, 4.8 + 0.6 SEMH aged on, 9 new SEMH (4 x 1.5^2)
    assert y2[A["ASD"], S["mainstream"], a(7)] == pytest.approx(6.4)
    assert y2[A["ASD"], S["special"], a(7)] == pytest.approx(1.7)
    assert y2[A["SEMH"], S["mainstream"], a(1)] == pytest.approx(4.8)
    assert y2[A["SEMH"], S["special"], a(1)] == pytest.approx(0.6)
    assert y2.sum() == pytest.approx(22.5)
    assert joins.sum(axis=(1, 2, 3)) == pytest.approx([6, 9])


def test_plans_end_at_ncy_20():
    start = np.zeros((len(M.NEEDS), len(M.SETTINGS), len(M.NCYS)))
    start[A["ASD"], S["mainstream"], a(20)] = 5
    fitted = _fitted(start, level=0.0)
    fitted.alpha[:, :, -1, :] = 0
    fitted.alpha[:, :, -1, S["mainstream"]] = 1  # even rates saying 'stay' cannot keep a 25-year-old
    assert M.expected(fitted, 1)[0].sum() == 0


def test_scenario_keeps_new_plans_in_mainstream():
    mix = np.zeros((len(M.NEEDS), len(M.SETTINGS), len(M.NCYS)))
    mix[A["ASD"], S["special"], a(1)] = 0.4
    mix[A["ASD"], S["independent"], a(1)] = 0.1
    mix[A["ASD"], S["mainstream"], a(1)] = 0.5
    out = M.shifted_mix(mix, 0.10)
    assert out[A["ASD"], S["special"], a(1)] == pytest.approx(0.36)
    assert out[A["ASD"], S["independent"], a(1)] == pytest.approx(0.09)
    assert out[A["ASD"], S["mainstream"], a(1)] == pytest.approx(0.55)
    assert out.sum() == pytest.approx(1.0) and M.shifted_mix(mix, 0.0) is mix


def test_records_build_up_is_left_out():
    years = list(range(2012, 2019))
    counts = np.zeros((len(years), len(M.NEEDS), len(M.SETTINGS), len(M.NCYS)))
    counts[:, 0, 0, 5] = [2, 10, 17, 408, 1330, 1914, 2056]  # the generated LA's first years
    h = M.History(years, counts, np.zeros((6,) + counts.shape[1:] + (8,)), np.zeros((6,) + counts.shape[1:]))
    assert M.settled(h).years == [2017, 2018]  # 2017: +44% on 2016, the last year growing over 25%
    assert M.settled(h, 2015).years[0] == 2015
    with pytest.raises(ValueError, match="no census 2030"):
        M.settled(h, 2030)


def test_simulation_centres_on_the_expected_value_and_repeats_with_its_seed():
    start = np.zeros((len(M.NEEDS), len(M.SETTINGS), len(M.NCYS)))
    start[A["ASD"], S["mainstream"], a(5)] = 400
    fitted = _fitted(start, level=100.0, growth=0.05, sd=0.02)
    central = M.expected(fitted, 3)[0].sum(axis=(1, 2, 3))
    runs, joins = M.simulate(fitted, 3, 400, seed=1)
    totals = runs.sum(axis=(2, 3, 4))
    assert totals.mean(axis=0) == pytest.approx(central, rel=0.01)
    low, high = np.quantile(totals, [0.05, 0.95], axis=0)
    assert (low < central).all() and (central < high).all() and (np.diff(high - low) > 0).all()  # the fan widens
    again, _ = M.simulate(fitted, 3, 400, seed=1)
    assert (again == runs).all()
    assert joins.sum(axis=(2, 3, 4)).mean(axis=0) == pytest.approx([105, 110.25, 115.76], rel=0.02)
