"""The SEN2 returns reader on a return written by the project's own sen2_census code path (the tiny LA
of tests/sen2, census 15 January 2026), on older-year files, and on unsafe files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from send_pipeline.onboarding import ids, returns, shapes
from tests.sen2 import tiny
from tests.sen2.test_reader import LAUGHS, PARAMETER_ENTITY, XXE


@pytest.fixture(scope="module")
def read(tiny_return):
    return returns.read_return(tiny_return["xml"])


def _pid(n: int) -> str:
    return str(ids.stable_id("person", "upn:" + tiny.UPN(n)))


def test_counts_are_what_the_return_covers(read):
    # hand-worked from tests/sen2/tiny.py: 112 and 113 are out of scope (11 people); 11 Requests, of which
    # the transfer-in's historical chain (110) has no ReceivedDate (10 requests); every CMS assessment (7)
    # and plan (5); placements: 901 left before the period, the other 6; needs of plans held on the census
    # day (803 ceased: its MLD is not reported), 5; one review (101's, the only review of a held plan)
    assert read.counts() == {"person": 11, "request": 10, "assessment": 7, "plan": 5, "placement": 6,
                             "need": 5, "review": 1}
    assert read.year == 2026 and read.reference_date == "2026-01-15"
    assert read.unknown_elements == {}


def test_every_value_is_text_and_every_row_says_which_return(read, tiny_return):
    name = Path(tiny_return["xml"]).name
    for entity, frame in read.tables.items():
        assert list(frame.columns) == shapes.columns(entity)
        assert set(frame["origin"]) == {"sen2_xml"} and set(frame["return_file"]) == {name}
        assert set(frame["return_year"]) == {"2026"} and set(frame["return_reference_date"]) == {"2026-01-15"}
        assert frame["return_sha256"].str.fullmatch("[0-9a-f]{64}").all()
        for col in frame.columns:
            assert all(v is None or isinstance(v, str) for v in frame[col]), (entity, col)


def test_ids_are_derived_from_the_returns_own_identifiers(read):
    person = read.tables["person"].set_index("upn")
    assert person.loc[tiny.UPN(1), "person_id"] == _pid(1)
    # no UPN: the ULN; neither: name + date of birth (normalised: case, accents kept, punctuation dropped)
    by_name = read.tables["person"].set_index("surname")
    assert by_name.loc["Ali", "person_id"] == str(ids.stable_id("person", "uln:4017177165"))
    assert by_name.loc["O'Brien & <Sons> \"Q\"", "person_id"] == str(
        ids.stable_id("person", "name:obriensonsq|zoë😀|2016-05-06".replace("😀", "")))
    plan = read.tables["plan"].set_index("start_date")
    assert plan.loc["2019-05-20", "plan_id"] == str(ids.stable_id("plan", int(_pid(1)), "2019-05-20"))
    request = read.tables["request"].set_index("received_date")
    assert request.loc["2019-01-07", "request_id"] == str(ids.stable_id("request", int(_pid(1)), "2019-01-07"))
    for entity, key in (("person", "person_id"), ("request", "request_id"), ("assessment", "assessment_id"),
                        ("plan", "plan_id"), ("placement", "placement_id")):
        values = read.tables[entity][key].astype("int64")
        assert values.is_unique and values.between(ids.LOW, ids.LOW + ids.SPAN - 1).all()


def test_reading_twice_gives_the_same_tables(read, tiny_return):
    again = returns.read_return(tiny_return["xml"])
    for entity in shapes.ENTITIES:
        pd.testing.assert_frame_equal(read.tables[entity], again.tables[entity])


def test_chunked_reading_gives_the_same_rows(read, tiny_return):
    chunks = list(returns.iter_return(tiny_return["xml"], people=3))
    assert len(chunks) == 4  # 11 people, 3 at a time
    for entity in shapes.ENTITIES:
        joined = pd.concat([c[entity] for c in chunks], ignore_index=True)
        pd.testing.assert_frame_equal(joined, read.tables[entity])


def test_codes_and_chains_map_to_the_contract(read):
    t = read.tables
    req = t["request"].set_index("person_id")
    # H (decided before the period) is a decision to assess; A (awaiting) is no decision yet; W stays W
    assert req.loc[_pid(1), "decision"] == "Y" and req.loc[_pid(1), "decision_date"] is None
    assert req.loc[_pid(6), ["decision", "decision_date"]].tolist() == ["Y", "2025-10-10"]
    assert req.loc[_pid(9), ["decision", "exported_to_la"]].tolist() == ["W", "937"]
    assert req.loc[str(ids.stable_id("person", "name:lee|cara|2017-11-12")), "decision"] is None
    ass = t["assessment"].set_index("request_id")
    assert ass.loc[req.loc[_pid(6), "request_id"], "outcome"] is None          # A: assessment ongoing
    assert ass.loc[req.loc[_pid(8), "request_id"], ["outcome", "outcome_date"]].tolist() == ["N", "2025-06-16"]
    plan = t["plan"].set_index("person_id")
    # the transfer in (110): a plan with no request or assessment behind it, from LA 937
    assert plan.loc[_pid(10), ["assessment_id", "transferred_from_la", "start_date"]].tolist() == [None, "937", "2023-05-01"]
    assert _pid(10) not in set(req.index)
    ceased = plan.loc[str(ids.stable_id("person", "uln:4017177165"))]
    assert ceased[["cease_date", "cease_reason"]].tolist() == ["2025-07-20", "3"]
    pl = t["placement"].set_index("setting_code")
    assert pl.loc["NIEO", ["entry_date", "leaving_date", "named_in_plan"]].tolist() == ["2025-04-01", "2025-05-30", "0"]
    # 904 (UKPRN, ceased plan): named in the plan, no PlacementDetail (the plan is not active): no dates
    college = t["placement"].set_index("ukprn").loc["10000001"]
    assert college[["named_in_plan", "entry_date"]].tolist() == ["1", None]
    review = t["review"].iloc[0]
    assert review[["person_id", "review_type", "meeting_date", "decision_date", "outcome", "draft_amended_date"]].tolist() \
        == [_pid(1), "Annual", "2025-05-12", "2025-05-30", "Amend", "2025-06-02"]
    assert set(t["need"]["recorded_date"]) == {"2026-01-15"}


OLD_2023 = """<?xml version="1.0" encoding="utf-8"?>
<Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2023</Year><ReferenceDate>2023-01-19</ReferenceDate>
</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>331</LEA></Source></Header>
<Persons><Person><Surname>Khan</Surname><Forename>Amira</Forename><PersonBirthDate>2012-03-04</PersonBirthDate>
<GenderCurrent>2</GenderCurrent><Ethnicity>APKN</Ethnicity><UPN>{upn}</UPN>
<Requests><ReceivedDate>2019-01-07</ReceivedDate><RequestOutcome>H</RequestOutcome>
<Assessment><AssessmentOutcome>H</AssessmentOutcome><NamedPlan><StartDate>2019-05-20</StartDate></NamedPlan></Assessment>
<ActivePlans><PlacementDetail><URN>100001</URN><PlacementRank>1</PlacementRank><EntryDate>2019-09-02</EntryDate>
<AttendancePattern>FT</AttendancePattern></PlacementDetail><SENneed><SENtype>ASD</SENtype><SENtypeRank>1</SENtypeRank></SENneed>
<Res>A</Res><LastReview>2022-06-03</LastReview></ActivePlans></Requests></Person></Persons></Message>"""


def test_a_2023_return_reads_with_its_own_items(tmp_path, read):
    path = tmp_path / "SEN2_331_2023.xml"
    path.write_text(OLD_2023.format(upn=tiny.UPN(1)))
    old = returns.read_return(path)
    assert old.year == 2023 and old.unknown_elements == {}
    assert old.tables["person"].loc[0, "sex"] == "F"  # GenderCurrent 2
    assert old.tables["plan"].loc[0, "residential"] == "A"  # 2023: Res in ActivePlans
    # the same child and plan as in the 2026 return: the same ids
    assert old.tables["person"].loc[0, "person_id"] == _pid(1)
    assert old.tables["plan"].loc[0, "plan_id"] == read.tables["plan"].set_index("start_date").loc["2019-05-20", "plan_id"]
    assert old.tables["review"].loc[0, ["decision_date", "review_type"]].tolist() == ["2022-06-03", "Annual"]


def test_a_2024_return_reads(tmp_path):
    path = tmp_path / "SEN2_331_2024.xml"
    path.write_text(OLD_2023.format(upn=tiny.UPN(1)).replace("<Year>2023", "<Year>2024")
                    .replace("<GenderCurrent>2</GenderCurrent>", "<Sex>F</Sex>"))
    old = returns.read_return(path)
    assert old.year == 2024 and old.tables["person"].loc[0, "sex"] == "F"
    # 2023 items a 2024 file should not hold: counted, not kept
    assert old.unknown_elements == {"PlacementDetail/AttendancePattern": 1, "ActivePlans/Res": 1}
    assert old.tables["plan"].loc[0, "residential"] is None


@pytest.mark.parametrize("text", [XXE, LAUGHS, PARAMETER_ENTITY], ids=["xxe", "billion_laughs", "parameter_entity"])
def test_unsafe_files_are_refused(tmp_path, text):
    path = tmp_path / "evil.xml"
    path.write_text(text)
    with pytest.raises(returns.ReturnUnreadable, match="evil.xml"):
        returns.read_return(path)


def test_a_year_we_do_not_know_is_refused_saying_so(tmp_path):
    path = tmp_path / "SEN2_2019.xml"
    path.write_text("<Message><Header><CollectionDetails><Year>2019</Year></CollectionDetails></Header><Persons/></Message>")
    with pytest.raises(returns.ReturnUnreadable, match="2019"):
        returns.read_return(path)
