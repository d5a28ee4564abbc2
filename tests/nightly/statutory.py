"""A hand-built LA for the statutory clocks: one person per case, every date worked by hand below.

The marts are built as at 1 February 2025 (AS_AT); the SEN2 return of 2025 has census day Thursday
16 January 2025 (CENSUS) and collection period calendar 2024. Day counts from the request (day 0):
2024 is a leap year (29 February), so 1 Jan 2024 + 42 = 12 Feb, + 140 = 20 May; 1 Feb 2024 + 29 = 1 Mar.

Requests (person = request id), decisions whether to assess in 2024 marked *:
   1  received 2024-01-01, Y 2024-02-12 (day 42)*   plan issued 2024-05-20 (day 140: within 20 weeks)
   2  received 2024-01-01, Y 2024-02-13 (day 43)*   plan issued 2024-05-21 (day 141, a reg 13(3) exception)
   3  received 2024-03-01, N 2024-03-20 (day 19)*
   4  received 2024-06-01, W 2024-06-10 (withdrawn on day 9: not a decision)
   5  received 2024-06-01, W, no date          (not a decision, never "late")
   6  received 2023-01-02, Y 2023-02-01        plan issued 2024-01-02 (day 365: after 52 weeks)
   7  received 2024-02-01, Y 2024-03-01 (29)*   two assessment rows: 71 N 2024-05-01, 72 Y 2024-06-10 (day 130)
   8  received 2023-12-01, Y 2024-01-10 (40)*   (a 2023 request decided in 2024: 2024's 6-week population)
   9  received 2024-12-01, N 2025-01-10 (40)    (decided after the year, before the census: 2024's outcome N,
                                                 2025's 6-week population)
  10  received 2024-02-01, Y 2024-03-10 (38)*   assessment withdrawn, no date
  11  received 2024-01-02, Y 2024-02-01 (30)*   not to issue 2024-04-23 (day 112: within 16 weeks)
  12  received 2024-01-02, Y 2024-02-01 (30)*   not to issue 2024-04-24 (day 113: after 16 weeks)
2024: received 10 (Y 6, N 2, W 2, A 0); decisions 8, within 6 weeks 7 (not request 2): 87.5%.

Plans transferred in (reg 15): 20 start 2020-01-10, in 2024-12-01 (two months before AS_AT: never overdue;
due 2025-03-01); 21 start 2019-05-01, in 2024-06-01, never reviewed (due the later of 2020-05-01 and
2024-09-01: 153 days overdue on 1 Feb 2025); 22 and 23 start 2023-06-01, in 2024-04-15 (due the later of
2024-06-01 and 2024-07-15), first reviews 2024-07-10 (in time) and 2024-07-16 (a day late); 24 start
2022-01-01, in 2025-01-20 (after the census: not held on 16 January 2025). Plan 25 ceases on the census
day (not held that day); plan 26 ceased 2024-07-20 (moved on to higher education).

Phase transfers (reg 18), age on 31 August of the review's academic year:
  30 born 2013-10-15 (10, Year 6), review 2024-10-10, final 2025-01-30: deadline 15 Feb 2025, on time
  31 born 2009-05-01 (15, Year 11), review 2024-11-01, Maintain 2024-11-20: deadline 31 Mar 2025, on time
  32 born 2013-03-01 (10 in 2023-24), review 2023-10-05, Maintain 2023-10-25, no final plan: deadline
     15 Feb 2024 - complete on its decision, not outstanding for ever
  33 born 2008-04-01 (16, Year 12 in a school sixth form), review 2024-11-05, final 2025-01-20: 31 Mar 2025
  34 born 2006-06-01 (18, at an FE college), next placement 2025-09-01: reg 18(2) deadline 1 Apr 2025
  35 born 2014-01-15 (9, Year 5), review 2024-06-20 (academic year 2023-24): deadline 15 Feb 2025
Ethnicity: WBRI but 2 (WENG: White British), 3 (REFU) and 7 (NOBT: both Unclassified), 11 (AKPA: Pakistani).
Reviews (regs 20-22), as at 1 Feb 2025:
  40 meeting 2024-12-01: paperwork 12-16 (day 15: the LA's 15 days on time, the regulations' 14 late),
     Amend 12-29 (day 28) with the draft 12-26 (day 25): notice on time; final 2025-01-30 (35 days): on time
  41 meeting 2024-12-02: paperwork 12-16 (day 14), Amend 12-31 (day 29, late), draft 2025-01-05 (day 34, late)
  42 meeting 2025-01-10: nothing by 1 Feb (day 22) - paperwork late on both standards, decision not yet due
  43 meeting 2025-01-25: nothing by 1 Feb (day 7) - still within both
  44 meeting 2024-12-20: no paperwork, no decision (due 2025-01-17): outstanding
  45 meeting 2024-09-02: Amend 09-20, draft 09-25, final 11-21 (57 days after the draft: late)
"""
from __future__ import annotations

