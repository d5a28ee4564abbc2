"""Census days and collection periods come from data; the XSDs agree with the structure files and with
facts of the spec (shared/spec/sen2.md §3, §6, §8)."""
from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from send_pipeline.sen2 import calendar, structure, xsd

SPEC_EXAMPLE_2026 = """<?xml version="1.0" encoding="utf-8"?>
<Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2026</Year><ReferenceDate>2026-01-15</ReferenceDate>
</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>201</LEA><SoftwareCode>ExampleMIS</SoftwareCode>
<Release>1.0</Release><SerialNo>001</SerialNo><DateTime>2026-02-01T09:30:00</DateTime><DMO>Y</DMO><DCO>Y</DCO>
<DSCO>R</DSCO></Source></Header><Persons><Person><Surname>Smith</Surname><Forename>Alex</Forename>
<PersonBirthDate>2015-03-27</PersonBirthDate><Sex>M</Sex><Ethnicity>WBRI</Ethnicity><PostCode>AB1 2CD</PostCode>
<UPN>A950000178301</UPN><Requests><ReceivedDate>2025-02-03</ReceivedDate><RequestSource>1</RequestSource><RYA>0</RYA>
<RequestOutcomeDate>2025-03-10</RequestOutcomeDate><RequestOutcome>Y</RequestOutcome><RequestMediation>0</RequestMediation>
<RequestTribunal>0</RequestTribunal><Assessment><AssessmentOutcome>Y</AssessmentOutcome>
<AssessmentOutcomeDate>2025-06-16</AssessmentOutcomeDate><AssessmentMediation>0</AssessmentMediation>
<AssessmentTribunal>0</AssessmentTribunal><OtherMediation>0</OtherMediation><OtherTribunal>0</OtherTribunal>
<Week20>0</Week20><NamedPlan><StartDate>2025-06-16</StartDate><PlanDetail><URN>100000</URN><PlacementRank>1</PlacementRank>
<SENunitIndicator>0</SENunitIndicator><ResourcedProvisionIndicator>0</ResourcedProvisionIndicator></PlanDetail><PB>0</PB>
</NamedPlan></Assessment><ActivePlans><PlacementDetail><URN>100000</URN><PlacementRank>1</PlacementRank>
<EntryDate>2025-09-01</EntryDate><SENunitIndicator>0</SENunitIndicator><ResourcedProvisionIndicator>0</ResourcedProvisionIndicator>
</PlacementDetail><SENneed><SENtype>ASD</SENtype><SENtypeRank>1</SENtypeRank></SENneed>REVIEW</ActivePlans></Requests>
</Person></Persons></Message>"""
REVIEW_2026 = "<ReviewMeeting>2025-10-01</ReviewMeeting><ReviewOutcome>M</ReviewOutcome><LastReview>2025-10-20</LastReview>"
REVIEW_2025 = "<ReviewMeeting>2025-10-01</ReviewMeeting><LastReview>2025-10-20</LastReview><ReviewOutcome>M</ReviewOutcome>"


def _valid(year: int, text: str) -> tuple[bool, list[str]]:
    schema = xsd.schema(year)
    doc = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    ok = schema.validate(doc)
    return ok, [e.message for e in schema.error_log]


# ------------------------------------------------------------------------------------------ calendar
def test_census_days_are_data_and_match_the_spec():
    days = calendar.census_days()
    assert days[2024] == date(2024, 1, 18) and days[2025] == date(2025, 1, 16)
    assert days[2026] == date(2026, 1, 15) and days[2027] == date(2027, 1, 21)
    assert all(days[y].month == 1 for y in range(2023, 2028))


def test_period_is_the_previous_calendar_year_and_as_at_overrides_the_census_day():
    p = calendar.period(2026)
    assert (p.start, p.end, p.census, p.overridden) == (date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 15), False)
    q = calendar.period(2026, "2025-12-01")
    assert q.census == date(2025, 12, 1) and q.overridden and q.census_published == date(2026, 1, 15)
    assert calendar.Period.from_dict(q.as_dict()) == q
    with pytest.raises(ValueError, match="no census day for 2031"):
        calendar.period(2031)
    assert calendar.period(2031, "2031-01-16").census == date(2031, 1, 16)


def test_collection_year_from_a_run_date():
    assert calendar.collection_year_for(date(2026, 1, 15)) == 2026
    assert calendar.collection_year_for(date(2025, 11, 1)) == 2026


def test_a_year_without_a_structure_says_what_to_add():
    with pytest.raises(ValueError, match="structure_2031.json"):
        structure.load(2031)


