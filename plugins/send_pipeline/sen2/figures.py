"""Sign-off figures: counts per module and every measure the DfE publishes from the return.

Computed from the file's tables (what the DfE will receive), named exactly as the columns of the DfE's
"Education, health and care plans" release tables (requests, assessments, timeliness_20_week,
annual_reviews, caseload, newplans, ceased_plans, sen_needs_all_plans, sen_need_newplans,
personal_budgets), with the release's "All ..." row and every breakdown the file allows (age, sex, ethnicity,
type of placement, years the plan has been held). The warehouse computes the same measures from its own
tables (marts.dfe_measures, include/sql/marts/dfe_measures.sql); tests/sen2/test_dfe_agreement.py proves
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
"""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from .calendar import SEN2_DIR, Period

MODULES = [("person", "Person"), ("requests", "Requests"), ("assessment", "Assessment"), ("named_plan", "NamedPlan"),
           ("plan_detail", "PlanDetail"), ("active_plans", "ActivePlans"), ("placement_detail", "PlacementDetail"),
           ("sen_need", "SENneed")]
TABLES = ("requests", "assessments", "timeliness_20_week", "annual_reviews", "caseload", "newplans", "ceased_plans",
          "sen_needs_all_plans", "sen_need_newplans", "personal_budgets")
ACADEMIC = {"caseload", "sen_needs_all_plans", "personal_budgets"}  # counted on the census day
ALL_TOPIC = {
    "requests": "All requests for EHC needs assessments", "assessments": "All EHC needs assessments",
    "timeliness_20_week": "All EHC plans issued", "annual_reviews": "All annual reviews", "caseload": "All EHC plans",
    "newplans": "New EHC plans", "ceased_plans": "All ceased EHC plans", "sen_needs_all_plans": "All EHC plans",
    "sen_need_newplans": "All EHC plans", "personal_budgets": "All personal budgets",
}
NEEDS = ["asd", "hi", "mld", "msi", "oth", "pd", "pmld", "semh", "slcn", "sld", "spld", "vi", "need_unknown"]
CEASE = {"1": "max_age", "2": "needs_met", "3": "he", "4": "employ", "5": "transfer", "6": "no_engage",
         "7": "moved_outside_eng", "8": "deceased", "9": "other"}
GROUP_PC = {"mainstream_total": "mainstream_total_pc", "special_total": "special_total_pc",
            "ap_pru_total": "AP_PRU_total_pc", "fe_total": "fe_total_pc", "ed_elsewhere": "ed_elsewhere_pc",
            "nm_early_years": "nm_early_years_pc", "placement_unknown": "placement_unknown_pc"}
COLUMNS = ["dfe_table", "time_period", "time_identifier", "breakdown_topic", "breakdown", "measure", "value"]


def time_periods(year: int) -> dict[str, str]:
    """DfE time_period of this return's figures: calendar year Y-1, and January Y as academic 'Y-1Y'."""
    return {"calendar": str(year - 1), "academic": f"{year - 1}{year % 100:02d}"}


def _read_csv(name: str) -> list[dict]:
    with open(SEN2_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def setting_map() -> dict[tuple[str, str], str]:
    return {(r["kind"], r["value"]): r["dfe_column"] for r in _read_csv("dfe_setting_types.csv")}


def setting_columns() -> list[dict]:
    return _read_csv("dfe_setting_columns.csv")


# ------------------------------------------------------------------------------------------ helpers
def _dates(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[col], format="%Y-%m-%d", errors="coerce")


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=object)
    return frame[col].astype(object).where(frame[col].notna(), np.nan)


