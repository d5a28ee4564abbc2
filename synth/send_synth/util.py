"""Vectorised date helpers: dates are int64 day numbers since 1970-01-01; FAR means "none / not yet"."""
from __future__ import annotations

from datetime import date

import numpy as np

FAR = 999_999  # a day number far in the future: "no date" (open-ended, pending, not happened)


def day(d: date) -> int:
    return int((np.datetime64(d, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))


def ymd(y, m, d) -> np.ndarray:
    """Day numbers for arrays (or scalars) of year, month, day."""
    y = np.asarray(y, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    d = np.asarray(d, dtype=np.int64)
    months = (y - 1970) * 12 + (m - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + d - 1


def year_of(days) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def month_of(days) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def dom_of(days) -> np.ndarray:
    d = np.asarray(days, dtype=np.int64)
    first = d.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return d - first + 1


def ay_of(days) -> np.ndarray:
    """Academic year (September start) containing each day: 2024 = 2024/25."""
    return year_of(days) - (month_of(days) < 9)


def fy_of(days) -> np.ndarray:
    """Financial year (April start): 2024 = 2024/25."""
    return year_of(days) - (month_of(days) < 4)


def cohort(dob) -> np.ndarray:
    """Academic cohort: the calendar year of the 31 August on which the child was aged 0 ... i.e. a child
    is aged (ay - cohort) on 31 August at the start of academic year ay."""
    dob = np.asarray(dob, dtype=np.int64)
    return year_of(dob) + (month_of(dob) >= 9)


def weekday(days) -> np.ndarray:
    """0 = Monday ... 6 = Sunday."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def to_weekday(days) -> np.ndarray:
    """Move Saturdays and Sundays to the next Monday (FAR stays FAR)."""
    d = np.asarray(days, dtype=np.int64)
    wd = weekday(d)
    out = d + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
    return np.where(d >= FAR, FAR, out)


def iso(days) -> np.ndarray:
    """ISO date strings (object array), None where FAR."""
    d = np.asarray(days, dtype=np.int64)
    ok = d < FAR
    out = np.full(d.shape, None, dtype=object)
    if ok.any():
        out[ok] = np.datetime_as_string(d[ok].astype("datetime64[D]"), unit="D").astype(object)
    return out


def stamp(days, rng: np.random.Generator) -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS' timestamps in office hours on the given days."""
    d = np.asarray(days, dtype=np.int64)
    secs = rng.integers(8 * 3600, 18 * 3600, d.shape)
    ts = d.astype("datetime64[D]").astype("datetime64[s]") + secs.astype("timedelta64[s]")
    return np.char.replace(np.datetime_as_string(ts, unit="s"), "T", " ").astype(object)


def to_date(d: int) -> date:
    return date.fromordinal(date(1970, 1, 1).toordinal() + int(d))


def choice(rng: np.random.Generator, values, p, size) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(values)[rng.choice(len(p), size=size, p=p / p.sum())]


def gamma_days(rng: np.random.Generator, shape: float, scale: float, size) -> np.ndarray:
    return np.round(rng.gamma(shape, scale, size)).astype(np.int64)
