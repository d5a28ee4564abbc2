"""The transition model: children with EHC plans by primary need x setting group x national curriculum
year (NCY), moved on one census year at a time by the year-to-year transitions the warehouse recorded.

Learned from MastodonC's witan.send (the model councils use): each January census, every child either
leaves (no plan on the next census day) or stays, one NCY older, in a setting group (the same or
another: a mover); joiners arrive (new plans and plans transferred in) in the need x setting x NCY mix
of recent joiners. Rates come from the last `rate_years` year-to-year pairs, smoothed toward broader
groups where a cell holds few children (a Dirichlet posterior with the broader rate as its prior, as
witan.send's beta-binomial / Dirichlet-multinomial). Differences from witan.send, all stated in
docs/forecast.md: the primary need is carried with the child (witan.send's own default), no population
projection is in the sources, so joiners follow a fitted trend instead of a rate per resident child, and
the central estimate is the model's expected value (the simulations give the interval around it).

Plain numpy: a state is an index into arrays shaped (need, setting, ncy).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEEDS = ("ASD", "SEMH", "SLCN", "MLD", "SLD", "PMLD", "SPLD", "PD", "HI", "VI", "MSI", "DS", "OTH", "NR")
SETTINGS = ("mainstream", "special", "independent", "post_16", "alternative_provision", "early_years", "other")
NCY_MIN, NCY_MAX = -3, 20  # age 1 (Nursery 1 is NCY -1) to age 24 on 31 August: plans end at 25
NCYS = tuple(range(NCY_MIN, NCY_MAX + 1))
LEAVE = len(SETTINGS)  # the last outcome of a transition: no plan on the next census day
SPECIALIST = (SETTINGS.index("special"), SETTINGS.index("independent"))
MAINSTREAM = SETTINGS.index("mainstream")
PRIOR_WEIGHT = 2.0  # pseudo-children a cell's rates borrow from its broader group (witan.send-style smoothing)
JOINER_PRIOR_WEIGHT = 5.0  # pseudo-joiners spread over the states (a state no recent joiner entered stays possible)
MIN_GROWTH_SD = 0.02  # the least uncertainty in the joiners' yearly growth the interval allows


@dataclass
class History:
    """Census-day counts (census_year, need, setting, ncy) and the year-to-year transitions behind them."""
    years: list[int]
    counts: np.ndarray  # [year, need, setting, ncy]
    moves: np.ndarray  # [pair, need, setting, ncy, outcome]: from census `years[p]` to `years[p + 1]`
    joiners: np.ndarray  # [pair, need, setting, ncy]: on census `years[p + 1]`, not on `years[p]`
    unaged: int = 0  # children left out: no date of birth, so no NCY

    def upto(self, year: int) -> "History":
        """The history as it stood at census `year` (for the backtest)."""
        k = self.years.index(year) + 1
        return History(self.years[:k], self.counts[:k], self.moves[:k - 1], self.joiners[:k - 1], self.unaged)

    def totals(self, axis_setting: bool = False) -> np.ndarray:
        return self.counts.sum(axis=(1, 3)) if axis_setting else self.counts.sum(axis=(1, 2, 3))


def _index(values: pd.Series, labels: tuple, other: int | None = None) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(labels)}
    idx = values.map(lookup)
    if other is not None:
        idx = idx.fillna(other)
    return idx.to_numpy(dtype=np.int64)


def history_from(frame: pd.DataFrame) -> History:
    """Counts and transitions from census rows (census_year, person_id, need_code, setting_group, ncy)."""
    frame = frame.copy()
    unaged = int(frame["ncy"].isna().sum())
    frame = frame[frame["ncy"].notna()]
    frame["n"] = _index(frame["need_code"].fillna("NR"), NEEDS, other=NEEDS.index("OTH"))
    frame["s"] = _index(frame["setting_group"], SETTINGS, other=SETTINGS.index("other"))
    frame["a"] = frame["ncy"].astype(int).clip(NCY_MIN, NCY_MAX) - NCY_MIN
    years = sorted(int(y) for y in frame["census_year"].unique())
    shape = (len(NEEDS), len(SETTINGS), len(NCYS))
    counts = np.zeros((len(years),) + shape)
    for i, year in enumerate(years):
        rows = frame[frame["census_year"] == year]
        np.add.at(counts[i], (rows["n"].to_numpy(), rows["s"].to_numpy(), rows["a"].to_numpy()), 1)
    moves = np.zeros((max(len(years) - 1, 0),) + shape + (len(SETTINGS) + 1,))
    joiners = np.zeros((max(len(years) - 1, 0),) + shape)
    by_year = {y: g.set_index("person_id")[["n", "s", "a"]] for y, g in frame.groupby("census_year")}
    for p in range(len(years) - 1):
        before, after = by_year[years[p]], by_year[years[p + 1]]
        if years[p + 1] != years[p] + 1:
            raise ValueError(f"census years {years[p]} and {years[p + 1]} are not consecutive: the history has a gap")
        both = before.join(after, how="left", rsuffix="_next")
        outcome = both["s_next"].fillna(LEAVE).astype(int).to_numpy()
        np.add.at(moves[p], (both["n"].to_numpy(), both["s"].to_numpy(), both["a"].to_numpy(), outcome), 1)
        new = after[~after.index.isin(before.index)]
        np.add.at(joiners[p], (new["n"].to_numpy(), new["s"].to_numpy(), new["a"].to_numpy()), 1)
    return History(years, counts, moves, joiners, unaged)


RAMP_GROWTH = 0.25  # a year's plans growing faster than this is a records build-up, not demand


def settled(history: History, first_year: int = 0) -> History:
    """The history from `first_year`, or (0) from the first census after which the recorded plans never
    grow by more than RAMP_GROWTH in a year: a CMS's first years hold the plans entered as it was
    adopted (or statements converted to plans, 2014-2018), and would read as a surge of joiners."""
    totals = history.totals()
    if not first_year:
        first_year = history.years[0]
        for i in range(1, len(totals)):
            if totals[i - 1] <= 0 or totals[i] / totals[i - 1] - 1 > RAMP_GROWTH:
                first_year = history.years[i]
    if first_year not in history.years:
        raise ValueError(f"the history has no census {first_year} (it holds {history.years[0]}-{history.years[-1]})")
    k = history.years.index(first_year)
    return History(history.years[k:], history.counts[k:], history.moves[k:], history.joiners[k:], history.unaged)


@dataclass
class Fitted:
    """The model's rates, fitted on the last `rate_years` pairs of a history."""
    base_year: int
    start: np.ndarray  # [need, setting, ncy]: the census the projection starts from
    alpha: np.ndarray  # [need, setting, ncy, outcome]: Dirichlet parameters of each cell's transition
    joiner_alpha: np.ndarray  # [need, setting, ncy]: Dirichlet parameters of the joiners' mix
    joiner_level: float  # joiners on the base year's census, as the fitted trend puts them
    joiner_growth: float  # their yearly growth
    joiner_growth_sd: float  # the growth's uncertainty (for the interval)
    pairs: int

    @property
    def rates(self) -> np.ndarray:
        return self.alpha / self.alpha.sum(axis=-1, keepdims=True)

    @property
    def mix(self) -> np.ndarray:
        return self.joiner_alpha / self.joiner_alpha.sum()