from datetime import date

import pandas as pd

AS_AT = date(2025, 2, 1)
CENSUS = date(2025, 1, 16)
D = date.fromisoformat
SECRET = b"test"


def UPN(n: int) -> str:  # noqa: N802
    from send_pipeline.kernel.identifiers import make_upn

    return make_upn("331", "2014", "25", f"{n:03d}")


# person_id: dob, sex
PEOPLE = {
    1: ("2014-03-01", "F"), 2: ("2013-05-05", "M"), 3: ("2012-07-07", "F"), 4: ("2019-08-31", "M"),
    5: ("2010-09-01", "F"), 6: ("2005-02-02", "M"), 7: ("2016-12-12", "M"), 8: ("2011-01-20", "F"),
    9: ("2008-06-06", "M"), 10: ("2021-05-05", "F"), 11: ("2015-04-04", "M"), 12: ("2002-03-03", "F"),
    20: ("2012-02-02", "M"), 21: ("2011-03-03", "F"), 22: ("2015-04-04", "M"), 23: ("2015-05-05", "F"),
    24: ("2013-06-06", "M"), 25: ("2010-07-07", "F"), 26: ("2004-08-08", "M"),
    30: ("2013-10-15", "F"), 31: ("2009-05-01", "M"), 32: ("2013-03-01", "F"), 33: ("2008-04-01", "M"),
    34: ("2006-06-01", "F"), 35: ("2014-01-15", "M"),
    40: ("2012-01-01", "F"), 41: ("2012-02-01", "M"), 42: ("2012-03-01", "F"), 43: ("2012-04-01", "M"),
    44: ("2012-05-01", "F"), 45: ("2012-06-01", "M"),
}

# CBDS ethnicity codes other than WBRI: an extended code under White British, refused, not obtained, and an
# extended code under Pakistani (the release's Ethnicity labels, include/sen2/dfe_ethnicity.csv)
ETHNICITY = {2: "WENG", 3: "REFU", 7: "NOBT", 11: "AKPA"}

# request_id (= person): received, decision, decision_date
REQUESTS = {
    1: ("2024-01-01", "Y", "2024-02-12"), 2: ("2024-01-01", "Y", "2024-02-13"), 3: ("2024-03-01", "N", "2024-03-20"),
    4: ("2024-06-01", "W", "2024-06-10"), 5: ("2024-06-01", "W", None), 6: ("2023-01-02", "Y", "2023-02-01"),
    7: ("2024-02-01", "Y", "2024-03-01"), 8: ("2023-12-01", "Y", "2024-01-10"), 9: ("2024-12-01", "N", "2025-01-10"),
    10: ("2024-02-01", "Y", "2024-03-10"), 11: ("2024-01-02", "Y", "2024-02-01"), 12: ("2024-01-02", "Y", "2024-02-01"),
}

# assessment_id: request, outcome, outcome_date, week20 exception
ASSESSMENTS = {
    1: (1, "Y", "2024-05-20", 0), 2: (2, "Y", "2024-05-21", 1), 6: (6, "Y", "2024-01-02", 0),
    71: (7, "N", "2024-05-01", 0), 72: (7, "Y", "2024-06-10", 0), 8: (8, None, None, 0),
    10: (10, "W", None, 0), 11: (11, "N", "2024-04-23", 0), 12: (12, "N", "2024-04-24", 0),
}

