"""Number and label formats shared by the pack's readings, charts and tables: a cell as a number
(None when suppressed or missing), percentages, counts, money, periods, provision types and months."""
from __future__ import annotations

import pandas as pd

def num(value) -> float | None:
    """A table cell as a number; None for a suppressed or missing one ('c', 'x', NaN)."""
    if value is None or isinstance(value, str):
        try:
            return float(value) if value not in (None, "") else None
        except ValueError:
            return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def pct(numer, denom) -> float | None:
    n, d = num(numer), num(denom)
    return None if n is None or not d else round(100.0 * n / d, 1)


def fmt_pct(value) -> str:
    return "a suppressed share" if value is None else f"{value:.1f}%".replace(".0%", "%")


def fmt_int(value) -> str:
    return "a suppressed number" if num(value) is None else f"{int(round(num(value))):,}"


def fmt_money(value, short: bool = False) -> str:
    """£1,234, £2.5m, -£17,581; `short` (axis ticks): £17.5k."""
    v = num(value)
    if v is None:
        return "a suppressed amount"
    sign = "-" if v < 0 else ""
    v = abs(v)
    if v >= 1e6:
        return f"{sign}£{v / 1e6:,.1f}m"
    if short and v >= 1e3:
        return f"{sign}£{v / 1e3:,.3g}k"
    return f"{sign}£{v:,.0f}"


def census_year(time_period) -> str:
    """The January of a DfE academic-year period: 202425 → 2025 (a calendar year stays itself)."""
    text = str(time_period)
    return str(int(text[:4]) + 1) if len(text) == 6 else text


def period(time_period) -> str:
    """A DfE academic-year period as printed: 202425 -> 2024/25 (anything else stays as it is)."""
    text = str(time_period)
    return f"{text[:4]}/{text[4:]}" if len(text) == 6 and text.isdigit() else text


PROVISION = {"mainstream": "mainstream", "la_special": "LA special", "independent_or_nonmaintained":
             "independent / non-maintained", "post_16": "post-16", "alternative_provision": "alternative provision",
             "unknown": "not known (URN not in GIAS)"}


def provision(value, capital: bool = False) -> str:
    """A provision type in words (mid-sentence; `capital` for a label)."""
    text = PROVISION.get(str(value), str(value).replace("_", " "))
    return text[:1].upper() + text[1:] if capital else text


def month_name(yyyymm) -> str:
    if not str(yyyymm).isdigit():
        return str(yyyymm)  # a total row
    y, m = divmod(int(yyyymm), 100)
    return pd.Timestamp(year=y, month=m, day=1).strftime("%b %Y")
