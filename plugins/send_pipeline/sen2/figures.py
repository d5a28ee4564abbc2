"""Sign-off figures: counts per module and the headline figures the DfE will publish from the return.

Computed from the file's tables (what the DfE will receive), named by the columns of the DfE's
"Education, health and care plans" release (the ref.dfe_* tables loaded by send_nightly) and set beside
the LA's published figures for the previous year, so a broken extract shows before submission.
The DfE's exact derivations are not published with the data; ours are stated per measure and UNVERIFIED.
"""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from .calendar import SEN2_DIR, Period

MODULES = [("person", "Person"), ("requests", "Requests"), ("assessment", "Assessment"), ("named_plan", "NamedPlan"),
           ("plan_detail", "PlanDetail"), ("active_plans", "ActivePlans"), ("placement_detail", "PlacementDetail"),
           ("sen_need", "SENneed")]
NEEDS = ["asd", "hi", "mld", "msi", "oth", "pd", "pmld", "semh", "slcn", "sld", "spld", "vi"]
CEASE = {"1": "max_age", "2": "needs_met", "3": "he", "4": "employ", "5": "transfer", "6": "no_engage",
         "7": "moved_outside_eng", "8": "deceased", "9": "other"}
ALL_TOPIC = {
    "dfe_requests": "All requests for EHC needs assessments", "dfe_timeliness_20_week": "All EHC plans issued",
    "dfe_caseload": "All EHC plans", "dfe_sen_needs_all_plans": "All EHC plans",
    "dfe_annual_reviews": "All annual reviews", "dfe_ceased_plans": "All ceased EHC plans",
}
GROUPS = {
    "mainstream_total": ["mainstream_la_maintained", "mainstream_la_maintained_resourced_provision",
                         "mainstream_la_maintained_senunit", "mainstream_academy", "mainstream_academy_resourced_provision",
                         "mainstream_academy_senunit", "mainstream_free_school", "mainstream_free_school_resourced_provision",
                         "mainstream_free_school_senunit", "mainstream_independent"],
    "special_total": ["special_la_maintained", "special_academy_free", "special_independent", "special_non_maintained"],
    "ap_pru_total": ["ap_pru_academy", "ap_pru_free_school", "ap_pru_la_maintained"],
    "fe_total": ["general_fe_tertiary_colleges", "specialist_post_16_institutions", "ukrlp_provider"],
}
OTHER_SETTINGS = ["elective_home_education", "other_arrangements_la", "other_arrangements_parents",
                  "other_placement_settings", "neet", "neet_ntci", "neet_other", "nm_early_years", "placement_unknown"]


def time_periods(year: int) -> dict[str, str]:
    """DfE time_period of this return's figures: calendar year Y-1, and January Y as academic 'Y-1Y'."""
    return {"calendar": str(year - 1), "academic": f"{year - 1}{year % 100:02d}"}


