"""The pack's two forecast sections on hand-made tables: the readings say the table's own numbers, a
pack built before the first forecast says so, and the fan chart draws both cases."""
from __future__ import annotations

import pandas as pd

from send_pipeline.pack import sections as S
from send_pipeline.pack.render import chart_svg

BY_ID = {s.id: s for s in S.SECTIONS}


def plans() -> pd.DataFrame:
    return pd.DataFrame({
        "census_year": [2025, 2026, 2027, 2028], "kind": ["recorded", "recorded", "projected", "projected"],
        "plans": [900, 1000, 1100, 1250], "plans_lower": [900, 1000, 1050, 1150], "plans_upper": [900, 1000, 1160, 1380],
        "new_plans": [150, 160, 180, 200]})


def places() -> pd.DataFrame:
    return pd.DataFrame({
        "census_year": [2026, 2027, 2028], "kind": ["recorded", "projected", "projected"],
        "special_plans": [280, 300, 330], "special_plans_lower": [280, 290, 310],
        "special_plans_upper": [280, 310, 352], "places": [300, 300, 300], "pct_runs_above_places": [None, 40, 97]})


def test_plan_reading_by_hand():
    # 1,250 against 1,000: +25%
    assert S.read_forecast_plans(plans()) == (
        "The forecast projects 1,250 EHC plans in January 2028 (interval 1,150 to 1,380), from 1,000 recorded in "
        "January 2026 (+25%); 180 new plans in the year to January 2027 and 200 in the year to January 2028.")


def test_places_reading_by_hand():
    # 330 against 300 places: 30 more children; demand first above the places in 2028 (2027: 300, not above)
    assert S.read_forecast_places(places()) == (
        "330 children are projected in state special schools in January 2028 (interval 310 to 352) against 300 "
        "places in the area's special schools: 30 more children than places (demand passes the places in January "
        "2028); demand exceeds the places in 97% of the simulated runs. In January 2026: 280 children, 300 places.")
    spare = places().assign(special_plans=[280, 270, 260])
    assert ": 40 places to spare;" in S.read_forecast_places(spare)


def test_suppressed_numbers_are_not_quoted():
    t = plans().astype(object)
    t.loc[3, "plans_lower"] = "c"
    assert "(interval a suppressed number to 1,380)" in S.read_forecast_plans(t)


def test_before_the_first_forecast():
    for sid in ("forecast_plans", "forecast_places"):
        section = BY_ID[sid]
        empty = pd.DataFrame(columns=["census_year", "kind", *section.y, *section.extra["band"],
                                      *([section.extra["marker"]] if "marker" in section.extra else [])])
        assert section.reading(empty) == S.NO_FORECAST
        svg = chart_svg(section, empty)
        assert "No forecast yet" in svg


def test_fan_charts_draw_a_band_and_the_places():
    svg = chart_svg(BY_ID["forecast_plans"], plans())
    assert "<path" in svg and "Interval" in svg and "Projected" in svg and "Recorded" in svg
    svg = chart_svg(BY_ID["forecast_places"], places())
    assert "Places" in svg and "Interval" in svg