# plan_id (= person): assessment, start, from_la, transfer_in, cease, cease_reason, personal budget, DP
PLANS = {
    1: (1, "2024-05-20", None, None, None, None, 1, "E"), 2: (2, "2024-05-21", None, None, None, None, 0, None),
    6: (6, "2024-01-02", None, None, None, None, 0, None), 7: (72, "2024-06-10", None, None, None, None, 0, None),
    20: (None, "2020-01-10", "937", "2024-12-01", None, None, 0, None),
    21: (None, "2019-05-01", "937", "2024-06-01", None, None, 0, None),
    22: (None, "2023-06-01", "937", "2024-04-15", None, None, 0, None),
    23: (None, "2023-06-01", "937", "2024-04-15", None, None, 0, None),
    24: (None, "2022-01-01", "937", "2025-01-20", None, None, 0, None),
    25: (None, "2020-01-01", None, None, "2025-01-16", 2, 0, None),
    26: (None, "2019-03-01", None, None, "2024-07-20", 3, 0, None),
    30: (None, "2018-03-01", None, None, None, None, 0, None), 31: (None, "2018-03-01", None, None, None, None, 1, "S"),
    32: (None, "2018-03-01", None, None, None, None, 0, None), 33: (None, "2018-03-01", None, None, None, None, 0, None),
    34: (None, "2018-03-01", None, None, None, None, 0, None), 35: (None, "2018-03-01", None, None, None, None, 0, None),
    40: (None, "2018-01-15", None, None, None, None, 0, None), 41: (None, "2018-12-02", None, None, None, None, 0, None),
    42: (None, "2019-01-10", None, None, None, None, 0, None), 43: (None, "2019-01-25", None, None, None, None, 0, None),
    44: (None, "2018-12-20", None, None, None, None, 0, None), 45: (None, "2018-09-02", None, None, None, None, 0, None),
}

SCHOOLS = [  # urn, type, group
    (100001, "Primary A", "Community school", "Local authority maintained schools"),
    (100002, "Castle Special", "Community special school", "Special schools"),
    (100003, "City Academy", "Academy converter", "Academies"),
    (100004, "City College", "Further education", "Colleges"),
    (100005, "Town College", "Further education", "Colleges"),
]

# person: school the tracker names, placement urn, need
PLACED = {1: (100001, "ASD"), 2: (100001, "SEMH"), 6: (100004, "MLD"), 7: (100001, "SLCN"), 20: (100002, "PD"),
          21: (100003, "ASD"), 22: (100001, "DS"), 23: (100001, "HI"), 24: (100001, "ASD"), 25: (100002, "SLD"),
          26: (100004, "MLD"), 30: (100001, "ASD"), 31: (100003, "SEMH"), 32: (100001, "SPLD"), 33: (100003, "ASD"),
          34: (100004, "SLD"), 35: (100001, "VI"), 40: (100003, "ASD"), 41: (100003, "ASD"), 42: (100003, "SEMH"),
          43: (100003, "SLCN"), 44: (100003, "ASD"), 45: (100003, "MLD")}

# person, review type, meeting, paperwork, decision, outcome, draft, final
REVIEWS = [
    (40, "Annual", "2019-01-05", "2019-01-10", "2019-01-20", "Maintain", None, None),  # the tracker's history starts
    (22, "Annual", "2024-07-10", "2024-07-15", "2024-07-20", "Maintain", None, None),
    (23, "Annual", "2024-07-16", "2024-07-20", "2024-07-30", "Maintain", None, None),
    (30, "Phase Transfer", "2024-10-10", "2024-10-20", "2024-10-30", "Amend", "2024-11-01", "2025-01-30"),
    (31, "Phase Transfer", "2024-11-01", "2024-11-10", "2024-11-20", "Maintain", None, None),
    (32, "Phase Transfer", "2023-10-05", "2023-10-15", "2023-10-25", "Maintain", None, None),
    (33, "Phase Transfer", "2024-11-05", "2024-11-15", "2024-11-25", "Amend", "2024-11-28", "2025-01-20"),
    (34, "Phase Transfer", "2024-11-12", "2024-11-20", "2024-12-01", "Amend", "2024-12-05", None),
    (35, "Phase Transfer", "2024-06-20", "2024-06-30", "2024-07-10", "Amend", "2024-07-15", None),
    (40, "Annual", "2024-12-01", "2024-12-16", "2024-12-29", "Amend", "2024-12-26", "2025-01-30"),
    (41, "Annual", "2024-12-02", "2024-12-16", "2024-12-31", "Amend", "2025-01-05", None),
    (42, "Annual", "2025-01-10", None, None, None, None, None),
    (43, "Annual", "2025-01-25", None, None, None, None, None),
    (44, "Annual", "2024-12-20", None, None, None, None, None),
    (45, "Annual", "2024-09-02", "2024-09-10", "2024-09-20", "Amend", "2024-09-25", "2024-11-21"),
]
REVIEW_SCHOOL = {30: 100001, 31: 100003, 32: 100001, 33: 100003, 34: 100004, 35: 100001}


