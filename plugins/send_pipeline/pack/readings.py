"""Each pack section's one-line reading, computed from the same (protected) table it charts: a reading
never says a number the table does not hold; where the number it needs is suppressed (public version) or
missing, it says so instead."""
from __future__ import annotations

import pandas as pd

from .formats import num, pct, fmt_pct, fmt_int, fmt_money, census_year, period, provision, month_name


def _latest_two(frame: pd.DataFrame, by: str) -> tuple[pd.Series | None, pd.Series | None]:
    frame = frame.sort_values(by)
    if frame.empty:
        return None, None
    return frame.iloc[-1], (frame.iloc[-2] if len(frame) > 1 else None)


def _growth(t: pd.DataFrame, comparator: str, first, last) -> float | None:
    rows = t[(t.comparator == comparator) & t.time_period.isin([first, last])].sort_values("time_period")
    if len(rows) != 2 or not num(rows.iloc[0].plans) or num(rows.iloc[1].plans) is None:
        return None
    return pct(num(rows.iloc[1].plans) - num(rows.iloc[0].plans), rows.iloc[0].plans)


def _signed(value: float | None) -> str:
    return fmt_pct(None) if value is None else f"{'+' if value >= 0 else '-'}{fmt_pct(abs(value))}"


def _latest(t: pd.DataFrame, by: str) -> tuple[object, pd.DataFrame]:
    """The latest value of `by` and the table's rows for it."""
    value = t[by].max()
    return value, t[t[by] == value]


def read_plans(t: pd.DataFrame) -> str:
    own = t[(t.comparator == "This LA (own records)") & t.plans.map(num).notna()].sort_values("time_period")
    dfe = t[(t.comparator == "This LA") & t.plans.map(num).notna()].sort_values("time_period")
    if own.empty and dfe.empty:
        return "Neither the LA's records nor the DfE release hold plan counts for this LA."
    text = ""
    if len(own):
        first, last = own.iloc[0], own.iloc[-1]
        text = (f"{fmt_int(last.plans)} EHC plans on the January {census_year(last.time_period)} census day "
                f"(the LA's records)")
        if len(own) > 1:
            growth = _growth(t, "This LA (own records)", first.time_period, last.time_period)
            if growth is not None:
                text += (f", {'up' if growth >= 0 else 'down'} {fmt_pct(abs(growth))} "
                         f"on January {census_year(first.time_period)}")
    if len(dfe):
        first, last = dfe.iloc[0], dfe.iloc[-1]
        text += ("; the DfE published " if text else "") + \
            f"{fmt_int(last.plans)} for January {census_year(last.time_period)}"
        others = []
        for name, label in (("This LA", "this LA"), ("Region", "the region"), ("England", "England")):
            g = _growth(t, name, first.time_period, last.time_period) if first.time_period != last.time_period else None
            if g is not None:
                others.append(f"{label} {_signed(g)}")
        if others:
            text += f" ({', '.join(others)} since January {census_year(first.time_period)})"
    text = text[0].upper() + text[1:] if text[0].isalpha() else text
    return text + "."


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
    if num(last.pct_within_20_weeks_ex) is not None:
        text += f" (excluding exception cases: {fmt_pct(num(last.pct_within_20_weeks_ex))}"
        eng = t[(t.comparator == "England") & (t.year == last.year)]
        if len(eng) and num(eng.iloc[0].pct_within_20_weeks_ex) is not None:
            text += f", England {fmt_pct(num(eng.iloc[0].pct_within_20_weeks_ex))}"
        text += ")"
    return text + "."


def published_months(t: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, str]:
    """The last 12 months of a monthly table, keeping the months whose `cols` are all published, and a
    phrase naming the months left out (suppressed in the public version). A reading computed from these
    uses only numbers the table shows, so it can never give a suppressed one back."""
    t = t[t.month.astype(str).str.isdigit()]  # months only, not a year's total row
    t = t.assign(month=t.month.astype(int)).sort_values("month").tail(12)
    shown = t[cols].map(num).notna().all(axis=1)
    left_out = [month_name(m) for m in t.month[~shown]]
    phrase = f" (leaving out {', '.join(left_out)}: figures suppressed)" if left_out else ""
    return t[shown], phrase


