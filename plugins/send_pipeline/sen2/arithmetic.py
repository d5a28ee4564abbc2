"""The arithmetic under the sign-off figures (`sen2.figures`): the DfE release's tables, topics and time
periods, the reference maps (setting types, ethnicity), the date and label helpers, the aggregation of
per-unit flags into the release's long form, and the setting and need breakdowns several tables share.
`sen2.figures.compute` holds the per-table definitions; the definitions themselves are in
docs/dfe_measures.md.
"""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from .calendar import SEN2_DIR, Period

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
def dates(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[col], format="%Y-%m-%d", errors="coerce")


def text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(np.nan, index=frame.index, dtype=object)
    return frame[col].astype(object).where(frame[col].notna(), np.nan)


def years_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Completed years from `start` to `end` (an age on a day); NaN when either is missing."""
    before = (start.dt.month * 100 + start.dt.day) > (end.dt.month * 100 + end.dt.day)
    return (end.dt.year - start.dt.year - before.astype(int)).where(start.notna() & end.notna())


def pc(part, whole):
    """A percentage to 1 decimal place, half up, in exact integer arithmetic (as the SQL does); NaN if
    the base is 0."""
    part, whole = pd.Series(part, dtype="float64"), pd.Series(whole, dtype="float64")
    safe = whole.where(whole > 0, 1)
    return (np.floor((2000 * part + safe) / (2 * safe)) / 10).where(whole > 0)


def age_label(age: pd.Series, kind: str) -> pd.Series:
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


def or_unknown(labels: pd.Series, text: str) -> pd.Series:
    return labels.fillna(text)


def sex_labels(frame: pd.DataFrame) -> pd.Series:
    sex = text(frame, "Sex")
    return sex.map({"F": "Female", "M": "Male"}).fillna("Unknown").astype(object)


def ethnicity_map() -> dict[str, str]:
    return {r["code"]: r["label"] for r in _read_csv("dfe_ethnicity.csv")}


def ethnicity_labels(frame: pd.DataFrame) -> pd.Series:
    """The release's Ethnicity label of each person's CBDS code (include/sen2/dfe_ethnicity.csv); a code not
    listed, or none, is Unclassified."""
    codes = text(frame, "Ethnicity").map(lambda v: v.strip().upper() if isinstance(v, str) else v)
    return codes.map(ethnicity_map()).fillna("Unclassified").astype(object)


def years_in_place_labels(years: pd.Series) -> pd.Series:
    y = pd.to_numeric(years, errors="coerce")
    out = np.where(y < 1, "Less than a year", np.where(y >= 12, "12 or more", y.fillna(-1).astype(int).astype(str)))
    return pd.Series(out, index=years.index, dtype=object).where(y.notna())


def years_held_labels(years: pd.Series) -> pd.Series:
    y = pd.to_numeric(years, errors="coerce")
    whole = y.fillna(-1).astype(int).astype(str)
    out = np.where(y < 1, "Under a year", np.where(y == 1, "1 year",
                                                     np.where(y >= 12, "12 years and over", whole + " years")))
    return pd.Series(out, index=years.index, dtype=object).where(y.notna())


def aggregate(table: str, period: Period, units: pd.DataFrame, counts: dict[str, pd.Series],
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
def placement_settings(frame: pd.DataFrame, schools: pd.DataFrame | None) -> pd.Series:
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
    for urn, ukprn, setting, unit, rp in zip(text(frame, "URN"), text(frame, "UKPRN"), text(frame, "SENSetting"),
                                             text(frame, "SENunitIndicator"),
                                             text(frame, "ResourcedProvisionIndicator")):
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


def placement_labels(columns: pd.Series, table: str) -> list[pd.Series]:
    """The 'Type of placement' labels of each unit: its setting's and its group total's."""
    rows = setting_columns()
    label = {r["dfe_column"]: r["label"] for r in rows}
    if table == "personal_budgets":  # this table spells the special academies' label its own way
        label["special_academy_free"] = "Special - academy/free school"
    group = {r["dfe_column"]: r["group_label"] or np.nan for r in rows}
    return [columns.map(label).astype(object), columns.map(group).astype(object)]


def settings_derive(total_name: str):
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


def setting_counts(columns: pd.Series) -> dict[str, pd.Series]:
    counts = {"_units": pd.Series(True, index=columns.index)}
    for r in setting_columns():
        counts[f"col:{r['dfe_column']}"] = columns == r["dfe_column"]
    return counts


def need_counts(codes: pd.Series) -> dict[str, pd.Series]:
    kinds = codes.astype(object).str.lower().replace({"ds": "oth"}).fillna("need_unknown")
    counts = {"_units": pd.Series(True, index=codes.index)}
    for k in NEEDS:
        counts[f"need:{k}"] = kinds == k
    return counts


def needs_derive(w: pd.DataFrame) -> list:
    out = [("ehc_plans", w["_units"])]
    out += [(f"number_{k}", w[f"need:{k}"]) for k in NEEDS]
    out += [("unknown_pc" if k == "need_unknown" else f"{k}_pc", pc(w[f"need:{k}"], w["_units"])) for k in NEEDS]
    return out
