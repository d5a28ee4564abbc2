"""Person matching and precedence, worked by hand: two overlapping returns (2023, 2024) and a CMS from
1 September 2023, with a plan in both returns, a transfer in, a changed UPN, a UPN with two dates of
birth, a person known by ULN then UPN, and records in the CMS's period."""
from __future__ import annotations

from send_pipeline.onboarding import matching
from send_pipeline.onboarding import shapes

R23, R24 = "SEN2_331_2023.xml", "SEN2_331_2024.xml"
CENSUS = {R23: "2023-01-19", R24: "2024-01-18"}


def frames(census=None, **rows) -> dict:
    """Contract-shaped TEXT tables (shapes.text_frame), as the readers (or a CMS extract) give them."""
    prov = {"origin": "sen2_xml" if census else None, "return_reference_date": census}
    return shapes.text_frames(rows, prov)


def person(pid, upn=None, uln=None, surname="S", forename="F", dob="2015-01-01"):
    return dict(person_id=pid, upn=upn, uln=uln, surname=surname, forename=forename, dob=dob)


def plan(pid, person_id, start, assessment=None, **kw):
    return dict(plan_id=pid, person_id=person_id, start_date=start, assessment_id=assessment, **kw)


def origins():
    r23 = frames(CENSUS[R23],
        person=[person("a", "A1", surname="Able"), person("c", "C1", surname="Cole", dob="2014-04-04"),
                person("d", "D1", surname="Dunn", dob="2015-01-01"), person("e", None, "E9", surname="Earl")],
        request=[dict(request_id="ra", person_id="a", received_date="2021-01-10", decision="Y"),
                 dict(request_id="re", person_id="e", received_date="2019-10-01", decision="Y")],
        assessment=[dict(assessment_id="ra", request_id="ra", outcome="Y")],
        plan=[plan("pa", "a", "2021-05-01", "ra"), plan("pe", "e", "2020-01-01"), plan("pc", "c", "2019-01-01")],
        need=[dict(plan_id="pa", need_code="ASD", need_rank="1")],
    )
    r24 = frames(CENSUS[R24],
        person=[person("a", "A1", surname="Able"), person("b", "B1", surname="Bell"),
                person("c", "C2", surname="Cole", dob="2014-04-04"), person("d", "D1", surname="Dunn", dob="2015-02-01"),
                person("e", "E1", "E9", surname="Earl"), person("f", "F1", surname="Ford"),
                person("g", "G1", surname="Gray")],
        request=[dict(request_id="ra", person_id="a", received_date="2021-01-10", decision="Y"),
                 dict(request_id="rf", person_id="f", received_date="2023-09-15", decision="Y"),
                 dict(request_id="rg", person_id="g", received_date="2023-11-01")],
        assessment=[dict(assessment_id="ra", request_id="ra", outcome="Y")],
        plan=[plan("pa", "a", "2021-05-01", "ra", cease_date="2023-07-01", cease_reason="3"),
              plan("pb", "b", "2023-03-01", transferred_from_la="332"), plan("pf", "f", "2023-10-01")],
        need=[dict(plan_id="pa", need_code="ASD", need_rank="1"), dict(plan_id="pa", need_code="SLCN", need_rank="2")],
    )
    cms = frames(
        person=[person("7", "F1", surname="Ford")],
        request=[dict(request_id="70", person_id="7", received_date="2023-09-15", decision="Y")],
        assessment=[dict(assessment_id="71", request_id="70", outcome="Y")],
        plan=[plan("72", "7", "2023-10-01", "71")],
        need=[dict(plan_id="72", need_code="SEMH", need_rank="1")],
    )
    return {R23: r23, R24: r24, "cms": cms}


def test_match_rule_and_quarantine_reasons():
    m = matching.combine(origins(), cms_from="2023-09-01")
    q = m.quarantine.sort_values(["reason", "origin"]).reset_index(drop=True)
    assert list(zip(q["origin"], q["person_id"], q["reason"])) == [
        (R23, "d", matching.REASON_DOB), (R24, "d", matching.REASON_DOB),
        (R23, "c", matching.REASON_NAME_DOB), (R24, "c", matching.REASON_NAME_DOB)]
    for reason in q["reason"]:  # no values in a reason
        assert not any(v in reason for v in ("C1", "C2", "D1", "Cole", "Dunn", "2014", "2015"))
    # Able (both returns), Bell (transfer in), Earl (ULN, then UPN + ULN), Ford (CMS), Gray
    assert len(m.tables["person"]) == 5 and m.tables["person"]["person_id"].is_unique
    earl = m.tables["person"][m.tables["person"]["surname"] == "Earl"]
    assert len(earl) == 1 and earl.iloc[0][matching.FROM] == R24  # the latest return's details


