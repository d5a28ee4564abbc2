"""What is published together, protected together: the FOI tables and the public performance pack.

Both come from the same marts and go to the same public, so a figure hidden in one must not be worked
out from the other (issue 16: alternative provision 2021-22 = FOI total children − the pack's other
provision types; requests undecided = pack requests − FOI decisions; plans over 52 weeks and exception
cases from the pack's year totals; a review month from the FOI year total minus the other months).

This module says which cells are the same figure (`facts`) and which sums run across tables (`links`);
`joint.protect_together` closes suppression over the union and `joint.audit_together` attacks
it. Both publishers (foi.export.publish and pack.build) call `protect_published` with the same inputs,
so the FOI CSVs, the workbook and the public pack hide the same cells. A shared cell is merged only
where the two tables hold the same value (a different value is a different definition, not the same
figure), and a link is used only where it adds up in the figures.
"""
from __future__ import annotations

import logging

import pandas as pd

from .joint import Part, audit_together, protect_together

log = logging.getLogger(__name__)

PROVISION_LABELS = {  # the pack's codes -> the FOI table's words (include/sql/foi/funding_per_child_by_provision.sql)
    "mainstream": "Mainstream school", "la_special": "State-funded special school",
    "independent_or_nonmaintained": "Independent or non-maintained school",
    "alternative_provision": "Alternative provision or home tuition", "post_16": "Post-16 institution",
    "unknown": "Not known",
}
EHCNA = {  # foi.ehcna_requests_and_plans column -> figure (a calendar year's)
    "requests_received": "requests", "decided_to_assess": "assess", "decided_not_to_assess": "not_assess",
    "withdrawn": "withdrawn", "undecided": "undecided", "decisions_made": "decisions",
    "plans_issued": "plans_issued", "plans_issued_within_20_weeks": "within_20",
    "plans_issued_20_to_52_weeks": "20_to_52", "plans_issued_over_52_weeks": "over_52",
    "exception_cases": "exceptions", "plans_issued_excluding_exceptions": "plans_ex",
    "plans_issued_within_20_weeks_excluding_exceptions": "within_20_ex",
}
MONTHLY = {  # pack.timeliness_by_month column -> figure (its 'Total' row is the year's)
    "plans_issued": "plans_issued", "within_20_weeks": "within_20", "not_within_20_weeks": "not_within_20",
    "plans_issued_ex": "plans_ex", "within_20_weeks_ex": "within_20_ex", "not_within_20_weeks_ex": "not_within_20_ex",
}
REVIEWS = ("reviews_held", "paperwork_on_time", "paperwork_late", "decision_on_time", "decision_late")


def _year(value) -> int | None:
    text = str(value)
    return int(text[:4]) if text[:4].isdigit() else None


def facts(name: str, frame: pd.DataFrame) -> dict:
    """(row, measure) -> the figure's name across tables, for the cells that appear in more than one table
    or take part in a sum across tables."""
    out: dict = {}
    rows = frame.reset_index(drop=True)

    def put(i, column, key):
        if column in rows.columns:
            out[(i, column)] = key

    for i, r in rows.iterrows():
        get = r.get
        if name == "foi:funding_per_child_by_provision":
            y, p = _year(get("time_period")), str(get("provision_type"))
            put(i, "children", ("children", y, p))
            put(i, "amount", ("spend", y, p))
        elif name in ("pack:spend_by_provision", "pack:cost_per_pupil"):
            y, p = _year(get("financial_year")), PROVISION_LABELS.get(str(get("provision_type")), str(get("provision_type")))
            put(i, "pupils", ("children", y, p))
            put(i, "amount", ("spend", y, p))
        elif name == "foi:ehcna_requests_and_plans":
            for column, figure in EHCNA.items():
                put(i, column, (figure, _year(get("time_period"))))
        elif name == "pack:requests_and_plans":
            put(i, "requests_received", ("requests", _year(get("year"))))
            put(i, "plans_issued", ("plans_issued", _year(get("year"))))
        elif name == "pack:timeliness_by_month" and str(get("month")) == "Total":
            for column, figure in MONTHLY.items():
                put(i, column, (figure, _year(get("year"))))
        elif name == "foi:annual_review_timeliness" and str(get("review_type")) == "Total":
            for column in REVIEWS:
                put(i, column, (column, _year(get("time_period"))))
        elif name == "pack:review_compliance":
            for column in REVIEWS:
                put(i, column, (column + "_month", str(get("month"))))
        elif name == "foi:plans_by_need_age_setting" and all(
                str(get(k)) == "Total" for k in ("primary_need", "age_band", "setting_type")):
            put(i, "plans", ("plans", str(get("time_period"))))
        elif name == "pack:plans_trend" and str(get("comparator")) == "This LA (own records)":
            put(i, "plans", ("plans", str(get("time_period"))))
        elif name in ("foi:special_school_places", "pack:special_school_places"):
            put(i, "la_pupils", ("la_pupils", str(get("time_period")), str(get("school_urn"))))
    return out