def _normalise(x: np.ndarray, axis: int = -1) -> np.ndarray:
    total = x.sum(axis=axis, keepdims=True)
    return np.divide(x, total, out=np.zeros_like(x, dtype=float), where=total > 0)


def fit(history: History, rate_years: int = 3, growth: float | None = None) -> Fitted:
    """Transition rates and the joiners' trend from the last `rate_years` year-to-year pairs."""
    pairs = min(rate_years, len(history.years) - 1)
    if pairs < 1:
        raise ValueError("the forecast needs at least two consecutive census years of history")
    moves = history.moves[-pairs:].sum(axis=0)  # [n, s, a, k]
    # broad prior, shared by every need: leaving by NCY (all settings), and where stayers go by setting
    by_ncy = moves.sum(axis=(0, 1))  # [a, k]
    leave_a = (by_ncy[:, LEAVE] + 0.5) / (by_ncy.sum(axis=1) + 1.0)
    dest_s = _normalise(moves.sum(axis=(0, 2))[:, :LEAVE] + np.eye(len(SETTINGS)))  # [s, s']: self-move prior
    broad = np.concatenate([(1 - leave_a)[None, :, None] * dest_s[:, None, :],
                            np.broadcast_to(leave_a[None, :, None], (len(SETTINGS), len(NCYS), 1))], axis=-1)
    broad[:, -1, :] = 0.0
    broad[:, -1, LEAVE] = 1.0  # past NCY 20 (age 25) a plan ends
    # the setting x NCY level, smoothed toward the broad prior; then each need toward it
    by_setting = moves.sum(axis=0)  # [s, a, k]
    mid = _normalise(by_setting + PRIOR_WEIGHT * broad)
    alpha = moves + PRIOR_WEIGHT * mid[None]
    alpha[:, :, -1, :] = 0.0
    alpha[:, :, -1, LEAVE] = 1.0
    joiners = history.joiners[-pairs:]
    # joiners' mix: the recent joiners, plus a few pseudo-joiners spread as need share x setting-NCY share
    seen = joiners.sum(axis=0)
    if seen.sum():
        spread = _normalise(seen.sum(axis=(1, 2)), axis=None)[:, None, None] * _normalise(seen.sum(axis=0), axis=None)[None]
    else:
        spread = np.full(seen.shape, 1.0 / seen.size)
    joiner_alpha = seen + JOINER_PRIOR_WEIGHT * spread
    level, slope, sd = _joiner_trend(joiners.sum(axis=(1, 2, 3)))
    return Fitted(history.years[-1], history.counts[-1].copy(), alpha, joiner_alpha,
                  level, slope if growth is None else growth, sd,
                  pairs)