def _years_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Completed years from `start` to `end` (an age on a day); NaN when either is missing."""
    before = (start.dt.month * 100 + start.dt.day) > (end.dt.month * 100 + end.dt.day)
    return (end.dt.year - start.dt.year - before.astype(int)).where(start.notna() & end.notna())


def pc(part, whole):
    """A percentage to 1 decimal place, half up, in exact integer arithmetic (as the SQL does); NaN if
    the base is 0."""
    part, whole = pd.Series(part, dtype="float64"), pd.Series(whole, dtype="float64")
    safe = whole.where(whole > 0, 1)
    return (np.floor((2000 * part + safe) / (2 * safe)) / 10).where(whole > 0)


def _label(age: pd.Series, kind: str) -> pd.Series:
    """The release's age labels: 'aged' (requests, assessments, annual reviews), 'band' (age 2 and under ...
    age 20 and over), 'current' (under 3, age 3 ... the caseload's current age)."""
    a = pd.to_numeric(age, errors="coerce")
    whole = a.fillna(-1).astype(int).astype(str)
    if kind == "aged":
        out = np.where(a <= 2, "Aged 2 and under", np.where(a >= 20, "Aged 20 and over", "Aged " + whole))
    elif kind == "current":
        out = np.where(a < 3, "under 3", "age " + whole)
    else:
        out = np.where(a <= 2, "age 2 and under", np.where(a >= 20, "age 20 and over", "age " + whole))
    return pd.Series(out, index=age.index, dtype=object).where(a.notna())


def _unknown(labels: pd.Series, text: str) -> pd.Series:
    return labels.fillna(text)


def _sex(frame: pd.DataFrame) -> pd.Series:
    sex = _text(frame, "Sex")
    return sex.map({"F": "Female", "M": "Male"}).fillna("Unknown").astype(object)


def ethnicity_map() -> dict[str, str]:
    return {r["code"]: r["label"] for r in _read_csv("dfe_ethnicity.csv")}


def _ethnicity(frame: pd.DataFrame) -> pd.Series:
    """The release's Ethnicity label of each person's CBDS code (include/sen2/dfe_ethnicity.csv); a code not
    listed, or none, is Unclassified."""
    codes = _text(frame, "Ethnicity").map(lambda v: v.strip().upper() if isinstance(v, str) else v)
    return codes.map(ethnicity_map()).fillna("Unclassified").astype(object)


def _years_in_place(years: pd.Series) -> pd.Series:
    y = pd.to_numeric(years, errors="coerce")
    out = np.where(y < 1, "Less than a year", np.where(y >= 12, "12 or more", y.fillna(-1).astype(int).astype(str)))
    return pd.Series(out, index=years.index, dtype=object).where(y.notna())


def _years_held(years: pd.Series) -> pd.Series:
    y = pd.to_numeric(years, errors="coerce")
    whole = y.fillna(-1).astype(int).astype(str)
    out = np.where(y < 1, "Under a year", np.where(y == 1, "1 year",
                                                     np.where(y >= 12, "12 years and over", whole + " years")))
    return pd.Series(out, index=years.index, dtype=object).where(y.notna())


def _aggregate(table: str, period: Period, units: pd.DataFrame, counts: dict[str, pd.Series],
               topics: list[tuple[str, list[pd.Series]]], derive) -> pd.DataFrame:
    """One DfE table in long form: the counts summed over all units (the "All" row) and over each label of
    each breakdown topic (a unit may carry two labels of one topic: a setting and its group total), then
    the measures `derive(wide)` returns (a list of (measure, Series) in the release's order)."""
    flags = pd.DataFrame({k: np.asarray(v, dtype=bool).astype("int64") for k, v in counts.items()}, index=units.index)
    frames = [flags.sum().to_frame().T.assign(breakdown_topic=ALL_TOPIC[table], breakdown=ALL_TOPIC[table])]
    for topic, labels in topics:
        long = pd.concat([flags.assign(_b=np.asarray(lab, dtype=object)) for lab in labels])
        long = long[long["_b"].notna()]
        if not len(long):
            continue
        grouped = long.groupby("_b", sort=True)[list(counts)].sum().reset_index().rename(columns={"_b": "breakdown"})
        frames.append(grouped.assign(breakdown_topic=topic))
    wide = pd.concat(frames, ignore_index=True)
    measures = derive(wide)
    tp = time_periods(period.year)
    out = pd.DataFrame({
        "dfe_table": table,
        "time_period": int(tp["academic"] if table in ACADEMIC else tp["calendar"]),
        "time_identifier": "Academic year" if table in ACADEMIC else "Calendar year",
        "breakdown_topic": np.repeat(wide["breakdown_topic"].to_numpy(), len(measures)),
        "breakdown": np.repeat(wide["breakdown"].to_numpy(), len(measures)),
        "measure": [name for name, _ in measures] * len(wide),
        "value": np.column_stack([pd.Series(s, dtype="float64").to_numpy() for _, s in measures]).reshape(-1)
        if len(wide) else [],
    })
    return out[COLUMNS]


# ------------------------------------------------------------------------------------------ settings
def _setting_columns(frame: pd.DataFrame, schools: pd.DataFrame | None) -> pd.Series:
    """The DfE setting column of each placement row (PlacementDetail / PlanDetail columns); rows with no
    placement at all (all NaN) are 'placement_unknown'."""
    mapping = setting_map()
    by_urn: dict[str, str] = {}
    by_ukprn: dict[str, str] = {}
    if schools is not None and len(schools):
        for urn, ukprn, type_name in schools[["urn", "ukprn", "type_name"]].itertuples(index=False):
            if pd.notna(urn):
                by_urn[str(int(urn))] = type_name
            if pd.notna(ukprn) and str(ukprn).strip():  # one type per UKPRN: the first in name order
                key = str(ukprn).strip()
                if key not in by_ukprn or (isinstance(type_name, str) and type_name < str(by_ukprn[key])):
                    by_ukprn[key] = type_name
    cols = []
    for urn, ukprn, setting, unit, rp in zip(_text(frame, "URN"), _text(frame, "UKPRN"), _text(frame, "SENSetting"),
                                             _text(frame, "SENunitIndicator"),
                                             _text(frame, "ResourcedProvisionIndicator")):
        col = None
        if isinstance(setting, str):
            col = mapping.get(("sen_setting", setting))
        elif isinstance(urn, str):
            col = mapping.get(("gias_type", by_urn.get(urn, "")))
        elif isinstance(ukprn, str):
            col = mapping.get(("gias_type", by_ukprn.get(ukprn, ""))) or mapping[("other", "ukprn")]
        col = col or mapping[("other", "unknown")]
        if col.startswith("mainstream_") and col != "mainstream_independent":
            if rp == "1":
                col += "_resourced_provision"
            elif unit == "1":
                col += "_senunit"
        cols.append(col)
    return pd.Series(cols, index=frame.index, dtype=object)


def _placement_labels(columns: pd.Series, table: str) -> list[pd.Series]:
    """The 'Type of placement' labels of each unit: its setting's and its group total's."""
    rows = setting_columns()
    label = {r["dfe_column"]: r["label"] for r in rows}
    if table == "personal_budgets":  # this table spells the special academies' label its own way
        label["special_academy_free"] = "Special - academy/free school"
    group = {r["dfe_column"]: r["group_label"] or np.nan for r in rows}
    return [columns.map(label).astype(object), columns.map(group).astype(object)]


def _settings_derive(total_name: str):
    """The caseload / newplans measures: the total, each setting column, each group's total and share
    (after its last member, as the release orders them), the shares of early years and not recorded."""
    rows = setting_columns()
    last_of = {r["group_column"]: r["dfe_column"] for r in rows if r["group_column"]}

    def derive(w: pd.DataFrame) -> list:
        result = [(total_name, w["_units"])]
        groups: dict[str, pd.Series] = {}
        for r in rows:
            col = w[f"col:{r['dfe_column']}"]
            result.append((r["dfe_column"], col))
            group = r["group_column"]
            if not group:
                result.append((GROUP_PC[r["dfe_column"]], pc(col, w["_units"])))
                continue
            groups[group] = groups.get(group, 0) + col
            if last_of[group] == r["dfe_column"]:
                result += [(group, groups[group]), (GROUP_PC[group], pc(groups[group], w["_units"]))]
        return result
    return derive


def _setting_counts(columns: pd.Series) -> dict[str, pd.Series]:
    counts = {"_units": pd.Series(True, index=columns.index)}
    for r in setting_columns():
        counts[f"col:{r['dfe_column']}"] = columns == r["dfe_column"]
    return counts


def _need_counts(codes: pd.Series) -> dict[str, pd.Series]:
    kinds = codes.astype(object).str.lower().replace({"ds": "oth"}).fillna("need_unknown")
    counts = {"_units": pd.Series(True, index=codes.index)}
    for k in NEEDS:
        counts[f"need:{k}"] = kinds == k
    return counts


def _needs_derive(w: pd.DataFrame) -> list:
    out = [("ehc_plans", w["_units"])]
    out += [(f"number_{k}", w[f"need:{k}"]) for k in NEEDS]
    out += [("unknown_pc" if k == "need_unknown" else f"{k}_pc", pc(w[f"need:{k}"], w["_units"])) for k in NEEDS]
    return out


# ------------------------------------------------------------------------------------------ compute
def compute(tables: dict[str, pd.DataFrame], period: Period, schools: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every measure of the DfE tables for this return, long form (COLUMNS)."""
    P0, P1, C = pd.Timestamp(period.start), pd.Timestamp(period.end), pd.Timestamp(period.census)
    person = tables["person"].set_index("person_seq")
    dob_of = _dates(person, "PersonBirthDate")
    sex_of = _sex(person)
    ethnicity_of = _ethnicity(person)
    frames = []

    def people(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        seq = frame["person_seq"].astype(int)
        return (pd.Series(dob_of.reindex(seq).to_numpy(), index=frame.index),
                pd.Series(sex_of.reindex(seq).to_numpy(), index=frame.index, dtype=object),
                pd.Series(ethnicity_of.reindex(seq).to_numpy(), index=frame.index, dtype=object))

    # ---- requests
    r = tables["requests"]
    rcv, dec, code = _dates(r, "ReceivedDate"), _dates(r, "RequestOutcomeDate"), _text(r, "RequestOutcome")
    received = rcv.between(P0, P1) & (code != "H")
    decided = code.isin(["Y", "N"]) & dec.between(P0, P1)
    units = r[received | decided]
    dob, sex, eth = people(units)
    age = _unknown(_label(_years_between(dob, rcv[units.index]), "aged"), "Age unknown")
    ru = received[units.index]
    flags = {
        "received": ru, "rya": ru & (_text(units, "RYA") == "1"),
        "assess": ru & (code[units.index] == "Y"), "not_assess": ru & (code[units.index] == "N"),
        "not_made": ru & (code[units.index] == "A"), "withdrawn": ru & (code[units.index] == "W"),
        "decided": decided[units.index],
        "within_6": decided[units.index] & ((dec - rcv).dt.days[units.index] <= 42),
        "mediation": ru & (_text(units, "RequestMediation") == "1"),
        "tribunal": ru & (_text(units, "RequestTribunal") == "1"),
    }
    flags["tribunal_after_mediation"] = flags["mediation"] & flags["tribunal"]
    frames.append(_aggregate("requests", period, units, flags, [("Child or young persons age", [age]),
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
    acode, odate = _text(a, "AssessmentOutcome"), _dates(a, "AssessmentOutcomeDate")
    decided_a = acode.isin(["Y", "N"]) & odate.between(P0, P1)
    withdrawn_a = (acode == "W") & a_dec.between(P0, P1)
    units = a_person[decided_a | withdrawn_a]
    dob, sex, eth = people(units)
    days = (odate - a_rcv).dt.days[units.index]
    age_at_request = _years_between(dob, a_rcv[units.index])
    ac = acode[units.index]
    dec_u = decided_a[units.index]
    flags = {
        "in_year": pd.Series(True, index=units.index), "issued": dec_u & (ac == "Y"), "not_issued": dec_u & (ac == "N"),
        "not_made": ac == "A", "withdrawn": withdrawn_a[units.index],
        "within_16": dec_u & (ac == "N") & (days <= 112), "over_16": dec_u & (ac == "N") & (days > 112),
        "mediation": dec_u & (_text(units, "AssessmentMediation") == "1"),
        "tribunal": dec_u & (_text(units, "AssessmentTribunal") == "1"),
        "other_mediation": dec_u & (_text(units, "OtherMediation") == "1"),
        "other_tribunal": dec_u & (_text(units, "OtherTribunal") == "1"),
    }
    flags["mediation_tribunal"] = flags["mediation"] & flags["tribunal"]
    flags["other_mediation_tribunal"] = flags["other_mediation"] & flags["other_tribunal"]
    frames.append(_aggregate("assessments", period, units, flags, [
        ("Child or young persons age", [_unknown(_label(age_at_request, "aged"), "Age unknown")]), ("Sex", [sex]), ("Ethnicity", [eth])],
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
    ex = _text(issued, "Week20") != "1"
    flags = {"den": pd.Series(True, index=issued.index), "den_ex": ex, "w20": d <= 140, "w20_ex": (d <= 140) & ex,
             "to52": d.between(141, 364), "to52_ex": d.between(141, 364) & ex, "gt52": d >= 365, "gt52_ex": (d >= 365) & ex}
    frames.append(_aggregate("timeliness_20_week", period, issued, flags, [
        ("Child or young persons age", [_unknown(_label(age_at_request[issued.index], "band"), "Unknown")]),
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
    start = pd.Series(_dates(npl, "StartDate").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index)
    age_now = _years_between(dob, pd.Series(C, index=held.index))
    pl = tables["placement_detail"]
    entry, leave = _dates(pl, "EntryDate"), _dates(pl, "LeavingDate")
    open_ = (entry.isna() | (entry <= C)) & (leave.isna() | (leave > C)) & (_text(pl, "PlacementRank") == "1")
    current = pl[open_].drop_duplicates("request_seq", keep="last").set_index("request_seq")
    current = current.reindex(held["request_seq"].to_numpy())
    current.index = held.index
    columns = _setting_columns(current, schools)
    # not in education (other) and of compulsory school age on the (January) census day: Year 1 to 11, or
    # a reception child already five by 31 December
    academic = (C.year if C.month >= 9 else C.year - 1) - dob.dt.year - (dob.dt.month >= 9).astype(int)
    csa = academic.between(5, 15) | ((academic == 4) & (dob.dt.month >= 9))
    columns = columns.where(~((columns == "neet_other") & csa), "neet_other_csa")
    need = tables["sen_need"]
    primary = need[_text(need, "SENtypeRank") == "1"].drop_duplicates("request_seq").set_index("request_seq")["SENtype"]
    need_now = pd.Series(primary.reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index, dtype=object)
    place_labels = _placement_labels(columns, "annual_reviews")
    years_in_place = _years_in_place(_years_between(start, pd.Series(C, index=held.index)))

    frames.append(_aggregate("caseload", period, held, _setting_counts(columns), [
        ("Child or young persons age", [_unknown(_label(age_now, "current"), "unknown")]),
        ("Age when plan started", [_unknown(_label(_years_between(dob, start), "band"), "unknown")]),
        ("Sex", [sex]), ("Ethnicity", [eth]), ("Years EHC plan in place", [years_in_place])], _settings_derive("ehcplans")))
    frames.append(_aggregate("sen_needs_all_plans", period, held, _need_counts(need_now), [
        ("Child or young persons age", [_unknown(_label(age_now, "current"), "unknown")]), ("Sex", [sex]), ("Ethnicity", [eth]),
        ("Type of placement", place_labels), ("Years EHC plan in place", [years_in_place])], _needs_derive))

    # ---- personal budgets of plans held on the census day
    pb = pd.Series(_text(npl, "PB").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index) == "1"
    oa = pd.Series(_text(npl, "OA").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index) == "1"
    dp = pd.Series(_text(npl, "DP").reindex(held["request_seq"].to_numpy()).to_numpy(), index=held.index, dtype=object)
    budgets = held[pb]
    flags = {"pb": pd.Series(True, index=budgets.index), "oa": oa[budgets.index]}
    for kind, code_ in (("health", "H"), ("education", "E"), ("social", "S"), ("integrated", "I")):
        flags[kind] = dp[budgets.index] == code_
    frames.append(_aggregate("personal_budgets", period, budgets, flags, [
        ("Child or young persons age", [_unknown(_label(age_now[budgets.index], "band"), "Unknown")]),
        ("Sex", [sex[budgets.index]]), ("Ethnicity", [eth[budgets.index]]), ("Type of placement", _placement_labels(columns[budgets.index], "personal_budgets"))],
        lambda w: [("personal_budget", w["pb"]), ("org_arrangments", w["oa"]), ("pb_health", w["health"]),
                   ("pb_education", w["education"]), ("pb_social", w["social"]), ("pb_integrated", w["integrated"])]))

    # ---- annual reviews of plans held on the census day
    meet, last = _dates(held, "ReviewMeeting"), _dates(held, "LastReview")
    outcome = _text(held, "ReviewOutcome")
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
    frames.append(_aggregate("annual_reviews", period, held, flags, [
        ("Child or young persons age", [_unknown(_label(age_now, "aged"), "Age unknown")]), ("Sex", [sex]), ("Ethnicity", [eth]),
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
    named_first = pd_[_text(pd_, "PlacementRank") == "1"].drop_duplicates("request_seq").set_index("request_seq")
    npl_all = tables["named_plan"].copy()
    npl_all["person_seq"] = by_request["person_seq"].reindex(npl_all["request_seq"].to_numpy()).to_numpy()
    a_by_req = a.set_index("request_seq")
    a_code = _text(a_by_req, "AssessmentOutcome").reindex(npl_all["request_seq"].to_numpy()).to_numpy()
    a_dated = _dates(a_by_req, "AssessmentOutcomeDate").reindex(npl_all["request_seq"].to_numpy()).notna().to_numpy()
    p_start = _dates(npl_all, "StartDate")
    new = npl_all[(a_code == "Y") & a_dated & p_start.between(P0, P1).to_numpy()]
    dob, sex, eth = people(new)
    named = named_first.reindex(new["request_seq"].to_numpy())
    named.index = new.index
    new_columns = _setting_columns(named, schools)
    new_need = pd.Series(primary.reindex(new["request_seq"].to_numpy()).to_numpy(), index=new.index, dtype=object)
    age_start = _years_between(dob, p_start[new.index])
    frames.append(_aggregate("newplans", period, new, _setting_counts(new_columns), [
        ("Age when plan started", [_unknown(_label(age_start, "band"), "unknown")]), ("Sex", [sex]), ("Ethnicity", [eth])],
        _settings_derive("new_ehc_plans")))
    frames.append(_aggregate("sen_need_newplans", period, new, _need_counts(new_need), [
        ("Child or young persons age", [_unknown(_label(age_start, "band"), "Unknown")]), ("Sex", [sex]), ("Ethnicity", [eth]),
        ("Type of placement", _placement_labels(new_columns, "sen_need_newplans"))], _needs_derive))

    cease_on = _dates(npl_all, "CeaseDate")
    ceased = npl_all[cease_on.between(P0, P1)]
    dob, sex, eth = people(ceased)
    named = named_first.reindex(ceased["request_seq"].to_numpy())
    named.index = ceased.index
    ceased_columns = _setting_columns(named, schools)
    reason = _text(ceased, "CeaseReason")
    flags = {"total": pd.Series(True, index=ceased.index), "not_rec": ~reason.isin(list(CEASE))}
    flags.update({f"r{k}": reason == k for k in CEASE})
    frames.append(_aggregate("ceased_plans", period, ceased, flags, [
        ("Age plan ceased", [_unknown(_label(_years_between(dob, cease_on[ceased.index]), "band"), "Age unknown")]),
        ("Sex", [sex]), ("Ethnicity", [eth]), ("Type of placement", _placement_labels(ceased_columns, "ceased_plans")),
        ("Years plan held", [_years_held(_years_between(p_start[ceased.index], cease_on[ceased.index]))])],
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
