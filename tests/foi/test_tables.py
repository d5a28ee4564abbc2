"""Every FOI table on a tiny warehouse built row by row, hand-worked, on DuckDB and PostgreSQL alike.

As-at date 31 March 2025: the last day of financial year 2024-25, academic year 2024/25. The January
census day is the third Thursday: 16 January 2025 (1 Jan 2025 is a Wednesday: Thursdays 2, 9, 16) and
18 January 2024 (1 Jan 2024 is a Monday: Thursdays 4, 11, 18).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from send_pipeline.foi import catalogue
from send_pipeline.foi.build import build_foi
from send_pipeline.foi.disclosure import NIL, NOT_HELD, protect
from send_pipeline.nightly.steps import Run, build_marts
from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse

AS_AT = date(2025, 3, 31)
D = date.fromisoformat


def _settings(url, tmp) -> Settings:
    return Settings(cms_url="", warehouse_url=url, inbox_dir=tmp, output_dir=tmp, landing_dir=tmp, la_code="331",
                    pseudonym_secret=b"test")


def _insert(wh, table, rows):
    frame = pd.DataFrame(rows)
    for col in frame.columns:  # integer columns with gaps arrive as floats: COPY wants 100001, not 100001.0
        values = frame[col].dropna()
        if frame[col].dtype == float and len(values) and values.map(float.is_integer).all() and col != "fte":
            frame[col] = frame[col].astype("Int64")
    with wh.transaction() as conn:
        wh.insert_frame(conn, table, frame)


PEOPLE = {  # person_id: (dob, plan start, cease)
    1: ("2015-10-01", "2020-01-01", None),  # 8 on 31 Aug 2024 (October birthday): Aged 5 to 10
    2: ("2010-03-01", "2020-01-01", None),  # 14: Aged 11 to 15
    3: ("2010-09-01", "2019-01-01", None),  # 13 (September birthday falls after 31 Aug): Aged 11 to 15
    4: ("2021-01-01", "2023-06-01", None),  # 3: Under 5
    5: ("2006-05-01", "2020-01-01", None),  # 18: Aged 16 to 19
    6: ("2011-01-01", "2020-01-01", "2024-12-31"),  # ceased before the 2025 census
    7: ("2012-01-01", "2025-02-01", None),  # starts after the 2025 census
    8: ("2012-08-31", "2024-01-02", None),  # 12 exactly on 31 Aug 2024: Aged 11 to 15
    9: ("2014-01-01", None, None),          # never had a plan (funded by the ledger: not in "with an EHCP")
}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def foi(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"foi_{request.param}")
    url = f"duckdb:///{tmp / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("pg_module_url")
    wh = Warehouse(url)
    wh.ensure()
    s = _settings(url, tmp)
    _insert(wh, "core.person", [{"person_id": p, "dob": D(dob), "person_key": s.person_key(p), "forename": f"N{p}",
                                 "surname": "S"} for p, (dob, _, _) in PEOPLE.items()])
    _insert(wh, "core.plan", [{"plan_id": 100 + p, "person_id": p, "start_date": D(start),
                               "cease_date": D(cease) if cease else None}
                              for p, (_, start, cease) in PEOPLE.items() if start])
    _insert(wh, "core.need", [
        {"plan_id": 101, "need_code": "ASD", "need_rank": 1, "recorded_date": D("2020-01-01")},
        {"plan_id": 102, "need_code": "SEMH", "need_rank": 1, "recorded_date": D("2020-01-01")},
        {"plan_id": 102, "need_code": "ASD", "need_rank": 1, "recorded_date": D("2025-02-01")},  # after the census
        {"plan_id": 103, "need_code": "ASD", "need_rank": 1, "recorded_date": D("2019-01-01")},
        {"plan_id": 104, "need_code": "SLCN", "need_rank": 1, "recorded_date": D("2023-06-01")},
        {"plan_id": 105, "need_code": "MLD", "need_rank": 1, "recorded_date": D("2020-01-01")},
        {"plan_id": 106, "need_code": "DS", "need_rank": 1, "recorded_date": D("2020-01-01")},
    ])  # plan 108 has no need recorded
    school = lambda urn, name, type_name, group, la="331", capacity=None: {  # noqa: E731
        "urn": urn, "name": name, "type_name": type_name, "type_group": group, "la_code": la,
        "la_name": "Coventry" if la == "331" else "Warwickshire", "capacity": capacity}
    _insert(wh, "core.school", [
        school(100001, "Primary A", "Community school", "Local authority maintained schools", capacity=210),
        school(100002, "Castle Special", "Community special school", "Special schools", capacity=160),
        school(100003, "Oak Special Academy", "Academy special converter", "Academies", capacity=100),
        school(100004, "Far Special", "Community special school", "Special schools", la="937", capacity=120),
        school(100005, "Indy Special", "Other independent special school", "Independent schools", capacity=40),
    ])
    place = lambda pid, plan, entry, leave=None, **kw: {  # noqa: E731
        "placement_id": pid, "plan_id": plan, "placement_rank": 1, "entry_date": D(entry),
        "leaving_date": D(leave) if leave else None, **kw}
    _insert(wh, "core.placement", [
        place(1, 101, "2020-01-01", urn=100001),
        place(2, 102, "2020-01-01", urn=100002),
        place(3, 103, "2019-01-01", "2024-12-31", urn=100003),   # moved in the Christmas holiday
        place(4, 103, "2025-01-06", urn=100002),
        place(5, 104, "2023-06-01", setting_code="EYP"),
        place(6, 105, "2020-01-01", ukprn="10001234"),           # a college: UKPRN, no URN
        place(7, 106, "2020-01-01", "2024-12-31", urn=100005),
    ])
    line = lambda tid, posted, fy, account, amount, **kw: {  # noqa: E731
        "transaction_id": tid, "posting_date": D(posted), "financial_year": fy, "account_code": account,
        "amount": Decimal(amount), **kw}
    _insert(wh, "core.ledger_line", [
        line("L0", "2022-05-01", "2022-23", "5201", "100.00"),                    # the ledger starts in 2022-23
        line("A1", "2023-06-01", "2023-24", "6101", "1000.00", supplier="Agency A"),
        line("A2", "2023-07-01", "2023-24", "6101", "-200.00", supplier="Agency A"),  # a credit
        line("H1", "2024-05-01", "2024-25", "5101", "1000.00", urn=100001, person_id=1),
        line("H2", "2024-06-01", "2024-25", "5101", "500.00", urn=100001, person_id=1),
        line("H3", "2024-05-01", "2024-25", "5102", "20000.00", urn=100002, person_id=2),
        line("H4", "2024-05-01", "2024-25", "5102", "18000.00", urn=100002, person_id=3),
        line("H5", "2024-05-01", "2024-25", "5103", "45000.00", urn=100005, person_id=6),
        line("H6", "2024-05-01", "2024-25", "5105", "3000.00", person_id=8),        # home tuition: no school
        line("H7", "2024-05-01", "2024-25", "5101", "700.00", urn=100001, person_id=9),  # no EHC plan
        line("H8", "2025-04-02", "2025-26", "5101", "999.00", urn=100001, person_id=1),  # after the as-at date
    ])
    consult = lambda cid, pid, urn, sent, response=None, responded=None: {  # noqa: E731
        "consultation_id": cid, "person_id": pid, "urn": urn, "sent_date": D(sent), "response": response,
        "response_date": D(responded) if responded else None}
    _insert(wh, "core.consultation", [
        consult(1, 1, 100001, "2024-10-01", "Accepted", "2024-10-10"),
        consult(2, 2, 100002, "2024-11-01", "Declined", "2024-11-20"),
        consult(3, 2, 100003, "2024-11-01", "Declined", "2024-11-25"),
        consult(4, 3, 100002, "2024-12-01", "No response"),
        consult(5, 4, 100005, "2025-03-20", "Accepted", "2025-04-05"),   # answered after the as-at date
        consult(6, 5, None, "2025-01-10"),
        consult(7, 1, 100001, "2024-08-31", "Accepted", "2024-09-05"),  # academic year 2023/24
        consult(8, 1, 100001, "2025-04-10", "Accepted", "2025-04-11"),  # sent after the as-at date
    ])
    req = lambda rid, pid, received, decision=None, decided=None: {  # noqa: E731
        "request_id": rid, "person_id": pid, "received_date": D(received), "decision": decision,
        "decision_date": D(decided) if decided else None}
    _insert(wh, "core.request", [
        req(1, 1, "2024-01-01", "Y", "2024-02-12"),   # day 42: within 6 weeks
        req(2, 2, "2024-01-01", "Y", "2024-02-13"),   # day 43: after
        req(3, 3, "2024-03-01", "N", "2024-03-20"),
        req(4, 4, "2024-06-01", "W", "2024-06-10"),
        req(5, 5, "2025-03-01"),
        req(6, 8, "2023-01-02", "Y", "2023-02-01"),
    ])
    ass = lambda aid, rid, outcome, when, exc=0: {"assessment_id": aid, "request_id": rid, "outcome": outcome,  # noqa: E731
                                                  "outcome_date": D(when), "week20_exception": exc}
    _insert(wh, "core.assessment", [ass(1, 1, "Y", "2024-05-20"),          # day 140: within 20 weeks
                                    ass(2, 2, "Y", "2024-05-21", exc=1),   # day 141, an exception case
                                    ass(6, 6, "Y", "2024-01-02")])         # day 365: over 52 weeks
    review = lambda pid, meeting, kind="Annual", **kw: {  # noqa: E731
        "person_id": pid, "review_type": kind, "meeting_date": D(meeting), "school_urn": 100001,
        "coordinator": "Ann Officer", "source_file": "t.xlsx", **kw}
    _insert(wh, "core.review", [
        review(1, "2024-02-27", paperwork_received_date=D("2024-03-13"), decision_date=D("2024-03-26")),  # 15 and 28 days
        review(2, "2024-03-01", paperwork_received_date=D("2024-03-17"), decision_date=D("2024-03-30")),  # 16 and 29
        review(3, "2024-10-10", "Phase Transfer", decision_date=D("2024-10-20")),  # paperwork never came
        review(4, "2025-03-20"),                                                    # deadlines after 31 Mar
        review(5, "2025-06-01"),                                                    # not yet held
    ])
    _insert(wh, "core.officer", [
        {"officer_id": 1, "officer_key": s.officer_key(1), "name": "Ann Officer", "role": "EHC Plan Co-ordinator",
         "grade": "Grade 7", "fte": 1.0, "is_agency": 0, "start_date": D("2017-01-01")},
        {"officer_id": 2, "officer_key": s.officer_key(2), "name": "Bob Senior", "role": "Senior EHC Plan Co-ordinator",
         "grade": "Grade 9", "fte": 0.5, "is_agency": 0, "start_date": D("2017-01-01")},
    ])
    _insert(wh, "core.coordinator_assignment", [
        {"plan_id": 101, "officer_id": 1, "from_date": D("2020-01-01")},
        {"plan_id": 102, "officer_id": 1, "from_date": D("2020-01-01")},
        {"plan_id": 103, "officer_id": 2, "from_date": D("2019-01-01")},
    ])
    run = Run(s, "foi_test", AS_AT)
    build_marts(run)
    result = build_foi(run)
    yield wh, result
    wh.dispose()


def _table(wh, table_id, **where) -> pd.DataFrame:
    frame = wh.frame(f"SELECT * FROM foi.{table_id}")
    for col, value in where.items():
        frame = frame[frame[col] == value]
    return frame.reset_index(drop=True)


def _one(wh, table_id, **where) -> pd.Series:
    frame = _table(wh, table_id, **where)
    assert len(frame) == 1, frame
    return frame.iloc[0]


def _num(value) -> float:
    return float(value)


def test_la_identity_falls_back_to_gias_without_the_dfe_release(foi):
    wh, result = foi
    la = _one(wh, "la_identity")
    assert (la.geographic_level, la.old_la_code, la.la_name, la.new_la_code) == ("Local authority", "331", "Coventry", "x")
    meta = wh.frame("SELECT * FROM foi.catalogue").set_index("table_id")
    assert list(meta.index) == catalogue.load().ids
    assert meta.loc["benchmark_plans", "status"] == "not available: ref.dfe_caseload not loaded"
    assert meta.loc["school_spend", "status"] == "built" and str(meta.loc["school_spend", "as_at"])[:10] == "2025-03-31"
    assert result["as_at"] == "2025-03-31"


def test_person_level_helper_is_dropped(foi):
    wh, _ = foi
    tables = set(wh.frame("SELECT table_name FROM information_schema.tables WHERE table_schema = 'foi'").table_name)
    assert "census_plans" not in tables and "comparators" in tables
    for table in tables:
        cols = set(wh.frame(f"SELECT * FROM foi.{table} WHERE 1 = 0").columns)
        assert not cols & {"person_id", "person_key", "dob", "forename", "surname", "upn"}, table


def test_coordinator_caseloads_by_quarter(foi):
    wh, _ = foi
    q4 = _table(wh, "coordinator_caseloads", time_period=2024, time_identifier="Calendar year Q4").set_index("role")
    assert str(q4.loc["EHC Plan Co-ordinator", "quarter_end"])[:10] == "2024-12-31"
    assert (q4.loc["EHC Plan Co-ordinator", "officers"], q4.loc["EHC Plan Co-ordinator", "active_plans"]) == (1, 2)
    assert _num(q4.loc["EHC Plan Co-ordinator", "avg_caseload"]) == 2.0
    senior = q4.loc["Senior EHC Plan Co-ordinator"]
    assert (senior.grade, senior.active_plans, senior.max_caseload, _num(senior.total_fte)) == ("Grade 9", 1, 1, 0.5)
    first = _table(wh, "coordinator_caseloads", time_period=2018, time_identifier="Calendar year Q1")
    assert len(first) == 2 and first.active_plans.tolist() == [0, 0]  # co-ordinators listed with no plans yet
    assert _table(wh, "coordinator_caseloads").time_period.min() == 2018


def test_agency_and_consultant_spend_nil_and_not_held(foi):
    wh, _ = foi
    raw = _table(wh, "agency_consultant_spend")
    assert sorted(raw.time_period.unique())[0] == 201415 and sorted(raw.time_period.unique())[-1] == 202425
    assert len(raw) == 11 * 2  # 2014-15 .. 2024-25, two spend types
    agency = raw[raw.spend_type == "Agency staff"].set_index("time_period")
    assert agency.loc[202122, "record_status"] == "not_held"      # before the ledger's first year (2022-23)
    assert agency.loc[202223, "record_status"] == "nil"           # covered, no agency lines
    assert (_num(agency.loc[202324, "amount"]), agency.loc[202324, "suppliers"]) == (800.0, 1)  # 1,000 - 200 credit
    table = catalogue.load().table("agency_consultant_spend")
    published = protect(raw, table.layout, 5).frame
    cells = published.set_index(["time_period", "spend_type"])["amount"]
    assert cells[(202122, "Agency staff")] == NOT_HELD and cells[(201415, "Consultants")] == NOT_HELD
    assert cells[(202223, "Agency staff")] == NIL and cells[(202425, "Consultants")] == NIL
    assert cells[(202324, "Consultants")] == NIL and cells[(202324, "Agency staff")] == 800.0
    assert published.set_index(["time_period", "spend_type"]).loc[(202122, "Consultants"), "suppliers"] == NOT_HELD
    assert not published[table.columns].isna().any().any()  # never an empty cell
    assert "record_status" not in published.columns


def test_school_consultations_by_type_and_academic_year(foi):
    wh, _ = foi
    total = _one(wh, "school_consultations", time_period=202425, school_type="Total")
    assert (total.consultations, total.accepted, total.declined, total.no_response, total.awaiting_or_not_recorded) \
        == (6, 1, 2, 1, 2)  # consultation 5 answered after 31 Mar: awaiting; consultation 6 has no answer
    assert _num(total.pct_declined) == 33.3
    special = _one(wh, "school_consultations", time_period=202425, school_type="Special - LA maintained")
    assert (special.consultations, special.declined, special.no_response) == (2, 1, 1)
    assert _one(wh, "school_consultations", time_period=202425, school_type="Special - academy or free school").declined == 1
    assert _one(wh, "school_consultations", time_period=202425,
                school_type="Special - independent or non-maintained").awaiting_or_not_recorded == 1
    assert _one(wh, "school_consultations", time_period=202425,
                school_type="No school named in the consultation").consultations == 1
    assert _one(wh, "school_consultations", time_period=202324, school_type="Total").consultations == 1  # 31 Aug
    assert set(_table(wh, "school_consultations").time_period) == {202324, 202425}  # 10 Apr 2025: not yet


def test_funding_per_child_by_provision_type(foi):
    wh, _ = foi
    rows = _table(wh, "funding_per_child_by_provision", time_period=202425).set_index("provision_type")
    assert (_num(rows.loc["Mainstream school", "amount"]), rows.loc["Mainstream school", "children"]) == (1500.0, 1)
    assert (_num(rows.loc["State-funded special school", "amount"]), rows.loc["State-funded special school", "children"]) \
        == (38000.0, 2)
    assert _num(rows.loc["State-funded special school", "avg_funding_per_child"]) == 19000.0
    assert _num(rows.loc["Independent or non-maintained school", "amount"]) == 45000.0  # plan ceased in December
    assert _num(rows.loc["Alternative provision or home tuition", "amount"]) == 3000.0
    # person 9 (no EHC plan, 700) and the line posted 2 Apr 2025 are out
    assert (_num(rows.loc["Total", "amount"]), rows.loc["Total", "children"]) == (87500.0, 5)
    assert _num(rows.loc["Total", "avg_funding_per_child"]) == 17500.0


def test_requests_and_new_plans_per_year(foi):
    wh, _ = foi
    y = _one(wh, "ehcna_requests_and_plans", time_period=2024)
    assert (y.requests_received, y.decided_to_assess, y.decided_not_to_assess, y.withdrawn, y.undecided) == (4, 2, 1, 1, 0)
    # decided on day 42, on day 43, on day 19; withdrawn on day 9 is not a decision: 2 of 3, not 3 of 4
    assert (y.decisions_made, y.decisions_within_6_weeks, y.decisions_after_6_weeks) == (3, 2, 1)
    assert _num(y.pc_decisions_within_6_weeks) == 66.7
    # the DfE's 6-week population is the year's decisions: request 6 (received and decided in 2023) is 2023's
    y23 = _one(wh, "ehcna_requests_and_plans", time_period=2023)
    assert (y23.requests_received, y23.decisions_made, y23.decisions_within_6_weeks) == (1, 1, 1)
    # issued in 2024: day 140, day 141 (exception), day 365 (request from 2023)
    assert (y.plans_issued, y.plans_issued_within_20_weeks, y.plans_issued_20_to_52_weeks, y.plans_issued_over_52_weeks) \
        == (3, 1, 1, 1)
    assert _num(y.pc_plans_issued_within_20_weeks) == 33.3
    assert (y.exception_cases, y.exception_cases_within_20_weeks, y.plans_issued_excluding_exceptions,
            y.plans_issued_within_20_weeks_excluding_exceptions) == (1, 0, 2, 1)
    assert _num(y.pc_plans_issued_within_20_weeks_excluding_exceptions) == 50.0
    y25 = _one(wh, "ehcna_requests_and_plans", time_period=2025)
    assert (y25.requests_received, y25.undecided, y25.plans_issued) == (1, 1, 0)
    assert pd.isna(y25.pc_plans_issued_within_20_weeks)


def test_annual_review_timeliness_per_year(foi):
    wh, _ = foi
    total = _one(wh, "annual_review_timeliness", time_period=2024, review_type="Total")
    assert (total.reviews_held, total.paperwork_on_time, total.paperwork_late, total.paperwork_outstanding_late,
            total.paperwork_pending) == (3, 1, 1, 1, 0)  # 15 days on time, 16 late, never received
    assert (total.decision_on_time, total.decision_late, total.decision_outstanding_late) == (2, 1, 0)  # 28, 29, 10
    assert (_num(total.pct_paperwork_on_time), _num(total.pct_due_decisions_within_4_weeks)) == (33.3, 66.7)
    assert _num(total.pc_decsion_4weeks) == 66.7  # the DfE's: 2 of the 3 decided (none outstanding here)
    assert _one(wh, "annual_review_timeliness", time_period=2024, review_type="Phase Transfer").reviews_held == 1
    later = _one(wh, "annual_review_timeliness", time_period=2025, review_type="Total")
    assert (later.reviews_held, later.paperwork_pending, later.decision_pending) == (1, 1, 1)  # June meeting: not held
    assert pd.isna(later.pct_paperwork_on_time)


def test_plans_by_need_age_and_setting_at_the_january_census(foi):
    wh, _ = foi
    t = _table(wh, "plans_by_need_age_setting", time_period=202425)
    cell = lambda n, a, s: int(t[(t.primary_need == n) & (t.age_band == a) & (t.setting_type == s)].plans.sum())  # noqa: E731
    assert cell("Total", "Total", "Total") == 6  # people 1, 2, 3, 4, 5, 8 (6 ceased, 7 starts later)
    assert cell("Total", "Total", "State-funded special school") == 2  # person 3 moved to Castle on 6 Jan
    assert cell("Social, emotional and mental health", "Total", "Total") == 1  # need changed after the census
    assert cell("Autistic spectrum disorder", "Aged 11 to 15", "State-funded special school") == 1
    assert cell("Total", "Aged 11 to 15", "Total") == 3  # people 2, 3 and 8 (12 on 31 Aug)
    assert cell("Total", "Aged 5 to 10", "Mainstream school") == 1
    assert cell("Total", "Under 5", "Early years setting") == 1
    assert cell("Moderate learning difficulty", "Aged 16 to 19", "Further education or other post-16") == 1
    assert cell("Primary need not recorded", "Aged 11 to 15", "No placement recorded") == 1
    earlier = _table(wh, "plans_by_need_age_setting", time_period=202324)
    tot = earlier[(earlier.primary_need == "Total") & (earlier.age_band == "Total") & (earlier.setting_type == "Total")]
    assert int(tot.plans.iloc[0]) == 7  # 18 Jan 2024: people 1-6 and 8 (plan from 2 Jan 2024)
    other = earlier[(earlier.primary_need == "Other difficulty or disability") & (earlier.age_band == "Total")
                    & (earlier.setting_type == "Total")]
    assert int(other.plans.iloc[0]) == 1  # Down syndrome counted as other, as the DfE does
    assert set(t.time_identifier) == {"Academic year"}


def test_special_school_places_and_occupancy(foi):
    wh, _ = foi
    now = _table(wh, "special_school_places", time_period=202425).set_index("school_urn")
    assert set(now.index) == {"100002", "100003", "Total"}  # other LA's and independent schools are out
    assert (now.loc["100002", "places"], now.loc["100002", "la_pupils"]) == (160, 2)
    assert now.loc["100002", "school_type"] == "Special - LA maintained"
    assert (now.loc["100003", "places"], now.loc["100003", "la_pupils"]) == (100, 0)
    assert (now.loc["Total", "places"], now.loc["Total", "la_pupils"]) == (260, 2)
    assert _num(now.loc["Total", "pct_places_filled_by_la"]) == 0.8  # 2 / 260
    before = _table(wh, "special_school_places", time_period=202324).set_index("school_urn")
    assert before.loc["100003", "la_pupils"] == 1 and pd.isna(before.loc["100003", "places"])  # capacity not held


def test_spend_per_school_per_financial_year(foi):
    wh, _ = foi
    rows = _table(wh, "school_spend", time_period=202425).set_index("school_urn")
    assert (_num(rows.loc["100001", "amount"]), rows.loc["100001", "children"]) == (2200.0, 2)  # incl. person 9
    assert rows.loc["100001", "school_name"] == "Primary A" and rows.loc["100001", "provision_type"] == "Mainstream school"
    assert _num(rows.loc["100002", "spend_per_child"]) == 19000.0
    assert (_num(rows.loc["Total", "amount"]), rows.loc["Total", "children"]) == (85200.0, 5)  # no home tuition: no URN
    assert set(_table(wh, "school_spend").time_period) == {202425}


def test_published_tables_suppress_the_tiny_warehouse(foi):
    wh, _ = foi
    cat = catalogue.load()
    for tid in ("school_spend", "funding_per_child_by_provision", "plans_by_need_age_setting"):
        table = cat.table(tid)
        published = protect(_table(wh, tid), table.layout, 5).frame
        counts = [m.name for m in table.measures if m.kind == "count"]
        for col in counts:
            shown = pd.to_numeric(published[col], errors="coerce")
            assert not ((shown > 0) & (shown < 5)).any(), (tid, col)
    spend = protect(_table(wh, "school_spend"), cat.table("school_spend").layout, 5).frame.set_index("school_urn")
    assert (spend.loc["100002", "amount"], spend.loc["100002", "spend_per_child"]) == ("c", "c")  # 2 children
