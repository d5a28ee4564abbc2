"""Issue 15's defects and measures, on the hand-built LA of tests/nightly/statutory.py (every date worked by
hand there), on DuckDB and PostgreSQL alike. Built as at 1 February 2025; census day 16 January 2025."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from . import statutory as S

D = date.fromisoformat


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def la(request, tmp_path_factory):
    from send_pipeline.nightly.steps import Run, build_marts

    tmp = tmp_path_factory.mktemp(f"statutory_{request.param}")
    if request.param == "duckdb":
        url = f"duckdb:///{tmp / 'w.duckdb'}"
        yield from _built(url, tmp, Run, build_marts)
    else:
        from tests.conftest import throwaway_database

        with throwaway_database(request.getfixturevalue("pg_url")) as url:
            yield from _built(url, tmp, Run, build_marts)


def _built(url, tmp, Run, build_marts):  # noqa: N803
    from send_pipeline.foi.build import build_foi

    wh = S.build(url)
    run = Run(S.settings_for(url, tmp), "statutory", S.AS_AT)
    build_marts(run)
    build_foi(run)  # the FOI tables and the pack read the marts (no ref.dfe_* here: benchmarks not built)
    wh.run = run
    yield wh
    wh.dispose()


def key(person: int) -> str:
    return S.settings_for("").person_key(person)


def one(wh, sql: str, params: dict | None = None) -> pd.Series:
    frame = wh.frame(sql, params)
    assert len(frame) == 1, frame
    return frame.iloc[0]


def num(v):
    return None if v is None or pd.isna(v) else float(v)


def request_row(wh, person: int) -> pd.Series:
    return one(wh, "SELECT * FROM marts.ehcna_requests WHERE person_key = :k", {"k": key(person)})


def review(wh, person: int, meeting: str) -> pd.Series:
    return one(wh, "SELECT * FROM marts.annual_reviews WHERE person_key = :k AND meeting_date = :m",
               {"k": key(person), "m": D(meeting)})


def dfe(wh, table: str, period: int, measure: str, breakdown: str | None = None):
    where = "breakdown = :b" if breakdown else "breakdown = breakdown_topic"
    row = one(wh, f"SELECT value FROM marts.dfe_measures WHERE dfe_table = :t AND time_period = :p AND measure = :m "
                  f"AND {where}", {"t": table, "p": period, "m": measure, "b": breakdown})
    return num(row.value)


# ------------------------------------------------------------------ defect 1: a withdrawal is not a decision
def test_a_withdrawal_is_never_a_decision_dated_or_not(la):
    dated, undated = request_row(la, 4), request_row(la, 5)  # withdrawn on day 9; withdrawn with no date
    assert dated.decision == "W" and undated.decision == "W"
    assert pd.isna(dated.decision_within_6_weeks) and pd.isna(undated.decision_within_6_weeks)  # never "late"
    assert pd.isna(dated.decision_year)  # in no year's decisions
    t = one(la, "SELECT * FROM marts.ehcna_timeliness WHERE time_period = 2024")
    assert t.withdrawn == 2
    # decisions dated 2024: requests 1 (day 42), 2 (day 43), 3 (19), 7 (29), 8 (40), 10 (38), 11 (30), 12 (30)
    assert (t.decisions_made, t.request_outcome_six_weeks, t.request_outcome_over_6_weeks) == (8, 7, 1)
    assert num(t.request_outcome_six_weeks_pc) == 87.5  # not 9 of 10 with the withdrawals in
    assert dfe(la, "requests", 2024, "request_outcome_six_weeks") == 7
    assert dfe(la, "requests", 2024, "request_outcome_over_6_weeks") == 1
    assert dfe(la, "requests", 2024, "requests_withdrawn") == 2


def test_a_withdrawn_assessment_is_no_outcome_of_any_timeliness_measure(la):
    r = request_row(la, 10)  # assessment withdrawn, no date
    assert r.assessment_outcome == "W" and pd.isna(r.plan_within_20_weeks) and pd.isna(r.not_issue_within_16_weeks)
    assert dfe(la, "assessments", 2024, "assess_withdrawn") == 1
    # 16 weeks: assessments 11 (day 112) and 12 (day 113) only; the withdrawal is in neither
    assert (dfe(la, "assessments", 2024, "outcome_decision_within_time"),
            dfe(la, "assessments", 2024, "outcome_decision_over_time")) == (1, 1)


# ------------------------------------------------------------------ defect 2: the 6-week population
def test_the_six_week_population_is_the_decisions_made_in_the_year(la):
    years = la.frame("SELECT * FROM marts.ehcna_timeliness ORDER BY time_period").set_index("time_period")
    # request 8, received 1 Dec 2023 and decided 10 Jan 2024 (day 40), is 2024's; request 9, received
    # 1 Dec 2024 and decided 10 Jan 2025 (day 40), is 2025's - though its outcome N is 2024's
    assert years.loc[2023, "decisions_made"] == 1 and years.loc[2023, "requests_received"] == 2  # requests 6, 8
    assert years.loc[2025, "decisions_made"] == 1 and years.loc[2025, "request_outcome_six_weeks"] == 1
    assert years.loc[2024, "decided_not_to_assess"] == 2  # requests 3 and 9, by received year
    assert request_row(la, 8).decision_year == 2024 and request_row(la, 9).decision_year == 2025


def test_foi_requests_table_uses_the_same_population(la):
    f = one(la, "SELECT * FROM foi.ehcna_requests_and_plans WHERE time_period = 2024")
    assert (f.requests_received, f.withdrawn, f.decisions_made, f.decisions_within_6_weeks) == (10, 2, 8, 7)
    assert num(f.pc_decisions_within_6_weeks) == 87.5 == dfe(la, "requests", 2024, "request_outcome_six_weeks_pc")
    assert (f.plans_issued, f.plans_issued_over_52_weeks) == (4, 1)  # day 365 after 52 weeks here too


# ------------------------------------------------------------------ defect 3 and reg 15: transfers in
def test_a_plan_transferred_in_two_months_ago_is_never_overdue(la):
    overdue = la.frame("SELECT * FROM marts.overdue_reviews").set_index("person_key")
    assert key(20) not in overdue.index  # in 1 Dec 2024, due the later of 10 Jan 2021 and 1 Mar 2025
    assert key(24) not in overdue.index  # in 20 Jan 2025
    late = overdue.loc[key(21)]  # in 1 Jun 2024, never reviewed: due the later of 1 May 2020 and 1 Sep 2024
    assert (late.due_rule, late.review_due_by, late.days_overdue) == ("transfer_in", D("2024-09-01"), 153)
    assert key(22) not in overdue.index and key(23) not in overdue.index  # reviewed July 2024


def test_the_first_review_after_a_transfer_is_judged_by_reg_15_5(la):
    # plan made 1 Jun 2023, transferred 15 Apr 2024: due the later of 1 Jun 2024 and 15 Jul 2024
    on_time, late = review(la, 22, "2024-07-10"), review(la, 23, "2024-07-16")
    assert on_time.review_due_by == D("2024-07-15") == late.review_due_by
    assert (on_time.held_within_12_months, late.held_within_12_months) == (1, 0)
    assert on_time.transfer_in_date == D("2024-04-15")


def test_transfers_in_notice_and_first_review(la):
    t = la.frame("SELECT * FROM marts.transfers_in").set_index("person_key")
    assert len(t) == 5
    r20 = t.loc[key(20)]  # 1 Dec 2024 + 6 weeks (reg 15(4)) = 12 Jan 2025
    assert (r20.notice_due_date, r20.first_review_due_by, r20.first_review_status) == \
        (D("2025-01-12"), D("2025-03-01"), "pending")
    assert t.loc[key(21)].first_review_status == "outstanding_late"
    assert (t.loc[key(22)].first_review_status, t.loc[key(23)].first_review_status) == ("on_time", "late")


def pack(wh, name: str) -> pd.DataFrame:
    from send_pipeline.pack import build as pack_build
    from send_pipeline.pack.sections import SECTIONS

    return pack_build.query(wh, wh.run, next(s for s in SECTIONS if s.query_name == name))


def test_the_pack_counts_overdue_reviews_by_the_same_rule(la):
    # overdue on 1 Feb 2025: 6 (never reviewed, started 2 Jan 2024), 21 (transferred in, due 1 Sep 2024), 32;
    # not 20 (transferred in two months ago) nor 24
    assert pack(la, "overdue_by_coordinator").overdue_reviews.astype(int).tolist() == [3]


# ------------------------------------------------------------------ defect 4 and reg 18: phase transfers
@pytest.mark.parametrize("person,meeting,rule,deadline,status", [
    (30, "2024-10-10", "18(1)(b)", "2025-02-15", "on_time"),   # Year 6: final 30 Jan 2025
    (31, "2024-11-01", "18(1)(a)", "2025-03-31", "on_time"),   # Year 11, Maintain 20 Nov: complete on it
    (32, "2023-10-05", "18(1)(b)", "2024-02-15", "on_time"),   # Maintain, no final plan: not outstanding for ever
    (33, "2024-11-05", "18(1)(a)", "2025-03-31", "on_time"),   # Year 12 in a school sixth form: still 31 March
    (34, "2024-11-12", "18(2)", "2025-04-01", "pending"),      # FE college to college on 1 Sep 2025 - 5 months
    (35, "2024-06-20", "18(1)(b)", "2025-02-15", "pending"),   # Year 5 summer review: the next February
])
def test_phase_transfer_deadlines(la, person, meeting, rule, deadline, status):
    r = review(la, person, meeting)
    assert (r.phase_transfer_rule, r.phase_transfer_deadline, r.phase_transfer_status) == (rule, D(deadline), status)


# ------------------------------------------------------------------ defect 5: the regulations' 2 weeks
def test_paperwork_within_14_days_is_0_once_day_14_passes_without_it(la):
    assert review(la, 42, "2025-01-10").paperwork_within_14_days == 0  # day 22, nothing
    assert pd.isna(review(la, 43, "2025-01-25").paperwork_within_14_days)  # day 7: not yet due
    r40, r41 = review(la, 40, "2024-12-01"), review(la, 41, "2024-12-02")
    assert (r40.paperwork_status, r40.paperwork_status_14_days, r40.paperwork_within_14_days) == ("on_time", "late", 0)
    assert (r41.paperwork_status_14_days, r41.paperwork_within_14_days) == ("on_time", 1)


def test_review_compliance_reports_the_2_weeks_beside_the_las_standard(la):
    y = one(la, "SELECT * FROM marts.review_compliance WHERE grouping_level = 'academic_year' "
                "AND academic_year = '2024-25'")
    # 2024-25 meetings: 30, 31, 33, 34 (phase transfers), 40 (day 15), 41 (14), 42 (none, day 22), 43 (day 7),
    # 44 (none), 45 (day 8)
    assert (y.reviews_held, y.paperwork_on_time, y.paperwork_outstanding_late, y.paperwork_pending) == (10, 7, 2, 1)
    assert (y.paperwork_within_14_days, y.paperwork_late_14_days, y.paperwork_outstanding_late_14_days,
            y.paperwork_pending_14_days) == (6, 1, 2, 1)
    assert num(y.pct_paperwork_within_14_days) == 66.7 and num(y.pct_paperwork_on_time) == 77.8


# ------------------------------------------------------------------ defect 6: day 365
def test_day_365_is_after_52_weeks(la):
    r = request_row(la, 6)  # received 2 Jan 2023, issued 2 Jan 2024: 365 days
    assert (r.days_to_outcome, r.timeliness_band) == (365, "over_52_weeks")
    assert dfe(la, "timeliness_20_week", 2024, "plans_issued_gt_1_year") == 1
    assert dfe(la, "timeliness_20_week", 2024, "plans_issued_gt20weeks_ltYear") == 1  # request 2, day 141


# ------------------------------------------------------------------ defect 7: one request, one row
def test_a_request_with_two_assessment_rows_is_one_row(la):
    assert int(one(la, "SELECT COUNT(*) AS n FROM marts.ehcna_requests").n) == 12
    r = request_row(la, 7)  # rows 71 (N 1 May) and 72 (Y 10 Jun, day 130): the plan's
    assert (r.assessment_outcome, r.days_to_outcome, r.plan_within_20_weeks) == ("Y", 130, 1)
    assert one(la, "SELECT requests_received FROM marts.ehcna_timeliness WHERE time_period = 2024").requests_received == 10


# ------------------------------------------------------------------ defect 8: the DfE's 4-week base
def test_the_dfes_4_week_rate_is_over_decided_reviews_only(la):
    y = one(la, "SELECT * FROM marts.review_compliance WHERE grouping_level = 'academic_year' "
                "AND academic_year = '2024-25'")
    # decisions: on time 30, 31, 33, 34, 40 (28 days), 45; late 41 (29); outstanding 44; pending 42, 43
    assert (y.decision_on_time, y.decision_late, y.decision_outstanding_late, y.decision_pending) == (6, 1, 1, 2)
    assert num(y.pc_decsion_4weeks) == 85.7  # 6 of the 7 decided
    assert num(y.pct_due_decisions_within_4_weeks) == 75.0  # ours: 6 of the 8 due
    # the DfE's table, on the census day (16 Jan 2025): 44's decision (due 17 Jan) is not yet due
    assert (dfe(la, "annual_reviews", 2024, "number_decsion_4weeks"),
            dfe(la, "annual_reviews", 2024, "number_decision_gt_4weeks"),
            dfe(la, "annual_reviews", 2024, "pc_decsion_4weeks")) == (10, 1, 90.9)


# ------------------------------------------------------------------ defect 9: held on census day
def test_one_definition_of_held_on_census_day(la):
    held = set(la.frame("SELECT plan_id FROM staging.census_plans WHERE census_year = 2025").plan_id)
    assert 20 in held and 24 not in held and 25 not in held and 26 not in held  # in 20 Jan; ceases on the day
    assert len(held) == 20
    assert dfe(la, "caseload", 202425, "ehcplans") == 20
    # the pack's own count (pack.plans_trend reads this total) and the FOI table
    own = one(la, "SELECT plans FROM foi.plans_by_need_age_setting WHERE time_period = 202425 "
                  "AND primary_need = 'Total' AND age_band = 'Total' AND setting_type = 'Total'")
    assert int(own.plans) == 20


# ------------------------------------------------------------------ reg 22: review to amendment
def test_amendment_notice_within_4_weeks_and_final_within_8_weeks_of_it(la):
    r40 = review(la, 40, "2024-12-01")  # Amend day 28, draft day 25; final 30 Jan = 35 days after the draft
    assert (r40.amendment_notice_status, r40.final_amended_deadline, r40.final_amended_status) == \
        ("on_time", D("2025-02-20"), "on_time")
    r41 = review(la, 41, "2024-12-02")  # decision day 29, draft day 34
    assert (r41.amendment_notice_status, r41.final_amended_status) == ("late", "pending")
    r45 = review(la, 45, "2024-09-02")  # draft 25 Sep + 56 = 20 Nov; final 21 Nov
    assert (r45.final_amended_deadline, r45.final_amended_status) == (D("2024-11-20"), "late")
    assert r45.draft_amended_date == D("2024-09-25")
    assert pd.isna(review(la, 31, "2024-11-01").amendment_notice_status)  # Maintain: no amendment


# ------------------------------------------------------------------ the missing measures
def test_sixteen_weeks_mediation_and_tribunal_per_year(la):
    t = one(la, "SELECT * FROM marts.ehcna_timeliness WHERE time_period = 2024")
    assert (t.outcome_decision_within_time, t.outcome_decision_over_time) == (1, 1)  # day 112, day 113
    assert (t.mediation_related_request, t.tribunal_related_request, t.tribunal_after_mediation_request) == (1, 1, 1)
    assert (t.number_assess_mediation, t.number_other_tribunal, t.number_assess_tribunal) == (1, 1, 0)
    # issued 2024 on days 140, 141, 365, 130: 776 / 4 / 7 = 27.7 weeks; without the exception 635 / 3 / 7 = 30.2
    assert (num(t.avg_weeks_to_issue), num(t.avg_weeks_to_issue_ex)) == (27.7, 30.2)


def test_dfe_measures_long_form_and_names(la):
    cols = list(la.frame("SELECT * FROM marts.dfe_measures WHERE 1 = 0").columns)
    assert cols[:7] == ["dfe_table", "time_period", "time_identifier", "breakdown_topic", "breakdown", "measure", "value"]
    tables = set(la.frame("SELECT DISTINCT dfe_table FROM marts.dfe_measures").dfe_table)
    assert tables == {"requests", "assessments", "timeliness_20_week", "annual_reviews", "caseload", "newplans",
                      "ceased_plans", "sen_needs_all_plans", "sen_need_newplans", "personal_budgets"}
    assert dfe(la, "requests", 2024, "requests_received_in_year") == 10
    assert dfe(la, "requests", 2024, "requests_received_in_year", "Female") is not None
    assert dfe(la, "newplans", 2024, "new_ehc_plans") == 4  # plans 1, 2, 6, 7
    assert dfe(la, "ceased_plans", 2024, "he") == 1  # plan 26
    assert dfe(la, "personal_budgets", 202425, "personal_budget") == 2  # plans 1 and 31
    assert dfe(la, "sen_needs_all_plans", 202425, "ehc_plans") == 20
    assert dfe(la, "annual_reviews", 2024, "total_ehc_plans") == 20
    assert dfe(la, "annual_reviews", 2024, "review_expected") + dfe(la, "annual_reviews", 2024, "review_not_expected") == 20
    ident = one(la, "SELECT DISTINCT time_identifier FROM marts.dfe_measures WHERE dfe_table = 'caseload'")
    assert ident.time_identifier == "Academic year"
