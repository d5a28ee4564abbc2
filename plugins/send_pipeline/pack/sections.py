"""The performance pack's sections: what each one queries, how it is charted, what it protects in
the public version, and its one-line reading, computed from the same (protected) table it charts.
The readings are in `pack.readings`, the number formats they and the charts share in `pack.formats`.

A reading never says a number the table does not hold; where the number it needs is suppressed
(public version) or missing, it says so instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from .formats import (
    PROVISION, census_year, fmt_int, fmt_money, fmt_pct, month_name, num, pct, period, provision,
)
from .readings import (
    NO_FORECAST, published_months, read_cost, read_forecast_places, read_forecast_plans, read_late_schools,
    read_mix, read_overdue, read_places, read_plans, read_quality, read_requests, read_reviews, read_spend,
    read_timeliness, read_timeliness_month, read_topup,
)

__all__ = [  # the formats and readings are read as sections.* by the pack and the tests
    "NO_FORECAST", "PROVISION", "census_year", "fmt_int", "fmt_money", "fmt_pct", "month_name", "num", "pct",
    "period", "provision", "published_months", "read_cost", "read_forecast_places", "read_forecast_plans",
    "read_late_schools", "read_mix", "read_overdue", "read_places", "read_plans", "read_quality", "read_requests",
    "read_reviews", "read_spend", "read_timeliness", "read_timeliness_month", "read_topup", "BOTH", "DFE",
    "SECTIONS", "Section", "WAREHOUSE",
]


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
    sql: str = ""                   # the query file in include/sql/pack/ (default: the section's id)
    totals: dict = field(default_factory=dict)  # key -> label of its total rows (additive, e.g. month: Total)
    extra: dict = field(default_factory=dict)

    @property
    def query_name(self) -> str:
        return self.sql or self.id


DFE = "Source: DfE, Education, health and care plans (latest release, OGL)."
WAREHOUSE = "Source: the LA's SEND warehouse (CMS, review tracker, finance ledger), as at the pack date."
BOTH = "Source: the LA's CMS (census-day count) and DfE, Education, health and care plans (latest release, OGL)."

SECTIONS: tuple[Section, ...] = (
    Section("plans_trend", "EHC plans: five-year trend", "Growth", "line", "time_period", ("plans",),
            "EHC plans (January census)", BOTH,
            read_plans, series="comparator", keys=("time_period", "comparator"), counts=("plans",),
            note="The LA's own count is every plan it holds on the January census day (a plan transferred in counts "
                 "from its transfer-in date), as the SEN2 return counts; the DfE's figure is the published SEN2 count, a year behind. SEN Support is not in "
                 "this pipeline's sources (the DfE's 'Special educational needs in England' release is not loaded), "
                 "so the chart shows EHC plans only. The region and England are in the table.",
            extra={"only": ("This LA", "This LA (own records)"), "pivot_table": True,
                   "legend": {"This LA": "This LA (DfE published)"}}),
    Section("requests_and_plans", "Requests received and new plans issued", "Growth", "bar", "year",
            ("requests_received", "plans_issued"), "Number per calendar year", WAREHOUSE, read_requests,
            counts=("requests_received", "plans_issued"), keys=("year",)),
    Section("timeliness_benchmark", "20-week timeliness beside the region and England", "Timeliness", "line", "year",
            ("pct_within_20_weeks",), "% within 20 weeks", DFE, read_timeliness,
            series="comparator", keys=("year", "comparator"), percent_axis=True,
            note="Solid lines include exception cases (the headline measure); dashed lines exclude them.",
            extra={"dashed": "pct_within_20_weeks_ex", "table_rows": 18}),
    Section("timeliness_by_month", "20-week timeliness by month", "Timeliness", "line", "month",
            ("pct_within_20_weeks", "pct_within_20_weeks_ex"), "% within 20 weeks", WAREHOUSE,
            read_timeliness_month, counts=("plans_issued", "within_20_weeks", "not_within_20_weeks", "plans_issued_ex",
                                           "within_20_weeks_ex", "not_within_20_weeks_ex"),
            groups=(("plans_issued", ("within_20_weeks", "not_within_20_weeks")),
                    ("plans_issued_ex", ("within_20_weeks_ex", "not_within_20_weeks_ex"))),
            totals={"month": "Total"},
            note="Total rows: the calendar year, as in 'Requests received and new plans issued'.",
            rates=(("pct_within_20_weeks", "within_20_weeks", "plans_issued"),
                   ("pct_within_20_weeks_ex", "within_20_weeks_ex", "plans_issued_ex")),
            keys=("year", "month"), percent_axis=True),
    Section("review_compliance", "Annual reviews: paperwork and decisions on time", "Annual reviews", "line", "month",
            ("pct_paperwork_on_time", "pct_decision_on_time"), "% on time", WAREHOUSE, read_reviews,
            counts=("reviews_held", "paperwork_on_time", "paperwork_late", "paperwork_not_yet_due", "decision_on_time",
                    "decision_late", "decision_not_yet_due"),
            groups=(("reviews_held", ("paperwork_on_time", "paperwork_late", "paperwork_not_yet_due")),
                    ("reviews_held", ("decision_on_time", "decision_late", "decision_not_yet_due"))),
            rates=(("pct_paperwork_on_time", "paperwork_on_time", "paperwork_on_time+paperwork_late"),
                   ("pct_decision_on_time", "decision_on_time", "decision_on_time+decision_late")),
            keys=("month",), percent_axis=True,
            note="Paperwork: the LA's 15-day standard after the meeting. Decision: within 4 weeks of the meeting. "
                 "Reviews still within their deadline are not counted."),
    Section("late_paperwork_schools", "Schools with the most late review paperwork", "Annual reviews", "hbar",
            "school_name", ("paperwork_late",), "Reviews with late paperwork (last 12 months)", WAREHOUSE,
            read_late_schools, counts=("reviews_held", "paperwork_late"), keys=("school_urn",), x_label="School"),
    Section("overdue_by_coordinator", "Overdue annual reviews by co-ordinator", "Annual reviews", "hbar",
            "officer_key", ("overdue_reviews",), "Overdue reviews", WAREHOUSE, read_overdue,
            counts=("overdue_reviews",), keys=("officer_key",), x_label="Co-ordinator",
            note="Internal version: co-ordinators by pseudonymous key (stable from month to month), never by name. "
                 "Public version: by rank in this pack only, without their role.",
            extra={"public_relabel": ("officer_key", "Co-ordinator {n}"), "public_drop": ("role",), "table_rows": 15}),
    Section("placement_mix", "Placement mix beside the region's LAs", "Placements", "stacked_hbar", "area",
            ("pct_mainstream", "pct_special", "pct_independent", "pct_post_16", "pct_other"),
            "% of EHC plans", DFE, read_mix, keys=("area",), percent_axis=True,
            rates=tuple((f"pct_{c}", c, "plans") for c in ("mainstream", "special", "independent", "post_16", "other")),
            extra={"hide_columns": ("time_period", "mainstream", "special", "independent", "post_16", "other"),
                   "table_rows": 20},
            note="Mainstream and special exclude independent schools, shown on their own; post-16 is FE colleges, "
                 "specialist post-16 and other providers."),
    Section("spend_by_provision", "High-needs spend by provision type", "Spend", "bar", "financial_year", ("amount",),
            "Spend (£)", WAREHOUSE, read_spend, series="provision_type", counts=("pupils",),
            money=(("amount", "pupils"), ("avg_cost_per_pupil", "pupils")), keys=("financial_year", "provision_type"),
            x_label="Financial year (the latest to the as-at date)"),
    Section("cost_per_pupil", "Average yearly cost per funded pupil by provision type", "Spend", "bar", "provision_type",
            ("avg_cost_per_pupil",), "Average cost per pupil (£)", WAREHOUSE, read_cost, series="financial_year",
            counts=("pupils",), money=(("avg_cost_per_pupil", "pupils"),), keys=("financial_year", "provision_type"),
            x_label="Provision type", note="Complete financial years only. A pupil funded in two provision types "
                                           "counts in each."),
    Section("topup_gap", "Schools with the largest gap between expected and paid top-up", "Spend", "hbar",
            "school_name", ("gap",), "Paid minus expected top-up (£; below zero = underpaid)", WAREHOUSE, read_topup,
            x_label="School",
            counts=("pupils",), money=(("expected_topup", "pupils"), ("actual_topup", "pupils"), ("gap", "pupils")),
            keys=("school_urn",), extra={"top": 10, "public_min": "pupils", "public_none":
                "No school had {threshold} or more pupils on banded top-up, so no gap can be published in this version."},
            note="The ten largest gaps either way. Public version: schools with fewer pupils on top-up than the "
                 "disclosure threshold are left out of the ranking, so no suppressed amount is bounded by its place."),
    Section("special_school_places", "Special school places and occupancy", "Places", "bar", "school_name",
            ("la_pupils",), "LA pupils with EHC plans (January)", WAREHOUSE, read_places, series="time_period",
            counts=("places", "la_pupils"), keys=("time_period", "school_urn"),
            rates=(("pct_filled_by_la_pupils", "la_pupils", "places"),), x_label="LA special school",
            note="Bars: the LA's own pupils with EHC plans on each January census day. Black marks: places (GIAS "
                 "capacity, held for the latest year only).", extra={"marker": "places"}),
    Section("forecast_plans", "Forecast: EHC plans over the next five years", "Sufficiency", "fan", "census_year",
            ("plans",), "EHC plans (January census)", "Source: the LA's SEND warehouse; send_forecast (transition model, "
            "docs/forecast.md).", read_forecast_plans, counts=("plans", "plans_lower", "plans_upper", "new_plans"),
            keys=("census_year",), x_label="January census",
            note="Projected from the last years' joiners, movers and leavers by need, setting and year group (the "
                 "latest send_forecast run, baseline scenario). The band is the interval from the simulated runs "
                 "(SEND_FORECAST_INTERVAL, default the central 90%). The forecast's own backtest is in "
                 "marts.forecast_backtest.",
            extra={"band": ("plans_lower", "plans_upper")}),
    Section("forecast_places", "Forecast: special school demand against places", "Sufficiency", "fan", "census_year",
            ("special_plans",), "Children in state special schools", "Source: the LA's SEND warehouse, GIAS capacity; "
            "send_forecast.", read_forecast_places,
            counts=("special_plans", "special_plans_lower", "special_plans_upper", "places"), keys=("census_year",),
            x_label="January census",
            note="Demand: children with EHC plans in state-funded special schools, in the area or out of it. Places: "
                 "GIAS capacity of the state-funded special schools in the LA's area, held for the latest year and "
                 "assumed unchanged (a scenario can add places).",
            extra={"band": ("special_plans_lower", "special_plans_upper"), "marker": "places"}),
    Section("quarantine_rates", "Data quality: rows quarantined by source", "Data quality", "line", "as_at",
            ("pct_quarantined",), "% quarantined", WAREHOUSE, read_quality, series="source",
            rates=(("pct_quarantined", "rows_quarantined", "rows_extracted"),), keys=("as_at", "source"),
            percent_axis=True),
)