# ------------------------------------------------------------------------------------------ structure
@pytest.mark.parametrize("year", [2025, 2026])
def test_committed_xsd_is_the_structure_rendered(year):
    assert xsd.xsd_path(year).read_text(encoding="utf-8") == xsd.render(structure.load(year)), \
        f"regenerate: python -m send_pipeline.sen2.xsd {year}"


@pytest.mark.parametrize("year", [2025, 2026])
def test_structure_shape(year):
    st = structure.load(year)
    assert set(st.tables()) == {"person", "requests", "assessment", "named_plan", "plan_detail", "active_plans",
                                "placement_detail", "sen_need"}
    assert st.find("Requests").max is None and st.find("SENneed").max == 2 and st.find("PlanDetail").max == 2
    # ActivePlans is a child of Requests, not of NamedPlan (spec §3.1)
    assert [c.name for c in st.find("Requests").children][-2:] == ["Assessment", "ActivePlans"]
    assert st.find("NamedPlan").children[1].name == "PlanDetail"
    assert "DS" in st.codes("sen_type") and "NEET" not in st.codes("plan_setting") and "NEET" in st.codes("placement_setting")
    assert st.codes("upn_unknown") == {"UN1", "UN2", "UN3", "UN5", "UN8", "UN9", "UN10"}


def test_year_changes_2025_to_2026_are_data():
    s25, s26 = structure.load(2025), structure.load(2026)
    reviews25 = [c.name for c in s25.find("ActivePlans").children if c.is_leaf]
    reviews26 = [c.name for c in s26.find("ActivePlans").children if c.is_leaf]
    assert reviews26[-1] == "LastReview" and reviews25[1:3] == ["ReviewMeeting", "LastReview"]
    assert s25.find("DSCO").min == 0 and s26.find("DSCO").min == 1
    assert not s25.mandatory("RequestSource") and s26.mandatory("RequestSource")


# ------------------------------------------------------------------------------------------ XSD
def test_spec_example_is_valid_for_2026_and_review_order_differs_by_year():
    assert _valid(2026, SPEC_EXAMPLE_2026.replace("REVIEW", REVIEW_2026)) == (True, [])
    ok, errors = _valid(2025, SPEC_EXAMPLE_2026.replace("REVIEW", REVIEW_2026).replace("<Year>2026", "<Year>2025"))
    assert not ok and any("LastReview" in e or "ReviewOutcome" in e for e in errors)
    assert _valid(2025, SPEC_EXAMPLE_2026.replace("REVIEW", REVIEW_2025))[0]
    assert not _valid(2026, SPEC_EXAMPLE_2026.replace("REVIEW", REVIEW_2025))[0]


@pytest.mark.parametrize("change, why", [
    (("<Sex>M</Sex>", "<Sex>U</Sex>"), "code set (Sex M/F)"),
    (("<Surname>Smith</Surname>", ""), "mandatory element"),
    (("<Surname>Smith</Surname>", "<Surname></Surname>"), "empty text"),
    (("<UPN>A950000178301</UPN>", "<UPN>I950000178301</UPN>"), "UPN pattern (I is never a check letter)"),
    (("<ReceivedDate>2025-02-03</ReceivedDate>", "<ReceivedDate>03/02/2025</ReceivedDate>"), "date format"),
    (("<RequestSource>1</RequestSource><RYA>0</RYA>", "<RYA>0</RYA><RequestSource>1</RequestSource>"), "element order"),
    (("</SENneed>", "</SENneed><SENneed><SENtype>MLD</SENtype><SENtypeRank>2</SENtypeRank></SENneed>"
                    "<SENneed><SENtype>HI</SENtype><SENtypeRank>2</SENtypeRank></SENneed>"), "at most two SENneed"),
    (("<PlanDetail><URN>100000</URN>", "<PlanDetail><SENSetting>NEET</SENSetting>"), "NEET not allowed in PlanDetail"),
    (("<DSCO>R</DSCO>", ""), "DSCO mandatory in 2026"),
    (("<SerialNo>001</SerialNo>", "<SerialNo>1</SerialNo>"), "serial number pattern"),
    (("<LEA>201</LEA>", "<LEA>2011</LEA>"), "LA number pattern"),
])
def test_xsd_rejects(change, why):
    text = SPEC_EXAMPLE_2026.replace("REVIEW", REVIEW_2026).replace(*change)
    assert not _valid(2026, text)[0], why


def test_dsco_is_voluntary_in_2025_and_ds_is_a_need_from_2025():
    text = SPEC_EXAMPLE_2026.replace("REVIEW", REVIEW_2025).replace("<DSCO>R</DSCO>", "").replace(">ASD<", ">DS<")
    assert _valid(2025, text) == (True, [])