def _joiner_trend(totals: np.ndarray) -> tuple[float, float, float]:
    """The joiners' level on the last fitted census and their yearly growth: a straight line through the
    logarithms of the last years' joiners (so growth compounds), and the spread of the yearly growth."""
    totals = np.maximum(np.asarray(totals, dtype=float), 1.0)
    if len(totals) == 1:
        return float(totals[0]), 0.0, 0.10
    x = np.arange(len(totals), dtype=float)
    slope, intercept = np.polyfit(x, np.log(totals), 1)
    level = float(np.exp(intercept + slope * x[-1]))
    yearly = np.diff(np.log(totals))
    sd = float(np.std(yearly, ddof=1)) if len(yearly) > 1 else 0.10
    return level, float(np.expm1(slope)), max(sd, MIN_GROWTH_SD)


def shifted_mix(mix: np.ndarray, to_mainstream: float) -> np.ndarray:
    """Scenario: a share of the joiners who would start in a special or independent school start in
    mainstream instead (same need and NCY)."""
    if not to_mainstream:
        return mix
    out = mix.copy()
    for s in SPECIALIST:
        moved = out[:, s, :] * to_mainstream
        out[:, s, :] -= moved
        out[:, MAINSTREAM, :] += moved
    return out


def _age_on(stayers: np.ndarray) -> np.ndarray:
    """Stayers [..., need, setting, ncy] one NCY older (the oldest have left already)."""
    out = np.zeros_like(stayers)
    out[..., 1:] = stayers[..., :-1]
    return out


def expected(fitted: Fitted, years: int, to_mainstream: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The central projection: expected plans [year, need, setting, ncy] and new plans on each of the
    `years` census days after the base year."""
    rates, mix = fitted.rates, shifted_mix(fitted.mix, to_mainstream)
    state = fitted.start.astype(float)
    plans, joins = [], []
    for k in range(1, years + 1):
        flows = state[..., None] * rates  # [n, s, a, k]
        stayers = _age_on(flows[..., :LEAVE].sum(axis=1).transpose(0, 2, 1))  # [n, s', a + 1]
        new = fitted.joiner_level * (1 + fitted.joiner_growth) ** k * mix
        state = stayers + new
        plans.append(state)
        joins.append(new)
    return np.array(plans), np.array(joins)


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray, size: int) -> np.ndarray:
    """Draws from Dirichlet(alpha) along the last axis, `size` times (gamma draws, normalised)."""
    draws = rng.standard_gamma(np.broadcast_to(alpha, (size,) + alpha.shape))
    return _normalise(draws)


def simulate(fitted: Fitted, years: int, simulations: int, seed: int, to_mainstream: float = 0.0,
             batch: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Simulated runs: plans and new plans [run, year, need, setting, ncy]. Each run draws its rates from
    their posterior (the uncertainty in what the history says), the joiners' growth from its spread, and
    then every child's transition and the year's joiners at random (the uncertainty in what happens)."""
    rng = np.random.default_rng(seed)
    shape = fitted.start.shape
    plans = np.zeros((simulations, years) + shape, dtype=np.int32)
    joins = np.zeros((simulations, years) + shape, dtype=np.int32)
    for first in range(0, simulations, batch):
        size = min(batch, simulations - first)
        rates = _dirichlet(rng, np.maximum(fitted.alpha, 1e-9), size)  # [run, n, s, a, k]
        mixes = shifted_mix(_dirichlet(rng, fitted.joiner_alpha.reshape(-1), size).reshape((size,) + shape).transpose(
            1, 2, 3, 0), to_mainstream).transpose(3, 0, 1, 2)
        growth = rng.normal(fitted.joiner_growth, fitted.joiner_growth_sd, size)
        state = np.broadcast_to(np.rint(fitted.start).astype(np.int64), (size,) + shape).copy()
        for k in range(years):
            flows = rng.multinomial(state, rates)  # [run, n, s, a, k]
            stayers = _age_on(flows[..., :LEAVE].sum(axis=2).transpose(0, 1, 3, 2))  # [run, n, s', a + 1]
            mean = fitted.joiner_level * (1 + growth) ** (k + 1)
            totals = rng.poisson(np.maximum(mean, 0))
            new = np.stack([rng.multinomial(t, m.reshape(-1)).reshape(shape) for t, m in zip(totals, mixes)])
            state = stayers + new
            plans[first:first + size, k] = state
            joins[first:first + size, k] = new
    return plans, joins