def _dates(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(pd.NaT, index=frame.index)
    return pd.to_datetime(frame[col], format="%Y-%m-%d", errors="coerce")


def _pc(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def setting_map() -> dict[tuple[str, str], str]:
    with open(SEN2_DIR / "dfe_setting_types.csv", newline="", encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    return {(r["kind"], r["value"]): r["dfe_column"] for r in csv.DictReader(rows)}


def compute(tables: dict[str, pd.DataFrame], period: Period, schools: pd.DataFrame | None = None) -> list[dict]:
    """Rows of (dfe_table, measure, value) for this return."""
    P0, P1, C = pd.Timestamp(period.start), pd.Timestamp(period.end), pd.Timestamp(period.census)
    out: list[dict] = []

    def add(table: str, measure: str, value, how: str = "") -> None:
        out.append({"dfe_table": table, "measure": measure, "value": value, "how": how})

    # ---- requests received in the calendar year, by outcome on the census day
    r = tables["requests"]
    rcv, dec = _dates(r, "ReceivedDate"), _dates(r, "RequestOutcomeDate")
    inyear = rcv.between(P0, P1) & (r["RequestOutcome"] != "H")
    n = int(inyear.sum())
    add("dfe_requests", "requests_received_in_year", n, "Requests with ReceivedDate in the period")
    add("dfe_requests", "requests_rya", int((inyear & (r.get("RYA") == "1")).sum()))
    for code, measure, pc in (("Y", "requests_decided_to_assess", "request_assess_pc"),
                              ("N", "requests_decided_not_to_assess", "request_not_assess_pc"),
                              ("A", "requests_decision_not_made", "request_outstanding_pc"),
                              ("W", "requests_withdrawn", "request_withdrawn_pc")):
        k = int((inyear & (r["RequestOutcome"] == code)).sum())
        add("dfe_requests", measure, k, f"received in the period, RequestOutcome {code}")
        add("dfe_requests", pc, _pc(k, n))
    decided = inyear & r["RequestOutcome"].isin(["Y", "N"])
    within = decided & ((dec - rcv).dt.days <= 42)
    add("dfe_requests", "request_outcome_six_weeks", int(within.sum()), "decision within 42 days of receipt")
    add("dfe_requests", "request_outcome_over_6_weeks", int((decided & ~within).sum()))
    add("dfe_requests", "request_outcome_six_weeks_pc", _pc(within.sum(), decided.sum()))
    add("dfe_requests", "request_outcome_over_6_weeks_pc", _pc((decided & ~within).sum(), decided.sum()))
    add("dfe_requests", "mediation_related_request", int((inyear & (r.get("RequestMediation") == "1")).sum()))
    add("dfe_requests", "tribunal_related_request", int((inyear & (r.get("RequestTribunal") == "1")).sum()))

    # ---- plans issued in the calendar year: 20-week timeliness (issue date = AssessmentOutcomeDate, UNVERIFIED)
    a = tables["assessment"]
    issued_on = _dates(a, "AssessmentOutcomeDate")
    a_rcv = a["request_seq"].map(pd.Series(rcv.to_numpy(), index=r["request_seq"].to_numpy()))
    a_rcv = pd.to_datetime(a_rcv)
    issued = (a["AssessmentOutcome"] == "Y") & issued_on.between(P0, P1)
    days = (issued_on - a_rcv).dt.days
    ex = issued & (a.get("Week20") != "1")
    for suffix, base in (("", issued), ("_ex", ex)):
        den = int(base.sum())
        w20 = int((base & (days <= 140)).sum())
        gt = int((base & (days > 140) & (days <= 365)).sum())
        gty = int((base & (days > 365)).sum())
        add("dfe_timeliness_20_week", f"plans_issued_den{suffix}", den,
            "AssessmentOutcome Y dated in the period" + (" without a Week20 exception" if suffix else ""))
        add("dfe_timeliness_20_week", "plans_issued_within_20_weeks" if not suffix else "plans_issued_20_weeks_ex", w20,
            "AssessmentOutcomeDate - ReceivedDate <= 140 days")
        add("dfe_timeliness_20_week", "pc_plans_issued_within_20_weeks" if not suffix else "pc_plans_issued_20_weeks_ex",
            _pc(w20, den))
        add("dfe_timeliness_20_week", f"plans_issued_gt20weeks_ltyear{suffix}", gt)
        add("dfe_timeliness_20_week", f"plans_issued_gt_1_year{suffix}", gty)

    # ---- caseload on the census day by setting type of the primary placement open that day
    ap = tables["active_plans"]
    pl = tables["placement_detail"]
    entry, leave = _dates(pl, "EntryDate"), _dates(pl, "LeavingDate")
    open_ = (entry.isna() | (entry <= C)) & (leave.isna() | (leave > C)) & (pl["PlacementRank"] == "1")
    first = pl[open_].drop_duplicates("request_seq", keep="last").set_index("request_seq")
    columns = _setting_columns(first.reindex(ap["request_seq"].to_numpy()), schools)
    counts = columns.value_counts()
    add("dfe_caseload", "ehcplans", int(len(ap)), "ActivePlans records")
    for group, members in GROUPS.items():
        total = 0
        for m in members:
            k = int(counts.get(m, 0))
            total += k
            add("dfe_caseload", m, k, "primary placement open on the census day (mapping in include/sen2/dfe_setting_types.csv)")
        add("dfe_caseload", group, total)
        add("dfe_caseload", f"{group}_pc", _pc(total, len(ap)))
    for m in OTHER_SETTINGS:
        add("dfe_caseload", m, int(counts.get(m, 0)))

    # ---- primary need of plans on the census day (DS counted under "other", as the DfE did for 2025)
    need = tables["sen_need"]
    primary = need[need["SENtypeRank"] == "1"].drop_duplicates("request_seq").set_index("request_seq")["SENtype"]
    kinds = primary.reindex(ap["request_seq"].to_numpy()).astype(object).str.lower().replace({"ds": "oth"})
    add("dfe_sen_needs_all_plans", "ehc_plans", int(len(ap)))
    for k in NEEDS:
        add("dfe_sen_needs_all_plans", f"number_{k}", int((kinds == k).sum()), "SENneed rank 1")
    add("dfe_sen_needs_all_plans", "number_need_unknown", int(kinds.isna().sum()))

    # ---- reviews of plans on the census day
    meet, last = _dates(ap, "ReviewMeeting"), _dates(ap, "LastReview")
    out_ = ap.get("ReviewOutcome")
    add("dfe_annual_reviews", "total_ehc_plans", int(len(ap)))
    add("dfe_annual_reviews", "total_review_meeting", int(meet.notna().sum()), "ActivePlans with a ReviewMeeting")
    add("dfe_annual_reviews", "outcome_amend", int((out_ == "A").sum()))
    add("dfe_annual_reviews", "outcome_cease", int((out_ == "C").sum()))
    add("dfe_annual_reviews", "outcome_maintan", int((out_ == "M").sum()))
    both = meet.notna() & last.notna()
    in4 = both & ((last - meet).dt.days <= 28)
    add("dfe_annual_reviews", "number_decsion_4weeks", int(in4.sum()), "LastReview - ReviewMeeting <= 28 days")
    add("dfe_annual_reviews", "number_decision_gt_4weeks", int((both & ~in4).sum()))
    add("dfe_annual_reviews", "pc_decsion_4weeks", _pc(in4.sum(), both.sum()))
    add("dfe_annual_reviews", "pc_decision_gt_4weeks", _pc((both & ~in4).sum(), both.sum()))

    # ---- plans ceased in the calendar year by reason
    npl = tables["named_plan"]
    ceased = _dates(npl, "CeaseDate").between(P0, P1)
    reasons = npl.loc[ceased, "CeaseReason"].value_counts()
    for code, measure in CEASE.items():
        add("dfe_ceased_plans", measure, int(reasons.get(code, 0)), f"CeaseReason {code}, CeaseDate in the period")
    add("dfe_ceased_plans", "total_ceased", int(ceased.sum()))
    return out


def _setting_columns(first: pd.DataFrame, schools: pd.DataFrame | None) -> pd.Series:
    """The DfE caseload column for each plan's primary placement (NaN row = no placement)."""
    mapping = setting_map()
    by_urn: dict[str, str] = {}
    by_ukprn: dict[str, str] = {}
    if schools is not None and len(schools):
        for urn, ukprn, type_name in schools[["urn", "ukprn", "type_name"]].itertuples(index=False):
            if pd.notna(urn):
                by_urn[str(int(urn))] = type_name
            if pd.notna(ukprn) and str(ukprn).strip():
                by_ukprn[str(ukprn).strip()] = type_name
    cols = []
    for urn, ukprn, setting, unit, rp in zip(first.get("URN", pd.Series(dtype=object)),
                                             first.get("UKPRN", pd.Series(dtype=object)),
                                             first.get("SENSetting", pd.Series(dtype=object)),
                                             first.get("SENunitIndicator", pd.Series(dtype=object)),
                                             first.get("ResourcedProvisionIndicator", pd.Series(dtype=object))):
        col = None
        if isinstance(setting, str):
            col = mapping.get(("sen_setting", setting))
        elif isinstance(urn, str):
            col = mapping.get(("gias_type", by_urn.get(urn, "")))
        elif isinstance(ukprn, str):
            col = mapping.get(("gias_type", by_ukprn.get(ukprn, ""))) or mapping.get(("other", "ukprn"))
        col = col or mapping[("other", "unknown")]
        if col.startswith("mainstream_") and col != "mainstream_independent":
            if rp == "1":
                col += "_resourced_provision"
            elif unit == "1":
                col += "_senunit"
        cols.append(col)
    return pd.Series(cols, dtype=object)


def with_previous(rows: list[dict], previous: dict[str, dict | None], period: Period, la_code: str) -> pd.DataFrame:
    """The figures in the DfE's column naming, beside the LA's published figures for the year before."""
    tp = time_periods(period.year)
    prev_tp = time_periods(period.year - 1)
    academic = {"dfe_caseload", "dfe_sen_needs_all_plans"}
    frame = pd.DataFrame(rows)
    frame.insert(0, "section", "dfe_headline")
    frame["time_period"] = [tp["academic"] if t in academic else tp["calendar"] for t in frame["dfe_table"]]
    frame["geographic_level"] = "Local authority"
    frame["old_la_code"] = la_code
    frame["breakdown_topic"] = frame["dfe_table"].map(ALL_TOPIC)
    frame["breakdown"] = frame["breakdown_topic"]
    frame["previous_time_period"] = [prev_tp["academic"] if t in academic else prev_tp["calendar"] for t in frame["dfe_table"]]
    prev_values = []
    for table, measure in zip(frame["dfe_table"], frame["measure"]):
        row = previous.get(table) or {}
        value = row.get(measure)
        prev_values.append(None if value in (None, "", "x", "c", "z", "low") or (isinstance(value, float) and np.isnan(value))
                           else value)
    frame["previous_value"] = prev_values
    return frame[["section", "dfe_table", "time_period", "geographic_level", "old_la_code", "breakdown_topic", "breakdown",
                  "measure", "value", "previous_time_period", "previous_value", "how"]]


def module_counts(tables: dict[str, pd.DataFrame]) -> list[dict]:
    return [{"section": "module_counts", "measure": element, "value": int(len(tables[name])), "how": f"<{element}> records"}
            for name, element in MODULES]
