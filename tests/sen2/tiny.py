"""A tiny hand-built LA in the warehouse: one person per SEN2 scope rule (census 15 January 2026).

Each person's CMS id says what they test; `EXPECTED` is what the 2026 return must hold for them.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

D = date.fromisoformat


def UPN(n: int) -> str:  # noqa: N802 - a valid permanent UPN (check letter computed)
    from send_pipeline.kernel.identifiers import make_upn

    return make_upn("331", "2014", "25", f"{n:03d}")


SCHOOLS = [
    (100001, None, "Castle Primary", "Community school", "Local authority maintained schools"),
    (100002, None, "Riverbank Special", "Community special school", "Special schools"),
    (100003, "10000001", "City College", "Further education", "Colleges"),
]

# person_id: forename, surname, dob, sex, ethnicity, postcode, upn, uln, unknown
PEOPLE = {
    101: ("Amira", "Khan", "2012-03-04", "F", "APKN", "CV1 2AB", UPN(1), None, None),  # active, historical chain
    102: ("Zoë 😀", "O'Brien & <Sons> \"Q\"", "2016-05-06", "F", "WIRI", "CV2 3CD", None, None, "UN2"),  # new plan in period
    103: ("محمد", "Ali", "2005-07-08", "M", "AOTH", "CV3 4EF", None, "4017177165", None),  # plan ceased in period
    104: ("Ben", "Shaw", "2014-09-10", "M", "WBRI", "CV4 5GH", UPN(4), None, None),  # refused (N)
    105: ("Cara", "Lee", "2017-11-12", "F", "CHNE", None, None, None, "UN1"),  # request awaiting decision (A)
    106: ("Dan", "Moss", "2013-01-14", "M", "BAFR", "CV6 7KL", UPN(6), None, None),  # assessment ongoing (A)
    107: ("Eve", "Nash", "2015-02-16", "F", "MWBC", "CV1 8MN", UPN(7), None, None),  # decided to issue, not issued
    108: ("Finn", "Owen", "2011-03-18", "M", "WOTH", "CV2 9PQ", UPN(8), None, None),  # decided not to issue (N)
    109: ("Gail", "Park", "2012-04-20", "F", "REFU", "CV3 1RS", UPN(9), None, None),  # withdrawn, exported
    110: ("Hari", "Quinn", "2010-05-22", "M", "AIND", "CV4 2TU", UPN(10), None, None),  # transferred in
    111: ("Isla", "Reed", "2018-06-24", "F", "WBRI", "CV5 3VW", UPN(11), None, None),  # H decision, issued in period
    112: ("Jack", "Stone", "2009-07-26", "M", "WBRI", "CV6 4XY", UPN(12), None, None),  # out of scope (old N)
    113: ("Kim", "Todd", "2016-08-28", "F", "WBRI", "CV1 5ZA", UPN(13), None, None),  # out of scope (after period)
}

# request_id: person, received, source, rya, decision, decision_date, exported, mediation, tribunal
REQUESTS = {
    501: (101, "2019-01-07", 1, 0, "Y", "2019-02-11", None, 0, 0),
    502: (102, "2025-02-03", 2, 0, "Y", "2025-03-10", None, 0, 0),
    503: (103, "2017-10-02", 1, 0, "Y", "2017-11-06", None, 0, 0),
    504: (104, "2025-04-01", 1, 0, "N", "2025-05-01", None, 1, 0),
    505: (105, "2025-12-08", 3, 0, None, None, None, 0, 0),
    506: (106, "2025-09-01", 2, 0, "Y", "2025-10-10", None, 0, 0),
    507: (107, "2025-09-01", 1, 0, "Y", "2025-10-06", None, 0, 0),
    508: (108, "2025-03-03", 4, 0, "Y", "2025-04-07", None, 0, 0),
    509: (109, "2025-05-05", 5, 0, "W", None, "937", 0, 0),
    511: (111, "2024-11-01", 1, 0, "Y", "2024-12-10", None, 0, 0),
    512: (112, "2023-03-01", 1, 0, "N", "2023-04-05", None, 0, 0),
    513: (113, "2026-01-05", 1, 0, None, None, None, 0, 0),
}

# assessment_id: request, outcome, outcome_date, draft, week20
ASSESSMENTS = {
    701: (501, "Y", "2019-05-20", "2019-04-22", 0),
    702: (502, "Y", "2025-06-16", "2025-05-19", 0),
    703: (503, "Y", "2018-02-12", "2018-01-15", 0),
    706: (506, None, None, None, 0),
    707: (507, None, None, "2025-12-20", 0),
    708: (508, "N", "2025-06-16", None, 0),
    711: (511, "Y", "2025-03-14", "2025-02-14", 0),
}

# plan_id: person, assessment, start, from_la, transfer_in, cease, cease_reason, pb, oa, dp
PLANS = {
    801: (101, 701, "2019-05-20", None, None, None, None, 0, 0, None),
    802: (102, 702, "2025-06-16", None, None, None, None, 1, 1, "E"),
    803: (103, 703, "2018-02-12", None, None, "2025-07-20", 3, 0, 0, None),
    810: (110, None, "2023-05-01", "937", "2025-04-01", None, None, 0, 0, None),
    811: (111, 711, "2025-03-14", None, None, None, None, 0, 0, None),
}

# placement_id: plan, urn, ukprn, setting, other, rank, entry, leaving, unit, rp, named
PLACEMENTS = {
    901: (801, 100001, None, None, None, 1, "2019-09-02", "2023-07-21", 0, 0, 1),
    902: (801, 100002, None, None, None, 1, "2023-09-04", None, 0, 0, 1),
    903: (802, 100001, None, None, None, 1, "2025-06-16", None, 0, 1, 1),
    904: (803, None, "10000001", None, None, 1, "2021-09-06", "2025-07-18", 0, 0, 1),
    910: (810, None, None, "NIEO", "Transferred in – awaiting school place", 1, "2025-04-01", "2025-05-30", 0, 0, 0),
    911: (810, 100002, None, None, None, 1, "2025-06-02", None, 0, 0, 1),
    912: (811, None, None, "EYP", None, 1, "2025-03-14", None, 0, 0, 1),
}

# plan, need, rank, recorded
NEEDS = [(801, "ASD", 1, "2019-05-20"), (801, "SLCN", 2, "2019-05-20"), (802, "SEMH", 1, "2025-06-16"),
         (803, "MLD", 1, "2018-02-12"), (810, "PD", 1, "2025-04-01"), (811, "DS", 1, "2025-03-14")]

# person, urn, type, due, meeting, paperwork, decision, outcome, draft, final
REVIEWS = [
    (101, 100002, "Annual", "2024-05-20", "2024-05-13", "2024-05-20", "2024-06-03", "Maintain", None, None),
    (101, 100002, "Annual", "2025-05-20", "2025-05-12", "2025-05-19", "2025-05-30", "Amend", "2025-06-02", "2025-07-14"),
    (103, None, "Annual", "2025-02-12", "2025-02-05", "2025-02-12", "2025-02-20", "Cease", None, None),
]

FIXED_NOW = "2026-01-15T07:00:00"
FIXED_NOW_DT = datetime(2026, 1, 15, 7, 0, 0)

# person_id → (RequestOutcome, AssessmentOutcome or None, NamedPlan?, ActivePlans?, extra checks)
EXPECTED = {
    101: ("H", "H", True, True, {"ReviewMeeting": "2025-05-12", "LastReview": "2025-05-30", "ReviewOutcome": "A",
                                 "ReviewDraft": "2025-06-02"}),
    102: ("Y", "Y", True, True, {"AssessmentOutcomeDate": "2025-06-16", "Week20": "0", "OA": "1", "DP": "E"}),
    103: ("H", "H", True, False, {"CeaseDate": "2025-07-20", "CeaseReason": "3"}),
    104: ("N", None, False, False, {"RequestOutcomeDate": "2025-05-01", "RequestMediation": "1"}),
    105: ("A", None, False, False, {}),
    106: ("Y", "A", False, False, {}),
    107: ("Y", "Y", False, False, {}),
    108: ("Y", "N", False, False, {"AssessmentOutcomeDate": "2025-06-16"}),
    109: ("W", None, False, False, {"Exported": "937"}),
    110: ("H", "H", True, True, {"TransferLA": "937"}),
    111: ("H", "Y", True, True, {"ReceivedDate": "2024-11-01", "AssessmentOutcomeDate": "2025-03-14"}),
}
OUT_OF_SCOPE = {112, 113}


def frames() -> dict[str, pd.DataFrame]:
    d = lambda v: pd.Timestamp(v) if v else pd.NaT  # noqa: E731
    person = pd.DataFrame([{"person_id": k, "forename": f, "surname": s, "dob": d(dob), "sex": sex, "ethnicity": eth,
                            "postcode": pc, "upn": upn, "uln": uln, "upn_unknown_reason": unk}
                           for k, (f, s, dob, sex, eth, pc, upn, uln, unk) in PEOPLE.items()])
    request = pd.DataFrame([{"request_id": k, "person_id": p, "received_date": d(r), "request_source": src, "rya": rya,
                             "decision": dec, "decision_date": d(dd), "exported_to_la": ex, "mediation": med,
                             "tribunal": tri} for k, (p, r, src, rya, dec, dd, ex, med, tri) in REQUESTS.items()])
    assessment = pd.DataFrame([{"assessment_id": k, "request_id": r, "outcome": o, "outcome_date": d(od),
                                "draft_plan_date": d(dr), "week20_exception": w, "mediation": 0, "tribunal": 0,
                                "other_mediation": 0, "other_tribunal": 0}
                               for k, (r, o, od, dr, w) in ASSESSMENTS.items()])
    plan = pd.DataFrame([{"plan_id": k, "person_id": p, "assessment_id": a, "start_date": d(s), "transferred_from_la": la,
                          "transfer_in_date": d(ti), "cease_date": d(c), "cease_reason": cr, "personal_budget": pb,
                          "organised_arrangements": oa, "direct_payments": dp, "residential": None, "work_based": None}
                         for k, (p, a, s, la, ti, c, cr, pb, oa, dp) in PLANS.items()])
    placement = pd.DataFrame([{"placement_id": k, "plan_id": pl, "urn": u, "ukprn": uk, "setting_code": st,
                               "setting_other": so, "placement_rank": rk, "entry_date": d(e), "leaving_date": d(lv),
                               "sen_unit": un, "resourced_provision": rp, "named_in_plan": nm, "residential": None,
                               "work_based": None}
                              for k, (pl, u, uk, st, so, rk, e, lv, un, rp, nm) in PLACEMENTS.items()])
    need = pd.DataFrame([{"plan_id": p, "need_code": c, "need_rank": r, "recorded_date": d(rd)} for p, c, r, rd in NEEDS])
    review = pd.DataFrame([{"person_id": p, "school_urn": u, "review_type": t, "due_date": d(du), "meeting_date": d(m),
                            "paperwork_received_date": d(pw), "decision_date": d(dc), "outcome": o,
                            "draft_amended_date": d(dr), "final_amended_date": d(fi)}
                           for p, u, t, du, m, pw, dc, o, dr, fi in REVIEWS])
    school = pd.DataFrame([{"urn": u, "ukprn": uk, "name": n, "type_name": t, "type_group": g, "la_code": "331"}
                           for u, uk, n, t, g in SCHOOLS])
    for frame in (plan, placement, review):
        for col in ("assessment_id", "cease_reason", "urn", "school_urn"):
            if col in frame:
                frame[col] = frame[col].astype("Int64")
    return {"person": person, "request": request, "assessment": assessment, "plan": plan, "placement": placement,
            "need": need, "review": review, "school": school}


def build_warehouse(url: str):
    """Create the warehouse schema at `url` and load the tiny LA into core.*."""
    from send_pipeline.kernel.warehouse import Warehouse

    wh = Warehouse(url)
    wh.ensure()
    with wh.transaction() as conn:
        for name, frame in frames().items():
            conn.exec_driver_sql(f"DELETE FROM core.{name}")
            wh.insert_frame(conn, f"core.{name}", frame)
    return wh
