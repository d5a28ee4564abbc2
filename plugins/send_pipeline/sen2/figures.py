"""Sign-off figures: counts per module and every measure the DfE publishes from the return.

Computed from the file's tables (what the DfE will receive), named exactly as the columns of the DfE's
"Education, health and care plans" release tables (requests, assessments, timeliness_20_week,
annual_reviews, caseload, newplans, ceased_plans, sen_needs_all_plans, sen_need_newplans,
personal_budgets), with the release's "All ..." row and every breakdown the file allows (age, sex, ethnicity,
type of placement, years the plan has been held). The warehouse computes the same measures from its own
tables (marts.dfe_measures, dbt/models/marts/dfe_measures.sql); tests/sen2/test_dfe_agreement.py proves
the two agree on the same LA. Every definition, and where it comes from, is in docs/dfe_measures.md;
in short (P = the collection period, the calendar year before the return; C = the census day):

- requests: requests received in P, by their outcome on C; the 6-week measure counts the decisions
  whether to assess (RequestOutcome Y or N) dated in P, whenever received (the release's own arithmetic:
  see the docs) - a withdrawal (W) is never a decision;
- assessments: decisions dated in P (Y plan issued, N not to issue; 16 weeks = 112 days for N) and
  withdrawals whose decision to assess was dated in P;
- timeliness_20_week: plans issued (AssessmentOutcome Y) dated in P: within 20 weeks = 140 days or fewer
  from ReceivedDate, 20 to 52 weeks = 141 to 364 days, after 52 weeks = 365 days or more;
- caseload, sen_needs_all_plans, personal_budgets, annual_reviews: the plans held on C (ActivePlans);
- newplans, sen_need_newplans: plans issued in the return (Assessment Y, dated) that started in P;
- ceased_plans: NamedPlan CeaseDate in P.

The shared arithmetic (dates, labels, aggregation, setting and need breakdowns) is in `sen2.arithmetic`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .arithmetic import (  # TABLES, ACADEMIC, COLUMNS, time_periods: also read as figures.* by sen2.build
    ACADEMIC, CEASE, COLUMNS, TABLES, age_label, aggregate, dates, ethnicity_labels, need_counts, needs_derive, or_unknown,
    pc, placement_labels, placement_settings, setting_counts, settings_derive, sex_labels, text, time_periods,
    years_between, years_held_labels, years_in_place_labels,
)

__all__ = ["ACADEMIC", "COLUMNS", "MODULES", "TABLES", "compute", "module_counts", "previous_name", "time_periods",
           "with_previous"]
from .calendar import Period

MODULES = [("person", "Person"), ("requests", "Requests"), ("assessment", "Assessment"), ("named_plan", "NamedPlan"),
           ("plan_detail", "PlanDetail"), ("active_plans", "ActivePlans"), ("placement_detail", "PlacementDetail"),
           ("sen_need", "SENneed")]
# ------------------------------------------------------------------------------------------ compute
def compute(tables: dict[str, pd.DataFrame], period: Period, schools: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every measure of the DfE tables for this return, long form (COLUMNS)."""
    P0, P1, C = pd.Timestamp(period.start), pd.Timestamp(period.end), pd.Timestamp(period.census)
    person = tables["person"].set_index("person_seq")
    dob_of = dates(person, "PersonBirthDate")
    sex_of = sex_labels(person)
    ethnicity_of = ethnicity_labels(person)
    frames = []

    def people(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        seq = frame["person_seq"].astype(int)
        return (pd.Series(dob_of.reindex(seq).to_numpy(), index=frame.index),
                pd.Series(sex_of.reindex(seq).to_numpy(), index=frame.index, dtype=object),
                pd.Series(ethnicity_of.reindex(seq).to_numpy(), index=frame.index, dtype=object))

    # ---- requests
    r = tables["requests"]
    rcv, dec, code = dates(r, "ReceivedDate"), dates(r, "RequestOutcomeDate"), text(r, "RequestOutcome")
    received = rcv.between(P0, P1) & (code != "H")
    decided = code.isin(["Y", "N"]) & dec.between(P0, P1)
    units = r[received | decided]
    dob, sex, eth = people(units)
    age = or_unknown(age_label(years_between(dob, rcv[units.index]), "aged"), "Age unknown")
    ru = received[units.index]
    flags = {
        "received": ru, "rya": ru & (text(units, "RYA") == "1"),
        "assess": ru & (code[units.index] == "Y"), "not_assess": ru & (code[units.index] == "N"),
        "not_made": ru & (code[units.index] == "A"), "withdrawn": ru & (code[units.index] == "W"),
        "decided": decided[units.index],
        "within_6": decided[units.index] & ((dec - rcv).dt.days[units.index] <= 42),
        "mediation": ru & (text(units, "RequestMediation") == "1"),
        "tribunal": ru & (text(units, "RequestTribunal") == "1"),
    }
    flags["tribunal_after_mediation"] = flags["mediation"] & flags["tribunal"]
    frames.append(aggregate("requests", period, units, flags, [("Child or young persons age", [age]),
                                                                 ("Sex", [sex]), ("Ethnicity", [eth])], lambda w: [
        ("requests_received_in_year", w["received"]), ("requests_rya", w["rya"]),
        ("requests_decided_to_assess", w["assess"]), ("requests_decided_not_to_assess", w["not_assess"]),
        ("requests_decision_not_made", w["not_made"]), ("requests_withdrawn", w["withdrawn"]),
        ("request_assess_pc", pc(w["assess"], w["received"])), ("request_not_assess_pc", pc(w["not_assess"], w["received"])),
        ("request_outstanding_pc", pc(w["not_made"], w["received"])),
        ("request_withdrawn_pc", pc(w["withdrawn"], w["received"])),
        ("request_outcome_six_weeks", w["within_6"]), ("request_outcome_over_6_weeks", w["decided"] - w["within_6"]),
        ("request_outcome_six_weeks_pc", pc(w["within_6"], w["decided"])),
        ("request_outcome_over_6_weeks_pc", pc(w["decided"] - w["within_6"], w["decided"])),
        ("mediation_related_request", w["mediation"]), ("tribunal_related_request", w["tribunal"]),
        ("tribunal_after_mediation_request", w["tribunal_after_mediation"])]))

    # ---- assessments and the 20-week timeliness of plans issued
    a = tables["assessment"]
    by_request = r.set_index("request_seq")
    a_rcv = pd.Series(rcv.to_numpy(), index=r["request_seq"].to_numpy()).reindex(a["request_seq"].to_numpy())
    a_rcv = pd.Series(pd.to_datetime(a_rcv.to_numpy()), index=a.index)
    a_dec = pd.Series(dec.to_numpy(), index=r["request_seq"].to_numpy()).reindex(a["request_seq"].to_numpy())
    a_dec = pd.Series(pd.to_datetime(a_dec.to_numpy()), index=a.index)
    a_person = a.assign(person_seq=by_request["person_seq"].reindex(a["request_seq"].to_numpy()).to_numpy())
    acode, odate = text(a, "AssessmentOutcome"), dates(a, "AssessmentOutcomeDate")
    decided_a = acode.isin(["Y", "N"]) & odate.between(P0, P1)
    withdrawn_a = (acode == "W") & a_dec.between(P0, P1)
    units = a_person[decided_a | withdrawn_a]
    dob, sex, eth = people(units)
    days = (odate - a_rcv).dt.days[units.index]
    age_at_request = years_between(dob, a_rcv[units.index])
    ac = acode[units.index]
    dec_u = decided_a[units.index]
    flags = {
        "in_year": pd.Series(True, index=units.index), "issued": dec_u & (ac == "Y"), "not_issued": dec_u & (ac == "N"),
        "not_made": ac == "A", "withdrawn": withdrawn_a[units.index],
        "within_16": dec_u & (ac == "N") & (days <= 112), "over_16": dec_u & (ac == "N") & (days > 112),
        "mediation": dec_u & (text(units, "AssessmentMediation") == "1"),
        "tribunal": dec_u & (text(units, "AssessmentTribunal") == "1"),
        "other_mediation": dec_u & (text(units, "OtherMediation") == "1"),
        "other_tribunal": dec_u & (text(units, "OtherTribunal") == "1"),
    }
    flags["mediation_tribunal"] = flags["mediation"] & flags["tribunal"]
    flags["other_mediation_tribunal"] = flags["other_mediation"] & flags["other_tribunal"]
    frames.append(aggregate("assessments", period, units, flags, [
        ("Child or young persons age", [or_unknown(age_label(age_at_request, "aged"), "Age unknown")]), ("Sex", [sex]), ("Ethnicity", [eth])],
        lambda w: [
            ("assess_in_year", w["in_year"]), ("assess_issued", w["issued"]), ("assess_issued_pc", pc(w["issued"], w["in_year"])),
            ("assess_not_issued", w["not_issued"]), ("assess_not_issued_pc", pc(w["not_issued"], w["in_year"])),
            ("assess_not_made", w["not_made"]), ("assess_not_made_pc", pc(w["not_made"], w["in_year"])),
            ("assess_withdrawn", w["withdrawn"]), ("assess_withdrawn_pc", pc(w["withdrawn"], w["in_year"])),
            ("outcome_decision_within_time", w["within_16"]), ("outcome_decision_over_time", w["over_16"]),
            ("outcome_decision_within_time_pc", pc(w["within_16"], w["within_16"] + w["over_16"])),
            ("outcome_decision_over_time_pc", pc(w["over_16"], w["within_16"] + w["over_16"])),
            ("number_assess_mediation", w["mediation"]), ("number_assess_tribunal", w["tribunal"]),
            ("number_asssess_mediation_tribunal", w["mediation_tribunal"]),
            ("number_other_mediation", w["other_mediation"]), ("number_other_tribunal", w["other_tribunal"]),
            ("number_other_mediation_tribunal", w["other_mediation_tribunal"])]))

    issued = units[dec_u & (ac == "Y")]
    d = days[issued.index]
    ex = text(issued, "Week20") != "1"
    flags = {"den": pd.Series(True, index=issued.index), "den_ex": ex, "w20": d <= 140, "w20_ex": (d <= 140) & ex,
             "to52": d.between(141, 364), "to52_ex": d.between(141, 364) & ex, "gt52": d >= 365, "gt52_ex": (d >= 365) & ex}
    frames.append(aggregate("timeliness_20_week", period, issued, flags, [
        ("Child or young persons age", [or_unknown(age_label(age_at_request[issued.index], "band"), "Unknown")]),
        ("Sex", [sex[issued.index]]), ("Ethnicity", [eth[issued.index]])], lambda w: [
            ("plans_issued_den", w["den"]), ("plans_issued_den_ex", w["den_ex"]),
            ("plans_issued_within_20_weeks", w["w20"]), ("plans_issued_20_weeks_ex", w["w20_ex"]),
            ("pc_plans_issued_within_20_weeks", pc(w["w20"], w["den"])), ("PC_plans_issued_20_weeks_ex", pc(w["w20_ex"], w["den_ex"])),
            ("plans_issued_gt20weeks_ltYear", w["to52"]), ("plans_issued_gt20weeks_ltYear_ex", w["to52_ex"]),
            ("pc_plans_issued_gt20weeks_ltYear", pc(w["to52"], w["den"])),
            ("PC_plans_issued_gt20weeks_ltYear_ex", pc(w["to52_ex"], w["den_ex"])),
            ("plans_issued_gt_1_year", w["gt52"]), ("plans_issued_gt_1_year_ex", w["gt52_ex"]),
            ("pc_plans_issued_gt_1_year", pc(w["gt52"], w["den"])), ("PC_plans_issued_gt_1_year_ex", pc(w["gt52_ex"], w["den_ex"]))]))

    # ---- plans held on the census day (ActivePlans) with their NamedPlan, person, placement, need
    ap = tables["active_plans"]
    npl = tables["named_plan"].set_index("request_seq")
    held = ap.assign(person_seq=by_request["person_seq"].reindex(ap["request_seq"].to_numpy()).to_numpy())
    dob, sex, eth = people(held)
    start = pd.Series(dates(npl, "StartDate").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index)
    age_now = years_between(dob, pd.Series(C, index=held.index))
    pl = tables["placement_detail"]
    entry, leave = dates(pl, "EntryDate"), dates(pl, "LeavingDate")
    open_ = (entry.isna() | (entry <= C)) & (leave.isna() | (leave > C)) & (text(pl, "PlacementRank") == "1")
    current = pl[open_].drop_duplicates("request_seq", keep="last").set_index("request_seq")
    current = current.reindex(held["request_seq"].to_numpy())
    current.index = held.index
    columns = placement_settings(current, schools)
    # not in education (other) and of compulsory school age on the (January) census day: Year 1 to 11, or
    # a reception child already five by 31 December
    academic = (C.year if C.month >= 9 else C.year - 1) - dob.dt.year - (dob.dt.month >= 9).astype(int)
    csa = academic.between(5, 15) | ((academic == 4) & (dob.dt.month >= 9))
    columns = columns.where(~((columns == "neet_other") & csa), "neet_other_csa")
    need = tables["sen_need"]
    primary = need[text(need, "SENtypeRank") == "1"].drop_duplicates("request_seq").set_index("request_seq")["SENtype"]
    need_now = pd.Series(primary.reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index, dtype=object)
    place_labels = placement_labels(columns, "annual_reviews")
    years_in_place = years_in_place_labels(years_between(start, pd.Series(C, index=held.index)))

    frames.append(aggregate("caseload", period, held, setting_counts(columns), [
        ("Child or young persons age", [or_unknown(age_label(age_now, "current"), "unknown")]),
        ("Age when plan started", [or_unknown(age_label(years_between(dob, start), "band"), "unknown")]),
        ("Sex", [sex]), ("Ethnicity", [eth]), ("Years EHC plan in place", [years_in_place])], settings_derive("ehcplans")))
    frames.append(aggregate("sen_needs_all_plans", period, held, need_counts(need_now), [
        ("Child or young persons age", [or_unknown(age_label(age_now, "current"), "unknown")]), ("Sex", [sex]), ("Ethnicity", [eth]),
        ("Type of placement", place_labels), ("Years EHC plan in place", [years_in_place])], needs_derive))

    # ---- personal budgets of plans held on the census day
    pb = pd.Series(text(npl, "PB").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index) == "1"
    oa = pd.Series(text(npl, "OA").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index) == "1"
    dp = pd.Series(text(npl, "DP").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index, dtype=object)
    budgets = held[pb]
    flags = {"pb": pd.Series(True, index=budgets.index), "oa": oa[budgets.index]}
    for kind, code_ in (("health", "H"), ("education", "E"), ("social", "S"), ("integrated", "I")):
        flags[kind] = dp[budgets.index] == code_
    frames.append(aggregate("personal_budgets", period, budgets, flags, [
        ("Child or young persons age", [or_unknown(age_label(age_now[budgets.index], "band"), "Unknown")]),
        ("Sex", [sex[budgets.index]]), ("Ethnicity", [eth[budgets.index]]), ("Type of placement", placement_labels(columns[budgets.index], "personal_budgets"))],
        lambda w: [("personal_budget", w["pb"]), ("org_arrangments", w["oa"]), ("pb_health", w["health"]),
                   ("pb_education", w["education"]), ("pb_social", w["social"]), ("pb_integrated", w["integrated"])]))

    # ---- annual reviews of plans held on the census day
    meet, last = dates(held, "ReviewMeeting"), dates(held, "LastReview")
    outcome = text(held, "ReviewOutcome")
    # a review is expected once the plan is 12 months old (29 Feb + 12 months = 28 Feb)
    expected = (start + pd.DateOffset(months=12)) <= C
    met = expected & meet.notna()
    decided_r = met & last.notna()
    waited = (C - meet).dt.days
    cy, py = period.year, period.year - 1
    flags = {
        "plans": pd.Series(True, index=held.index), "expected": expected, "met": met,
        "met_cy": met & (meet.dt.year == cy), "met_py": met & (meet.dt.year == py), "met_before": met & (meet.dt.year < py),
        "decided": decided_r, "dec_cy": decided_r & (last.dt.year == cy), "dec_py": decided_r & (last.dt.year == py),
        "dec_before": decided_r & (last.dt.year < py),
        "not_due": met & last.isna() & (waited <= 28), "outstanding": met & last.isna() & (waited > 28),
        "amend": met & (outcome == "A"), "cease": met & (outcome == "C"), "maintain": met & (outcome == "M"),
        "no_outcome": met & outcome.isna(), "within_4": decided_r & ((last - meet).dt.days <= 28),
    }
    yy, pyy = f"{cy % 100:02d}", f"{py % 100:02d}"
    frames.append(aggregate("annual_reviews", period, held, flags, [
        ("Child or young persons age", [or_unknown(age_label(age_now, "aged"), "Age unknown")]), ("Sex", [sex]), ("Ethnicity", [eth]),
        ("Type of placement", place_labels), ("Years EHC plan in place", [years_in_place])], lambda w: [
            ("total_ehc_plans", w["plans"]), ("review_expected", w["expected"]),
            ("review_not_expected", w["plans"] - w["expected"]),
            (f"review_meeting_{yy}", w["met_cy"]), (f"review_meeting_{pyy}", w["met_py"]),
            (f"review_meeting_prior_{pyy}", w["met_before"]), ("total_review_meeting", w["met"]),
            ("no_review_meeting", w["expected"] - w["met"]),
            (f"review_decision{yy}", w["dec_cy"]), (f"review_decision{pyy}", w["dec_py"]),
            (f"review_decision_prior{pyy}", w["dec_before"]),
            ("review_decision_not_due", w["not_due"]), ("review_decision_outstanding", w["outstanding"]),
            ("outcome_amend", w["amend"]), ("outcome_cease", w["cease"]), ("outcome_maintan", w["maintain"]),
            ("no_outcome", w["no_outcome"]), ("number_decsion_4weeks", w["within_4"]),
            ("number_decision_gt_4weeks", w["decided"] - w["within_4"]),
            ("pc_decsion_4weeks", pc(w["within_4"], w["decided"])),
            ("pc_decision_gt_4weeks", pc(w["decided"] - w["within_4"], w["decided"]))]))

    # ---- new plans (issued in the return, started in the period) and ceased plans: the setting named
    pd_ = tables["plan_detail"]
    named_first = pd_[text(pd_, "PlacementRank") == "1"].drop_duplicates("request_seq").set_index("request_seq")
    npl_all = tables["named_plan"].copy()
    npl_all["person_seq"] = by_request["person_seq"].reindex(npl_all["request_seq"].to_numpy()).to_numpy()
    a_by_req = a.set_index("request_seq")
    a_code = text(a_by_req, "AssessmentOutcome").reindex(npl_all["request_seq"].to_numpy()).to_numpy()
    a_dated = dates(a_by_req, "AssessmentOutcomeDate").reindex(npl_all["request_seq"].to_numpy()).notna().to_numpy()
    p_start = dates(npl_all, "StartDate")
    new = npl_all[(a_code == "Y") & a_dated & p_start.between(P0, P1).to_numpy()]
    dob, sex, eth = people(new)
    named = named_first.reindex(new["request_seq"].to_numpy())
    named.index = new.index
    new_columns = placement_settings(named, schools)
    new_need = pd.Series(primary.reindex(new["request_seq"].to_numpy()).to_numpy(), index=new.index, dtype=object)
    age_start = years_between(dob, p_start[new.index])
    frames.append(aggregate("newplans", period, new, setting_counts(new_columns), [
        ("Age when plan started", [or_unknown(age_label(age_start, "band"), "unknown")]), ("Sex", [sex]), ("Ethnicity", [eth])],
        settings_derive("new_ehc_plans")))
    frames.append(aggregate("sen_need_newplans", period, new, need_counts(new_need), [
        ("Child or young persons age", [or_unknown(age_label(age_start, "band"), "Unknown")]), ("Sex", [sex]), ("Ethnicity", [eth]),
        ("Type of placement", placement_labels(new_columns, "sen_need_newplans"))], needs_derive))

    cease_on = dates(npl_all, "CeaseDate")
    ceased = npl_all[cease_on.between(P0, P1)]
    dob, sex, eth = people(ceased)
    named = named_first.reindex(ceased["request_seq"].to_numpy())
    named.index = ceased.index
    ceased_columns = placement_settings(named, schools)
    reason = text(ceased, "CeaseReason")
    flags = {"total": pd.Series(True, index=ceased.index), "not_rec": ~reason.isin(list(CEASE))}
    flags.update({f"r{k}": reason == k for k in CEASE})
    frames.append(aggregate("ceased_plans", period, ceased, flags, [
        ("Age plan ceased", [or_unknown(age_label(years_between(dob, cease_on[ceased.index]), "band"), "Age unknown")]),
        ("Sex", [sex]), ("Ethnicity", [eth]), ("Type of placement", placement_labels(ceased_columns, "ceased_plans")),
        ("Years plan held", [years_held_labels(years_between(p_start[ceased.index], cease_on[ceased.index]))])],
        lambda w: [*[(name, w[f"r{k}"]) for k, name in CEASE.items() if k != "9"],
                   ("not_rec", w["not_rec"]), ("other", w["r9"]), ("total_ceased", w["total"])]))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------------------ beside last year
def previous_name(table: str, measure: str) -> str:
    """The column of last year's release that holds the same figure: the release's column names are lower
    case in ref.dfe_*, and annual_reviews names its years (our review_meeting_26 is last year's _25)."""
    import re

    name = measure.lower()
    if table == "annual_reviews":
        name = re.sub(r"(\d\d)$", lambda m: f"{int(m.group(1)) - 1:02d}", name)
    return name


def with_previous(rows: pd.DataFrame, previous: dict[str, dict | None], period: Period, la_code: str) -> pd.DataFrame:
    """The "All ..." figures beside the LA's published figures for the year before."""
    tp = time_periods(period.year - 1)
    frame = rows[rows["breakdown_topic"] == rows["breakdown"]].copy()
    frame["time_period"] = frame["time_period"].astype(int).astype(str)
    frame.insert(0, "section", "dfe_headline")
    frame["geographic_level"] = "Local authority"
    frame["old_la_code"] = la_code
    frame["previous_time_period"] = [tp["academic"] if t in ACADEMIC else tp["calendar"] for t in frame["dfe_table"]]
    values = []
    for table, measure in zip(frame["dfe_table"], frame["measure"]):
        value = (previous.get(table) or {}).get(previous_name(table, measure))
        values.append(None if value in (None, "", "x", "c", "z", "low") or (isinstance(value, float) and np.isnan(value))
                      else value)
    frame["previous_value"] = values
    frame["how"] = "docs/dfe_measures.md"
    return frame[["section", "dfe_table", "time_period", "geographic_level", "old_la_code", "breakdown_topic", "breakdown",
                  "measure", "value", "previous_time_period", "previous_value", "how"]]


def module_counts(tables: dict[str, pd.DataFrame]) -> list[dict]:
    return [{"section": "module_counts", "measure": element, "value": int(len(tables[name])), "how": f"<{element}> records"}
            for name, element in MODULES]