def read_timeliness_month(t: pd.DataFrame) -> str:
    t, left_out = published_months(t, ["plans_issued", "within_20_weeks"])
    issued, within = t.plans_issued.map(num), t.within_20_weeks.map(num)
    if t.empty or not issued.sum():
        return ("Every month of the last 12 is suppressed in this version (too few new plans a month to publish); "
                "the yearly numbers are in 'Requests received and new plans issued'.")
    return (f"Over the last 12 months {fmt_pct(pct(within.sum(), issued.sum()))} of {fmt_int(issued.sum())} "
            f"new plans were issued within 20 weeks{left_out}.")


def read_reviews(t: pd.DataFrame) -> str:
    cols = ["paperwork_on_time", "paperwork_late", "decision_on_time", "decision_late"]
    t, left_out = published_months(t, cols)
    v = {c: t[c].map(num).sum() for c in cols}
    if t.empty or not (v["paperwork_on_time"] + v["paperwork_late"]):
        return "Every month of the last 12 is suppressed in this version (too few reviews a month to publish)."
    return (f"In the last 12 months {fmt_pct(pct(v['paperwork_on_time'], v['paperwork_on_time'] + v['paperwork_late']))} "
            f"of review paperwork met the standard and {fmt_pct(pct(v['decision_on_time'], v['decision_on_time'] + v['decision_late']))} "
            f"of decisions were made within 4 weeks{left_out}.")


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
            f"{fmt_pct(num(la.pct_independent))} in independent settings ({period(la.time_period)})")
    if len(region):
        text += (f"; the region {fmt_pct(num(region.iloc[0].pct_special))} and "
                 f"{fmt_pct(num(region.iloc[0].pct_independent))}")
    special = t[t.comparator.isin(["This LA", "Region LA"])].pct_special.map(num).dropna()
    if len(special) > 1:
        text += f"; the region's LAs range from {fmt_pct(special.min())} to {fmt_pct(special.max())} in special schools"
    return text + "."


def read_spend(t: pd.DataFrame) -> str:
    if t.empty:
        return "No spend recorded."
    year, last = _latest(t, "financial_year")
    amounts = last.amount.map(num)
    if amounts.isna().any():
        return f"Some {year} amounts are suppressed: see the table."
    top = last.loc[amounts.idxmax()]
    return (f"{fmt_money(amounts.sum())} was spent in {year} (to the as-at date); the most on {provision(top.provision_type)} "
            f"({fmt_money(top.amount)}, {fmt_money(top.avg_cost_per_pupil)} a pupil).")


def read_cost(t: pd.DataFrame) -> str:
    if t.empty:
        return "No complete financial year of spend recorded."
    year, last = _latest(t, "financial_year")
    last = last.assign(cost=lambda f: f.avg_cost_per_pupil.map(num))
    shown = last[last.cost.notna() & (last.provision_type != "unknown")].sort_values("cost", ascending=False)
    if shown.empty:
        return f"Every {year} average is suppressed (too few pupils to publish): see the table."
    parts = [f"{fmt_money(r.cost)} for {provision(r.provision_type)}" for r in shown.itertuples()]
    return f"In {year} the average yearly cost per funded pupil was " + ", ".join(parts[:-1]) + \
        (f" and {parts[-1]}." if len(parts) > 1 else f"{parts[0]}.")


def read_topup(t: pd.DataFrame) -> str:
    if t.empty:
        return "No school's top-up differed from its pupils' bands."
    top = t.iloc[0]
    if num(top.gap) is None:  # suppressed: say neither its size nor its direction
        return f"In {top.financial_year} the largest gap, at {top.school_name}, is suppressed (too few pupils to publish): see the table."
    direction = "more" if num(top.gap) > 0 else "less"
    return (f"In {top.financial_year} {top.school_name} was paid {fmt_money(abs(num(top.gap)))} "
            f"{direction} top-up than its pupils' bands imply, the largest gap in the list.")


