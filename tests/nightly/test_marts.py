"""Statutory calculations in the marts, hand-worked, on DuckDB and PostgreSQL alike.

As-at date 31 March 2025 unless a test says otherwise. Day counts are worked by hand in comments.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from send_pipeline.nightly.steps import Run, build_marts
from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse

AS_AT = date(2025, 3, 31)
D = date.fromisoformat


def _settings(url, tmp_path) -> Settings:
    return Settings(cms_url="", warehouse_url=url, inbox_dir=tmp_path, output_dir=tmp_path, landing_dir=tmp_path,
                    la_code="331", pseudonym_secret=b"test")


def _insert(wh, table, rows):
    with wh.transaction() as conn:
        wh.insert_frame(conn, table, pd.DataFrame(rows))


PEOPLE = [  # person_id, dob
    (1, "2012-05-01"), (2, "2012-06-01"), (3, "2012-07-01"), (4, "2012-08-01"),
    (5, "2013-10-15"),  # 10 on 31 Aug 2024: Year 6, transfer to secondary -> 15 Feb 2025
    (6, "2009-05-01"),  # 15 on 31 Aug 2024: Year 11, transfer to post-16 -> 31 Mar 2025
    (9, "2010-01-01"),
]


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def marts(request, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("pg_database")
    wh = Warehouse(url)
    wh.ensure()
    settings = _settings(url, tmp_path)
    _insert(wh, "core.person", [{"person_id": p, "dob": D(d), "forename": f"Name{p}", "surname": "Surname",
                                 "upn": "A950000178301", "person_key": settings.person_key(p)} for p, d in PEOPLE])
    _insert(wh, "core.plan", [
        {"plan_id": 1, "person_id": 1, "start_date": D("2023-02-28")},
        {"plan_id": 2, "person_id": 2, "start_date": D("2024-02-29")},          # leap day
        {"plan_id": 3, "person_id": 3, "start_date": D("2024-01-10")},
        {"plan_id": 4, "person_id": 4, "start_date": D("2024-01-10")},
        {"plan_id": 5, "person_id": 5, "start_date": D("2020-01-10")},
        {"plan_id": 6, "person_id": 6, "start_date": D("2020-01-10")},
        {"plan_id": 9, "person_id": 9, "start_date": D("2019-01-10")},
        {"plan_id": 20, "person_id": 9, "start_date": D("2018-01-01"), "cease_date": D("2018-05-15")},  # ceases mid-quarter
        {"plan_id": 21, "person_id": 9, "start_date": D("2018-01-01")},
        {"plan_id": 22, "person_id": 9, "start_date": D("2018-01-01")},
    ])
    review = lambda pid, meeting, **kw: {"person_id": pid, "review_type": kw.pop("kind", "Annual"),  # noqa: E731
                                         "meeting_date": D(meeting) if meeting else None, "school_urn": 100001,
                                         "coordinator": "Ann Officer", "source_file": "t.xlsx", **kw}
    _insert(wh, "core.review", [
        review(9, "2020-01-05"),  # sets the tracker's history start
        review(1, "2024-02-27", paperwork_received_date=D("2024-03-13"), decision_date=D("2024-03-26")),
        review(1, "2025-02-28", paperwork_received_date=D("2025-03-16"), decision_date=D("2025-03-29")),
        review(2, "2025-02-28"),
        review(3, "2025-03-20"),
        review(3, "2025-05-01"),                                        # scheduled, not yet held
        review(4, "2025-03-01", paperwork_received_date=D("2025-04-10")),  # received after the as-at date
        review(2, "2025-03-25", paperwork_received_date=D("2025-04-05")),  # spans the financial year end
        review(5, "2024-10-10", kind="Phase Transfer", final_amended_date=D("2025-02-15")),
        review(6, "2024-11-01", kind="Phase Transfer", final_amended_date=D("2025-04-01")),
    ])
    req = lambda rid, pid, received, decision=None, decided=None: {  # noqa: E731
        "request_id": rid, "person_id": pid, "received_date": D(received), "decision": decision,
        "decision_date": D(decided) if decided else None}
    _insert(wh, "core.request", [
        req(1, 1, "2024-01-01", "Y", "2024-02-12"), req(2, 2, "2024-01-01", "Y", "2024-02-13"),
        req(3, 3, "2023-01-02", "Y", "2023-02-01"), req(4, 4, "2023-01-02", "Y", "2023-02-01"),
        req(5, 5, "2025-03-01"), req(6, 6, "2025-01-01"), req(7, 9, "2024-06-01", "Y", "2024-07-01"),
        req(8, 9, "2025-02-01", "Y", "2025-04-10"),
    ])
    ass = lambda aid, rid, outcome, when, exc=0: {"assessment_id": aid, "request_id": rid, "outcome": outcome,  # noqa: E731
                                                  "outcome_date": D(when), "week20_exception": exc}
    _insert(wh, "core.assessment", [ass(1, 1, "Y", "2024-05-20"), ass(2, 2, "Y", "2024-05-21", exc=1),
                                    ass(3, 3, "Y", "2024-01-01"), ass(4, 4, "Y", "2024-01-02"),
                                    ass(7, 7, "N", "2024-09-21")])
    _insert(wh, "core.officer", [{"officer_id": 1, "officer_key": settings.officer_key(1), "name": "Ann Officer",
                                  "role": "EHC Plan Co-ordinator", "grade": "Grade 7", "fte": 1.0, "is_agency": 0,
                                  "start_date": D("2017-01-01")}])
    _insert(wh, "core.coordinator_assignment", [
        {"plan_id": 20, "officer_id": 1, "from_date": D("2018-01-01")},
        {"plan_id": 21, "officer_id": 1, "from_date": D("2018-04-01"), "to_date": D("2018-06-30")},
        {"plan_id": 22, "officer_id": 1, "from_date": D("2018-07-01"), "to_date": D("2018-12-01")},
    ])
    _insert(wh, "core.school", [{"urn": 100001, "name": "Primary", "type_name": "Community school",
                                 "type_group": "Local authority maintained schools"},
                                {"urn": 100002, "name": "Special", "type_name": "Academy special converter",
                                 "type_group": "Academies"}])
    _insert(wh, "core.placement", [{"placement_id": 1, "plan_id": 1, "urn": 100001, "placement_rank": 1,
                                    "entry_date": D("2024-10-01")}])
    _insert(wh, "core.need", [{"plan_id": 1, "need_code": "ASD", "need_rank": 1}])
    _insert(wh, "core.banding_rate", [{"band": "M1", "category": "Cat 1", "annual_amount": Decimal("2567.00"),
                                       "effective_from": D("2023-04-01")}])
    line = lambda tid, posted, fy, amount, account="5101": {  # noqa: E731
        "transaction_id": tid, "posting_date": D(posted), "financial_year": fy, "account_code": account,
        "urn": 100001, "person_id": 1, "band": "M1", "amount": Decimal(amount)}
    _insert(wh, "core.ledger_line", [line("T1", "2024-10-01", "2024-25", "427.83"),
                                     line("T2", "2025-03-31", "2024-25", "427.83"),   # last day of the year
                                     line("T3", "2025-04-01", "2025-26", "427.83")])  # first day of the next
    build_marts(Run(settings, "test", AS_AT))
    yield wh
    wh.dispose()


def _one(wh, sql):
    frame = wh.frame(sql)
    assert len(frame) == 1, frame
    return frame.iloc[0]


def _review(wh, person, meeting):
    key = _settings("", None).person_key(person)
    where = f"meeting_date = DATE '{meeting}'" if meeting else "meeting_date IS NULL"
    return _one(wh, f"SELECT * FROM marts.annual_reviews WHERE person_key = '{key}' AND {where}")


def test_paperwork_exactly_15_days_is_on_time_and_decision_exactly_28_days(marts):
    r = _review(marts, 1, "2024-02-27")  # 27 Feb 2024 (leap year) + 15 = 13 Mar; + 28 = 26 Mar
    assert (r.days_to_paperwork, r.paperwork_status) == (15, "on_time")
    assert r.paperwork_within_14_days == 0  # the regulations' two weeks, reported beside it
    assert (r.days_to_decision, r.decision_status) == (28, "on_time")
    assert r.held_within_12_months == 1  # plan start 28 Feb 2023 + 12 months = 28 Feb 2024


def test_16_days_is_late_and_29_days_is_late(marts):
    r = _review(marts, 1, "2025-02-28")  # 28 Feb 2025 + 16 = 16 Mar; + 29 = 29 Mar
    assert (r.days_to_paperwork, r.paperwork_status) == (16, "late")
    assert (r.days_to_decision, r.decision_status) == (29, "late")
    assert r.held_within_12_months == 0  # previous meeting 27 Feb 2024 + 12 months = 27 Feb 2025 < 28 Feb


def test_leap_day_plan_start_and_outstanding_late(marts):
    r = _review(marts, 2, "2025-02-28")  # plan started 29 Feb 2024: + 12 months = 28 Feb 2025
    assert r.held_within_12_months == 1
    assert r.paperwork_status == "outstanding_late"  # deadline 15 Mar passed by 31 Mar
    assert r.decision_status == "outstanding_late"   # deadline 28 Mar passed


def test_pending_and_not_yet_held(marts):
    r = _review(marts, 3, "2025-03-20")  # deadlines 4 Apr and 17 Apr are after 31 Mar
    assert (r.paperwork_status, r.decision_status) == ("pending", "pending")
    future = _review(marts, 3, "2025-05-01")
    assert future.paperwork_status is None and future.decision_status is None and pd.isna(future.held_within_12_months)


def test_a_date_after_the_as_at_date_is_not_yet_known(marts):
    r = _review(marts, 4, "2025-03-01")  # paperwork recorded 10 Apr: unknown on 31 Mar, deadline 16 Mar
    assert r.paperwork_status == "outstanding_late" and pd.isna(r.days_to_paperwork)


def test_review_spanning_the_financial_year_end(marts):
    r = _review(marts, 2, "2025-03-25")  # deadline 9 Apr 2025; paperwork dated 5 Apr is after 31 Mar
    assert (r.paperwork_status, r.paperwork_deadline) == ("pending", date(2025, 4, 9))
    assert r.previous_meeting_date == date(2025, 2, 28) and r.held_within_12_months == 1
    assert r.academic_year == "2024-25"


def test_phase_transfer_deadlines(marts):
    y6 = _review(marts, 5, "2024-10-10")
    assert y6.phase_transfer_deadline == date(2025, 2, 15) and y6.phase_transfer_status == "on_time"  # exactly on it
    y11 = _review(marts, 6, "2024-11-01")
    assert y11.phase_transfer_deadline == date(2025, 3, 31)
    assert y11.phase_transfer_status == "pending"  # final dated 1 Apr is not known on 31 Mar = deadline day


def test_ehcna_boundaries(marts):
    rows = marts.frame("SELECT * FROM marts.ehcna_requests ORDER BY received_date, days_to_outcome")
    by = {(str(r.received_date), r.days_to_outcome if not pd.isna(r.days_to_outcome) else None): r
          for r in rows.itertuples()}
    q1 = by[("2024-01-01", 140)]   # 1 Jan 2024 + 140 days = 20 May 2024 (leap year)
    assert (q1.decision_within_6_weeks, q1.plan_within_20_weeks, q1.timeliness_band) == (1, 1, "within_20_weeks")
    q2 = by[("2024-01-01", 141)]   # decision on day 43, plan on day 141
    assert (q2.decision_within_6_weeks, q2.plan_within_20_weeks, q2.timeliness_band) == (0, 0, "20_to_52_weeks")
    assert by[("2023-01-02", 364)].timeliness_band == "20_to_52_weeks"
    assert by[("2023-01-02", 365)].timeliness_band == "over_52_weeks"
    n = by[("2024-06-01", 112)]    # 1 Jun + 112 = 21 Sep: decision not to issue within 16 weeks
    assert n.not_issue_within_16_weeks == 1 and pd.isna(n.plan_within_20_weeks)
    pending = by[("2025-03-01", None)]
    assert pd.isna(pending.decision_within_6_weeks)          # 30 days: still inside 6 weeks
    assert by[("2025-01-01", None)].decision_within_6_weeks == 0  # 89 days, no decision
    future = by[("2025-02-01", None)]                        # decided 10 Apr: not known on 31 Mar
    assert pd.isna(future.decision) and future.decision_within_6_weeks == 0


def test_ehcna_timeliness_in_dfe_definitions(marts):
    y = _one(marts, "SELECT * FROM marts.ehcna_timeliness WHERE time_period = 2024")
    # issued in 2024: days 140, 141 (exception), 364, 365
    assert (y.plans_issued_den, y.plans_issued_den_ex, y.plans_issued_within_20_weeks) == (4, 3, 1)
    assert (y.plans_issued_20_weeks_ex, y.plans_issued_gt20weeks_ltyear, y.plans_issued_gt_1_year) == (1, 2, 1)
    assert float(y.pc_plans_issued_within_20_weeks) == 25.0 and float(y.pc_plans_issued_20_weeks_ex) == 33.3


def test_caseload_at_quarter_ends(marts):
    rows = marts.frame("SELECT quarter_end, active_plans FROM marts.coordinator_caseload ORDER BY quarter_end")
    counts = dict(zip(rows.quarter_end.astype(str), rows.active_plans))
    assert counts["2018-03-31"] == 1   # plan 20 (ceases 15 May 2018, mid-quarter)
    assert counts["2018-06-30"] == 1   # plan 21, assignment ends on the quarter end itself
    assert counts["2018-09-30"] == 1   # plan 22 only
    assert counts["2018-12-31"] == 0   # plan 22's assignment ended 1 Dec
    role = _one(marts, "SELECT * FROM marts.caseload_by_role WHERE quarter_end = DATE '2018-06-30'")
    assert (role.officers, role.max_caseload) == (1, 1)


def test_spend_by_financial_year_and_expected_topup(marts):
    spend = marts.frame("SELECT financial_year, amount, pupils FROM marts.school_spend WHERE school_urn = 100001 "
                        "ORDER BY financial_year")
    assert spend.financial_year.tolist() == ["2024-25", "2025-26"]
    assert [float(a) for a in spend.amount] == [855.66, 427.83] and spend.pupils.tolist() == [1, 1]
    gap = _one(marts, "SELECT * FROM marts.topup_expected_vs_actual WHERE financial_year = '2024-25'")
    # placed 1 Oct 2024 - 31 Mar 2025 = 182 of 365 days; 2,567 x 182 / 365 = 1,279.98
    assert float(gap.expected_topup) == 1279.98 and float(gap.actual_topup) == 855.66
    assert _one(marts, "SELECT provision_type FROM staging.school_provision WHERE urn = 100002").provision_type == "la_special"


def test_overdue_reviews(marts):
    keys = set(marts.frame("SELECT person_key FROM marts.overdue_reviews").person_key)
    s = _settings("", None)
    assert s.person_key(9) in keys        # last meeting 5 Jan 2020
    assert s.person_key(1) not in keys    # met 28 Feb 2025


def test_marts_hold_no_personal_data(marts):
    forbidden = {"forename", "surname", "name", "upn", "uln", "dob", "postcode", "person_id", "child_name"}
    tables = marts.frame("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").table_name
    people = marts.frame("SELECT forename, surname, upn FROM core.person")
    secrets = set(people.forename) | set(people.surname) | set(people.upn)
    for table in tables:
        frame = marts.frame(f"SELECT * FROM marts.{table}")
        if table == "data_dictionary":
            continue
        assert not forbidden & set(frame.columns), table
        for col in frame.columns:
            if frame[col].dtype == object:
                assert not secrets & set(frame[col].dropna().astype(str)), f"{table}.{col}"
