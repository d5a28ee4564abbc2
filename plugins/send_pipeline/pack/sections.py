"""The performance pack's sections: what each one queries, how it is charted, what it protects in
the public version, and its one-line reading, computed from the same (protected) table it charts.

A reading never says a number the table does not hold; where the number it needs is suppressed
(public version) or missing, it says so instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

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


def fmt_money(value) -> str:
    v = num(value)
    if v is None:
        return "a suppressed amount"
    return f"£{v / 1e6:,.1f}m" if abs(v) >= 1e6 else f"£{v:,.0f}"


def census_year(time_period) -> str:
    """The January of a DfE academic-year period: 202425 → 2025 (a calendar year stays itself)."""
    text = str(time_period)
    return str(int(text[:4]) + 1) if len(text) == 6 else text


def month_name(yyyymm) -> str:
    y, m = divmod(int(yyyymm), 100)
    return pd.Timestamp(year=y, month=m, day=1).strftime("%b %Y")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    group: str
    chart: str                      # line | bar | hbar | stacked_hbar
    x: str
    y: tuple[str, ...]              # the measures charted (after pivoting, the series)
    y_label: str
    source: str
    reading: Callable[[pd.DataFrame], str]
    series: str | None = None       # a column whose values become the series (long tables)
    counts: tuple[str, ...] = ()    # counts of children/events: suppressed below the threshold in public
    money: tuple[tuple[str, str], ...] = ()  # (money column, the pupil count it is based on)
    rates: tuple[tuple[str, str, str], ...] = ()  # (derived %, numerator, denominator) computed here
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (total, parts): additive, for secondary suppression
    keys: tuple[str, ...] = ()
    x_label: str = ""
    note: str = ""
    percent_axis: bool = False
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------- readings
def _latest_two(frame: pd.DataFrame, by: str) -> tuple[pd.Series | None, pd.Series | None]:
    frame = frame.sort_values(by)
    if frame.empty:
        return None, None
    return frame.iloc[-1], (frame.iloc[-2] if len(frame) > 1 else None)


def read_plans(t: pd.DataFrame) -> str:
    la = t[t.comparator == "This LA"].sort_values("time_period")
    if la.empty:
        return "The DfE release holds no plan counts for this LA."
    first, last = la.iloc[0], la.iloc[-1]
    growth = pct(num(last.plans) - num(first.plans), first.plans) if num(last.plans) and num(first.plans) else None
    eng = t[(t.comparator == "England")].sort_values("time_period")
    eng_growth = (pct(num(eng.iloc[-1].plans) - num(eng.iloc[0].plans), eng.iloc[0].plans) if len(eng) > 1 else None)
    text = (f"{fmt_int(last.plans)} EHC plans in January {census_year(last.time_period)}, "
            f"{'up' if (growth or 0) >= 0 else 'down'} {fmt_pct(abs(growth) if growth is not None else None)} "
            f"on January {census_year(first.time_period)}")
    return text + (f"; England grew {fmt_pct(eng_growth)} over the same years." if eng_growth is not None else ".")


def read_requests(t: pd.DataFrame) -> str:
    last, prev = _latest_two(t, "year")
    if last is None:
        return "No requests were recorded in the last five years."
    text = f"{fmt_int(last.requests_received)} requests for assessment were received in {int(last.year)}"
    if prev is not None and num(prev.requests_received):
        change = pct(num(last.requests_received) - num(prev.requests_received), prev.requests_received)
        text += f" ({'+' if (change or 0) >= 0 else '-'}{fmt_pct(abs(change) if change is not None else None)} on {int(prev.year)})"
    return text + f" and {fmt_int(last.plans_issued)} new plans were issued."


def read_timeliness(t: pd.DataFrame) -> str:
    la = t[t.comparator == "This LA"].sort_values("year")
    la = la[la.pct_within_20_weeks.map(num).notna()]
    if la.empty:
        return "No published 20-week figure for this LA."
    last = la.iloc[-1]
    text = f"{fmt_pct(num(last.pct_within_20_weeks))} of plans were issued within 20 weeks in {int(last.year)}"
    if len(la) > 1:
        prev = la.iloc[-2]
        move = "up from" if num(last.pct_within_20_weeks) >= num(prev.pct_within_20_weeks) else "down from"
        text += f", {move} {fmt_pct(num(prev.pct_within_20_weeks))} in {int(prev.year)}"
    for name in ("England", "Region"):
        row = t[(t.comparator == name) & (t.year == last.year)]
        if len(row) and num(row.iloc[0].pct_within_20_weeks) is not None:
            text += f"; {'the region' if name == 'Region' else name} {fmt_pct(num(row.iloc[0].pct_within_20_weeks))}"
    return text + "."


def read_timeliness_month(t: pd.DataFrame) -> str:
    t = t.sort_values("month").tail(12)
    issued, within = t.plans_issued.map(num), t.within_20_weeks.map(num)
    if t.empty or issued.isna().any() or within.isna().any():
        return "Monthly figures include suppressed months: see the table."
    return (f"Over the last 12 months {fmt_pct(pct(within.sum(), issued.sum()))} of {fmt_int(issued.sum())} "
            f"new plans were issued within 20 weeks.")


def read_reviews(t: pd.DataFrame) -> str:
    t = t.sort_values("month").tail(12)
    cols = ["paperwork_on_time", "paperwork_late", "decision_on_time", "decision_late"]
    if t.empty or t[cols].map(num).isna().any().any():
        return "Monthly review figures include suppressed months: see the table."
    v = {c: t[c].map(num).sum() for c in cols}
    return (f"In the last 12 months {fmt_pct(pct(v['paperwork_on_time'], v['paperwork_on_time'] + v['paperwork_late']))} "
            f"of review paperwork met the standard and {fmt_pct(pct(v['decision_on_time'], v['decision_on_time'] + v['decision_late']))} "
            f"of decisions were made within 4 weeks.")


def read_late_schools(t: pd.DataFrame) -> str:
    if t.empty:
        return "No school returned review paperwork late in the last 12 months."
    top = t.iloc[0]
    return (f"{top.school_name} had the most late review paperwork in the last 12 months: "
            f"{fmt_int(top.paperwork_late)} of {fmt_int(top.reviews_held)} reviews.")


def read_overdue(t: pd.DataFrame) -> str:
    if t.empty:
        return "No annual review is overdue."
    values = t.overdue_reviews.map(num)
    if values.isna().any():
        return "Some co-ordinators' counts are suppressed: see the table."
    return (f"{fmt_int(values.sum())} overdue reviews sit with these {len(t)} co-ordinators; "
            f"the most with one co-ordinator is {fmt_int(values.max())}.")


def read_mix(t: pd.DataFrame) -> str:
    la, region = t[t.comparator == "This LA"], t[t.comparator == "Region"]
    if la.empty:
        return "The DfE release has no placement figures for this LA."
    la = la.iloc[0]
    text = (f"{fmt_pct(num(la.pct_special))} of this LA's plans were in state special schools and "
            f"{fmt_pct(num(la.pct_independent))} in independent settings ({str(la.time_period)[:4]}/{str(la.time_period)[4:]})")
    if len(region):
        text += (f"; the region {fmt_pct(num(region.iloc[0].pct_special))} and "
                 f"{fmt_pct(num(region.iloc[0].pct_independent))}")
    return text + "."


def read_spend(t: pd.DataFrame) -> str:
    if t.empty:
        return "No spend recorded."
    year = t.financial_year.max()
    last = t[t.financial_year == year]
    amounts = last.amount.map(num)
    if amounts.isna().any():
        return f"Some {year} amounts are suppressed: see the table."
    top = last.loc[amounts.idxmax()]
    return (f"{fmt_money(amounts.sum())} was spent in {year} (to the as-at date); the most on {str(top.provision_type).replace('_', ' ')} "
            f"({fmt_money(top.amount)}, {fmt_money(top.avg_cost_per_pupil)} a pupil).")


def read_topup(t: pd.DataFrame) -> str:
    if t.empty:
        return "No school's top-up differed from its pupils' bands."
    top = t.iloc[0]
    if num(top.gap) is None:  # suppressed: say neither its size nor its direction
        return f"In {top.financial_year} the largest gap, at {top.school_name}, is suppressed (too few pupils to publish): see the table."
    direction = "more" if num(top.gap) > 0 else "less"
    return (f"In {top.financial_year} {top.school_name} was paid {fmt_money(abs(num(top.gap)))} "
            f"{direction} top-up than its pupils' bands imply, the largest gap.")


def read_places(t: pd.DataFrame) -> str:
    if t.empty:
        return "No LA special school places recorded."
    year = t.time_period.max()
    last = t[t.time_period == year]
    places, pupils = last.places.map(num), last.la_pupils.map(num)
    if places.isna().any() or pupils.isna().any():
        return "Some schools' figures are suppressed: see the table."
    return (f"In {str(year)[:4]}/{str(year)[4:]} the LA's {len(last)} special schools had {fmt_int(places.sum())} places, "
            f"{fmt_pct(pct(pupils.sum(), places.sum()))} filled by the LA's own pupils.")


def read_quality(t: pd.DataFrame) -> str:
    if t.empty:
        return "No runs recorded yet."
    night = t.as_at.max()
    last = t[t.as_at == night]
    q, x = last.rows_quarantined.map(num), last.rows_extracted.map(num)
    worst = last.assign(rate=[pct(a, b) for a, b in zip(q, x)]).sort_values("rate", ascending=False).iloc[0]
    return (f"On {pd.Timestamp(night):%d %b %Y} {fmt_pct(pct(q.sum(), x.sum()))} of {fmt_int(x.sum())} rows were "
            f"quarantined; the highest share was {worst.source} ({fmt_pct(worst.rate)}).")


DFE = "Source: DfE, Education, health and care plans (latest release, OGL)."
WAREHOUSE = "Source: the LA's SEND warehouse (CMS, review tracker, finance ledger), as at the pack date."

SECTIONS: tuple[Section, ...] = (
    Section("plans_trend", "EHC plans: five-year trend", "Growth", "line", "time_period", ("plans",),
            "EHC plans (January census)", DFE, read_plans, series="comparator", keys=("time_period", "comparator"),
            note="SEN Support is not in this pipeline's sources (it is published in the DfE's 'Special educational "
                 "needs in England' release, not loaded); the chart shows EHC plans only. England and region are "
                 "on their own scale in the table.", extra={"only": ("This LA",)}),
    Section("requests_and_plans", "Requests received and new plans issued", "Growth", "bar", "year",
            ("requests_received", "plans_issued"), "Number per calendar year", WAREHOUSE, read_requests,
            counts=("requests_received", "plans_issued"), keys=("year",)),
    Section("timeliness_benchmark", "20-week timeliness beside the region and England", "Timeliness", "line", "year",
            ("pct_within_20_weeks",), "% within 20 weeks", DFE, read_timeliness,
            series="comparator", keys=("year", "comparator"), percent_axis=True,
            note="Including exception cases; the table also gives the figure excluding them."),
    Section("timeliness_by_month", "20-week timeliness by month", "Timeliness", "line", "month",
            ("pct_within_20_weeks", "pct_within_20_weeks_ex"), "% within 20 weeks", WAREHOUSE,
            read_timeliness_month, counts=("plans_issued", "within_20_weeks", "not_within_20_weeks", "plans_issued_ex",
                                           "within_20_weeks_ex", "not_within_20_weeks_ex"),
            groups=(("plans_issued", ("within_20_weeks", "not_within_20_weeks")),
                    ("plans_issued_ex", ("within_20_weeks_ex", "not_within_20_weeks_ex"))),
            rates=(("pct_within_20_weeks", "within_20_weeks", "plans_issued"),
                   ("pct_within_20_weeks_ex", "within_20_weeks_ex", "plans_issued_ex")),
            keys=("month",), percent_axis=True),
    Section("review_compliance", "Annual reviews: paperwork and decisions on time", "Annual reviews", "line", "month",
            ("pct_paperwork_on_time", "pct_decision_on_time"), "% on time", WAREHOUSE, read_reviews,
            counts=("reviews_held", "paperwork_on_time", "paperwork_late", "decision_on_time", "decision_late"),
            rates=(("pct_paperwork_on_time", "paperwork_on_time", "paperwork_on_time+paperwork_late"),
                   ("pct_decision_on_time", "decision_on_time", "decision_on_time+decision_late")),
            keys=("month",), percent_axis=True,
            note="Paperwork: the LA's 15-day standard after the meeting. Decision: within 4 weeks of the meeting. "
                 "Reviews still within their deadline are not counted."),
    Section("late_paperwork_schools", "Schools with the most late review paperwork", "Annual reviews", "hbar",
            "school_name", ("paperwork_late",), "Reviews with late paperwork", WAREHOUSE,
            read_late_schools, counts=("reviews_held", "paperwork_late"), keys=("school_urn",)),
    Section("overdue_by_coordinator", "Overdue annual reviews by co-ordinator", "Annual reviews", "hbar",
            "officer_key", ("overdue_reviews",), "Overdue reviews", WAREHOUSE, read_overdue,
            counts=("overdue_reviews",), keys=("officer_key",),
            note="Co-ordinators are shown by a pseudonymous key, not by name."),
    Section("placement_mix", "Placement mix beside the region's LAs", "Placements", "stacked_hbar", "area",
            ("pct_mainstream", "pct_special", "pct_independent", "pct_post_16", "pct_other"),
            "% of EHC plans", DFE, read_mix, keys=("area",), percent_axis=True,
            note="Mainstream and special exclude independent schools, shown on their own; post-16 is FE colleges, "
                 "specialist post-16 and other providers."),
    Section("spend_by_provision", "High-needs spend by provision type", "Spend", "bar", "financial_year", ("amount",),
            "Spend (£)", WAREHOUSE, read_spend, series="provision_type", counts=("pupils",),
            money=(("amount", "pupils"), ("avg_cost_per_pupil", "pupils")), keys=("financial_year", "provision_type")),
    Section("topup_gap", "Schools with the largest gap between expected and paid top-up", "Spend", "hbar",
            "school_name", ("gap",), "Paid minus expected top-up (£)", WAREHOUSE, read_topup,
            counts=("pupils",), money=(("expected_topup", "pupils"), ("actual_topup", "pupils"), ("gap", "pupils")),
            keys=("school_urn",)),
    Section("special_school_places", "Special school places and occupancy", "Places", "bar", "school_name",
            ("places", "la_pupils"), "Places / LA pupils", WAREHOUSE, read_places, series="time_period",
            counts=("places", "la_pupils"), keys=("time_period", "school_urn"),
            extra={"latest_only": True}),
    Section("quarantine_rates", "Data quality: rows quarantined by source", "Data quality", "line", "as_at",
            ("pct_quarantined",), "% quarantined", WAREHOUSE, read_quality, series="source",
            rates=(("pct_quarantined", "rows_quarantined", "rows_extracted"),), keys=("as_at", "source"),
            percent_axis=True),
)