def test_precedence_and_no_double_counting():
    m = matching.combine(origins(), cms_from="2023-09-01")
    plans = m.tables["plan"].set_index("start_date")
    # Able's plan is in both returns: once, from 2024 (it says the plan ceased)
    assert len(m.tables["plan"]) == 4
    assert plans.loc["2021-05-01", matching.FROM] == R24 and plans.loc["2021-05-01", "cease_date"] == "2023-07-01"
    assert plans.loc["2020-01-01", matching.FROM] == R23  # Earl's, only in 2023
    assert plans.loc["2023-03-01", "transferred_from_la"] == "332"  # Bell's transfer in: no request
    assert plans.loc["2023-10-01", matching.FROM] == "cms"  # Ford's: in the CMS's period, and in the CMS
    # requests: Able's (2024), Earl's (2023), Ford's (CMS); Gray's is dated in the CMS's period and the
    # CMS does not hold it: the CMS wins its period, so it is not loaded
    req = m.tables["request"]
    assert sorted(zip(req["received_date"], req[matching.FROM])) == [
        ("2019-10-01", R23), ("2021-01-10", R24), ("2023-09-15", "cms")]
    # a plan's children come from the origin that won it: Able's two needs from 2024, Ford's from the CMS
    need = m.tables["need"]
    assert sorted(zip(need["need_code"], need[matching.FROM])) == [("ASD", R24), ("SEMH", "cms"), ("SLCN", R24)]
    assert set(need["plan_id"]) <= set(m.tables["plan"]["plan_id"])
    # the plan → assessment → request chain holds after re-keying (the CMS's own assessment id too)
    ford = m.tables["plan"][m.tables["plan"][matching.FROM] == "cms"].iloc[0]
    assert ford["person_id"] == "7"  # the CMS's own id: the tracker's CMS ID still finds Ford
    assert ford["assessment_id"] in set(m.tables["assessment"]["assessment_id"])
    assert set(m.tables["assessment"]["request_id"]) <= set(req["request_id"])
    assert m.counts == {
        R23: {"person": 0, "request": 1, "assessment": 0, "plan": 1, "placement": 0, "need": 0, "review": 0},
        R24: {"person": 4, "request": 1, "assessment": 1, "plan": 2, "placement": 0, "need": 2, "review": 0},
        "cms": {"person": 1, "request": 1, "assessment": 1, "plan": 1, "placement": 0, "need": 1, "review": 0}}


def test_same_name_and_dob_without_upn_is_one_person_and_ids_are_order_free():
    a = frames(CENSUS[R23], person=[person("x", None, None, "Hill", "Ann", "2016-06-06")])
    b = frames(CENSUS[R24], person=[person("y", "H1", None, "hill ", "ANN", "2016-06-06")])
    m1 = matching.combine({R23: a, R24: b})
    m2 = matching.combine({R24: b, R23: a})
    assert len(m1.tables["person"]) == 1 and m1.quarantine.empty
    assert m1.tables["person"]["person_id"].tolist() == m2.tables["person"]["person_id"].tolist()


def test_two_upns_joined_through_a_uln_are_quarantined():
    a = frames(CENSUS[R23], person=[person("x", "U1", "L1"), person("y", None, "L1", surname="Other"),
                                    person("z", "U2", "L1")])
    m = matching.combine({R23: a})
    assert set(m.quarantine["reason"]) == {matching.REASON_TWO_UPNS} and len(m.quarantine) == 3


def test_a_person_with_no_identity_is_quarantined():
    a = frames(CENSUS[R23], person=[person("x", None, None, None, None, None)])
    m = matching.combine({R23: a})
    assert m.tables["person"].empty and list(m.quarantine["reason"]) == [matching.REASON_NO_ID]


def test_on_the_readers_output_a_clean_person_keeps_the_readers_id(tiny_return):
    from send_pipeline.onboarding import returns

    read = returns.read_return(tiny_return["xml"]).tables
    m = matching.combine({"SEN2_331_2026.xml": read})
    assert m.quarantine.empty
    for entity in ("person", "plan", "need", "placement", "review"):
        assert len(m.tables[entity]) == len(read[entity]), entity
    # UPN-identified people keep the reader's person_id (the same derivation)
    with_upn = read["person"][read["person"]["upn"].notna()]
    assert set(with_upn["person_id"]) <= set(m.tables["person"]["person_id"])


def test_the_same_return_as_two_years_counts_once_and_the_later_wins(tiny_return):
    """The tiny LA's return read as if submitted in two years (every record overlaps): each record once,
    all from the later one, nothing quarantined."""
    from send_pipeline.onboarding import returns

    read = returns.read_return(tiny_return["xml"]).tables
    earlier = {e: f.assign(return_reference_date="2025-01-16") for e, f in read.items()}
    m = matching.combine({"SEN2_331_2025.xml": earlier, "SEN2_331_2026.xml": read})
    assert m.quarantine.empty
    for entity in shapes.ENTITIES:
        assert len(m.tables[entity]) == len(read[entity]), entity
        assert m.counts["SEN2_331_2025.xml"][entity] == 0
        assert m.counts["SEN2_331_2026.xml"][entity] == len(read[entity])


def test_rows_in_are_accounted_for():
    m = matching.combine(origins(), cms_from="2023-09-01")
    assert m.rows_in[R23]["person"] == 4 and m.rows_in[R24]["plan"] == 3 and m.rows_in["cms"]["need"] == 1
    # 2023's four people: Able and Earl superseded by 2024, Cole and Dunn quarantined
    assert m.rows_in[R23]["person"] - m.counts[R23]["person"] == 4
    assert (m.quarantine["origin"] == R23).sum() == 2