def frames(person_key) -> dict[str, pd.DataFrame]:
    d = lambda v: D(v) if v else None  # noqa: E731
    person = pd.DataFrame([{"person_id": p, "dob": D(dob), "sex": sex, "forename": f"Name{p}", "surname": "Case",
                            "ethnicity": ETHNICITY.get(p, "WBRI"), "postcode": "CV1 1AA", "upn": UPN(p), "person_key": person_key(p)}
                           for p, (dob, sex) in PEOPLE.items()])
    request = pd.DataFrame([{"request_id": r, "person_id": r, "received_date": D(rcv), "request_source": 1, "rya": 0,
                             "decision": dec, "decision_date": d(dd), "mediation": 1 if r == 3 else 0,
                             "tribunal": 1 if r == 3 else 0} for r, (rcv, dec, dd) in REQUESTS.items()])
    assessment = pd.DataFrame([{"assessment_id": a, "request_id": r, "outcome": o, "outcome_date": d(od),
                                "week20_exception": w, "mediation": 1 if a == 12 else 0, "tribunal": 0,
                                "other_mediation": 0, "other_tribunal": 1 if a == 11 else 0}
                               for a, (r, o, od, w) in ASSESSMENTS.items()])
    plan = pd.DataFrame([{"plan_id": p, "person_id": p, "assessment_id": a, "start_date": D(s), "transferred_from_la": la,
                          "transfer_in_date": d(ti), "cease_date": d(c), "cease_reason": cr, "personal_budget": pb,
                          "organised_arrangements": pb, "direct_payments": dp}
                         for p, (a, s, la, ti, c, cr, pb, dp) in PLANS.items()])
    placements = [{"placement_id": p, "plan_id": p, "urn": urn, "placement_rank": 1, "named_in_plan": 1,
                   "entry_date": D(PLANS[p][1]), "sen_unit": 0, "resourced_provision": 0}
                  for p, (urn, _) in PLACED.items()]
    placements.append({"placement_id": 1034, "plan_id": 34, "urn": 100005, "placement_rank": 1, "named_in_plan": 1,
                       "entry_date": D("2025-09-01"), "sen_unit": 0, "resourced_provision": 0})  # the next college
    need = pd.DataFrame([{"plan_id": p, "need_code": n, "need_rank": 1, "recorded_date": D(PLANS[p][1])}
                         for p, (_, n) in PLACED.items()])
    review = pd.DataFrame([{"person_id": p, "school_urn": REVIEW_SCHOOL.get(p, PLACED[p][0]), "coordinator": "Ann Officer",
                            "review_type": t, "meeting_date": D(m), "paperwork_received_date": d(pw),
                            "decision_date": d(dc), "outcome": o, "draft_amended_date": d(dr), "final_amended_date": d(fi),
                            "source_file": "annual_reviews_test.xlsx", "source_row": i + 2}
                           for i, (p, t, m, pw, dc, o, dr, fi) in enumerate(REVIEWS)])
    school = pd.DataFrame([{"urn": u, "name": n, "type_name": t, "type_group": g, "la_code": "331", "la_name": "Coventry"}
                           for u, n, t, g in SCHOOLS])
    officer = pd.DataFrame([{"officer_id": 1, "officer_key": "officer-1", "name": "Ann Officer",
                             "role": "EHC Plan Co-ordinator", "grade": "Grade 7", "fte": 1.0, "is_agency": 0,
                             "start_date": D("2017-01-01")}])
    assignment = pd.DataFrame([{"plan_id": p, "officer_id": 1, "from_date": D(PLANS[p][1])} for p in PLANS])
    for frame, cols in ((plan, ("assessment_id", "cease_reason")), (review, ("school_urn",))):
        for col in cols:
            frame[col] = frame[col].astype("Int64")
    return {"person": person, "request": request, "assessment": assessment, "plan": plan,
            "placement": pd.DataFrame(placements), "need": need, "review": review, "school": school,
            "officer": officer, "coordinator_assignment": assignment}


def build(url: str):
    """The warehouse at `url` with the hand-built LA in core.* (the marts not built yet)."""
    from send_pipeline.kernel.warehouse import Warehouse

    wh = Warehouse(url)
    wh.ensure()
    with wh.transaction() as conn:
        for name, frame in frames(settings_for(url).person_key).items():
            conn.exec_driver_sql(f"DELETE FROM core.{name}")
            wh.insert_frame(conn, f"core.{name}", frame)
    return wh


def settings_for(url: str, tmp=None):
    from pathlib import Path

    from send_pipeline.kernel.settings import Settings

    folder = Path(tmp) if tmp else Path("/nonexistent")
    return Settings(cms_url="", warehouse_url=url, inbox_dir=folder, output_dir=folder, landing_dir=folder,
                    la_code="331", pseudonym_secret=SECRET)