def links(keys) -> list[tuple]:
    """Sums across tables: a year's plans not within 20 weeks (pack) = 20 to 52 + over 52 weeks (FOI); a
    year's reviews (FOI) = its months (pack)."""
    keys = set(keys)
    out = []
    for key in keys:
        if key[0] == "not_within_20":
            out.append((key, [("20_to_52", key[1]), ("over_52", key[1])]))
        if key[0] in REVIEWS:
            months = sorted(k for k in keys if k[0] == key[0] + "_month" and k[1][:4] == str(key[1]))
            if len(months) == 12:
                out.append((key, months))
    return sorted(out, key=str)


def parts_of(tables: dict[str, tuple[pd.DataFrame, object]]) -> tuple[dict[str, Part], list]:
    parts = {name: Part(frame.reset_index(drop=True), layout, facts(name, frame)) for name, (frame, layout) in tables.items()}
    return parts, links(k for p in parts.values() for k in p.facts.values())


def protect_all(tables: dict[str, tuple[pd.DataFrame, object]], threshold: int):
    """Protected tables (name -> Protected) and the extra cells each must hide (name -> {(row, measure)})."""
    parts, sums = parts_of(tables)
    protected = protect_together(parts, threshold, sums)
    problems = audit_together({n: p.frame for n, p in protected.items()}, parts, threshold, sums)
    if problems:  # never publish a set the attack can break
        raise RuntimeError(f"disclosure audit of the tables published together failed: {problems[:5]}")
    return protected


def published_tables(wh, run, threshold: int, pack_rows: dict | None = None) -> dict[str, tuple[pd.DataFrame, object]]:
    """Everything published together, as the publishers read it: every built FOI table (its rows in
    publication order) and every public pack section with counts or money (its public rows; `pack_rows`:
    section id -> rows already read by the pack's build)."""
    from ..pack import build as pack_build
    from ..pack import sections as S
    from . import catalogue as cat_mod
    from .export import _ordered

    catalogue = cat_mod.load()
    meta = wh.frame("SELECT table_id, status FROM foi.catalogue")
    built = set(meta.table_id[meta.status == "built"])
    tables: dict = {}
    for table in catalogue.tables:
        if table.id in built and any(m.kind in ("count", "money") for m in table.measures):
            tables[f"foi:{table.id}"] = (_ordered(wh.frame(f"SELECT * FROM foi.{table.id}"), table), table.layout)
    for section in S.SECTIONS:
        if section.counts or section.money:
            if pack_rows is not None:
                rows = pack_rows[section.id]
            else:
                try:
                    rows = pack_build.select_rows(section, pack_build.query(wh, run, section), "public", threshold)
                except Exception as exc:  # the pack cannot be built from these marts: it is not published either
                    log.warning("pack section %s not readable (%s): left out of the joint disclosure control",
                                section.id, type(exc).__name__)
                    continue
            if len(rows):
                tables[f"pack:{section.id}"] = (rows, pack_build.layout(section))
    return tables


def protect_published(wh, run, threshold: int, pack_rows: dict | None = None) -> dict:
    """name -> Protected for every table published together (see the module doc)."""
    protected = protect_all(published_tables(wh, run, threshold, pack_rows), threshold)
    log.info("disclosure control over %d tables published together", len(protected))
    return protected