def read_places(t: pd.DataFrame) -> str:
    if t.empty:
        return "No LA special school places recorded."
    year, last = _latest(t, "time_period")
    places, pupils = last.places.map(num), last.la_pupils.map(num)
    if places.isna().any() or pupils.isna().any():
        return f"Some schools' {period(year)} figures are suppressed or not held: see the table."
    text = (f"In {period(year)} the LA's {len(last)} special schools had {fmt_int(places.sum())} places, "
            f"{fmt_pct(pct(pupils.sum(), places.sum()))} filled by the LA's own pupils ({fmt_int(pupils.sum())})")
    first_year = t.time_period.min()
    first = t[t.time_period == first_year].la_pupils.map(num)
    if first_year != year and first.notna().all():
        text += f", against {fmt_int(first.sum())} of its pupils in {period(first_year)}"
    return text + "."


def read_quality(t: pd.DataFrame) -> str:
    if t.empty:
        return "No runs recorded yet."
    night, last = _latest(t, "as_at")
    q, x = last.rows_quarantined.map(num), last.rows_extracted.map(num)
    if not q.sum():
        return f"On {pd.Timestamp(night):%d %b %Y} no row was quarantined ({fmt_int(x.sum())} rows extracted)."
    worst = last.assign(rate=[pct(a, b) for a, b in zip(q, x)]).sort_values("rate", ascending=False).iloc[0]
    return (f"On {pd.Timestamp(night):%d %b %Y} {fmt_pct(pct(q.sum(), x.sum()))} of {fmt_int(x.sum())} rows were "
            f"quarantined; the highest share was {worst.source} ({fmt_pct(worst.rate)}).")


NO_FORECAST = "No forecast yet: send_forecast runs after this pack each month (or run it by hand)."


def _recorded_projected(t: pd.DataFrame, col: str) -> tuple[pd.Series | None, pd.DataFrame]:
    rec = t[t.kind == "recorded"].sort_values("census_year")
    proj = t[t.kind == "projected"].sort_values("census_year")
    return (rec.iloc[-1] if len(rec) else None), proj


def _interval(row, col: str) -> str:
    return f"interval {fmt_int(row[col + '_lower'])} to {fmt_int(row[col + '_upper'])}"


def read_forecast_plans(t: pd.DataFrame) -> str:
    last, proj = _recorded_projected(t, "plans")
    if proj.empty:
        return NO_FORECAST
    end, first = proj.iloc[-1], proj.iloc[0]
    text = (f"The forecast projects {fmt_int(end.plans)} EHC plans in January {int(end.census_year)} "
            f"({_interval(end, 'plans')})")
    if last is not None:
        text += f", from {fmt_int(last.plans)} recorded in January {int(last.census_year)}"
        change = pct(num(end.plans) - num(last.plans), last.plans) if num(end.plans) is not None and num(last.plans) else None
        if change is not None:
            text += f" ({_signed(change)})"
    return text + (f"; {fmt_int(first.new_plans)} new plans in the year to January {int(first.census_year)} and "
                   f"{fmt_int(end.new_plans)} in the year to January {int(end.census_year)}.")


def read_forecast_places(t: pd.DataFrame) -> str:
    last, proj = _recorded_projected(t, "special_plans")
    if proj.empty:
        return NO_FORECAST
    end = proj.iloc[-1]
    places, demand = num(end.places), num(end.special_plans)
    text = (f"{fmt_int(end.special_plans)} children are projected in state special schools in January "
            f"{int(end.census_year)} ({_interval(end, 'special_plans')}) against {fmt_int(end.places)} places in the "
            f"area's special schools")
    if places is not None and demand is not None:
        gap = demand - places
        text += f": {fmt_int(abs(gap))} {'more children than places' if gap > 0 else 'places to spare'}"
        over = proj[proj.special_plans.map(num) > proj.places.map(num)]
        if gap > 0 and len(over) and (last is None or (num(last.special_plans) or 0) <= (num(last.places) or 0)):
            text += f" (demand passes the places in January {int(over.iloc[0].census_year)})"
    if num(end.pct_runs_above_places) is not None:
        text += f"; demand exceeds the places in {fmt_pct(num(end.pct_runs_above_places))} of the simulated runs"
    if last is not None:
        text += f". In January {int(last.census_year)}: {fmt_int(last.special_plans)} children"
        if num(last.places) is not None:
            text += f", {fmt_int(last.places)} places"
    return text + "."
