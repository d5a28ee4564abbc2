"""The reader: round trip of our files, COLLECT-style files, unsafe XML rejected, XSD errors located."""
from __future__ import annotations

from pathlib import Path

import pytest

from send_pipeline.sen2 import build, checks, reader

XXE = """<?xml version="1.0"?>
<!DOCTYPE Message [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Message><Header><CollectionDetails><Year>2026</Year></CollectionDetails></Header>
<Persons><Person><Surname>&xxe;</Surname></Person></Persons></Message>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<Message><Persons><Person><Surname>&lol9;</Surname></Person></Persons></Message>"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<Message/>"""
COLLECT_STYLE = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header><CollectionDetails><Collection>SEN2</Collection><Year>2025</Year><ReferenceDate>2025-01-16</ReferenceDate>
  </CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>201</LEA></Source></Header>
  <Persons>
    <Person>
      <Surname> Smith </Surname><Forename>Alex</Forename><UPN>A950000178301</UPN><Unexpected>1</Unexpected>
      <Requests><ReceivedDate>2024-02-03</ReceivedDate><RequestOutcome>Y</RequestOutcome>
        <Assessment><AssessmentOutcome>Y</AssessmentOutcome><NamedPlan><StartDate>2024-06-16</StartDate></NamedPlan></Assessment>
      </Requests>
      <Requests><RequestOutcome>H</RequestOutcome>
        <ActivePlans><SENneed><SENtype>ASD</SENtype><SENtypeRank>1</SENtypeRank></SENneed>
          <PlacementDetail><URN>100000</URN><PlacementRank>1</PlacementRank></PlacementDetail></ActivePlans>
      </Requests>
    </Person>
    <Person><Surname>Jones</Surname><Forename>Sam</Forename><PostCode/></Person>
  </Persons>
</Message>"""


@pytest.mark.parametrize("text", [XXE, LAUGHS, PARAMETER_ENTITY], ids=["xxe", "billion_laughs", "parameter_entity"])
def test_unsafe_xml_is_rejected(tmp_path, text):
    path = tmp_path / "evil.xml"
    path.write_text(text)
    with pytest.raises(reader.UnsafeXML):
        reader.read(path)
    with pytest.raises(reader.UnsafeXML):
        reader.xsd_errors(path, 2026)


def test_malformed_xml_is_rejected(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text("<Message><Persons><Person><Surname>x</Person></Persons></Message>")
    with pytest.raises(reader.UnsafeXML):
        reader.read(path)


def test_collect_style_file_reads_into_tables(tmp_path):
    path = tmp_path / "collect.xml"
    path.write_text(COLLECT_STYLE)
    f = reader.read(path)
    assert f.year == 2025 and f.header["LEA"] == "201"
    assert f.counts() == {"person": 2, "requests": 2, "assessment": 1, "named_plan": 1, "plan_detail": 0,
                          "active_plans": 1, "placement_detail": 1, "sen_need": 1}
    people = f.tables["person"]
    assert people.loc[0, "Surname"] == "Smith" and people.loc[1, "PostCode"] is None
    assert list(f.tables["requests"]["person_seq"]) == [1, 1] and list(f.tables["requests"]["request_seq"]) == [1, 2]
    assert f.tables["sen_need"].loc[0, "request_seq"] == 2  # the second request's ActivePlans
    assert f.unknown_elements == {"Person/Unexpected": 1}


def test_round_trip_equals_what_was_written(tiny_return):
    work = Path(tiny_return["xml"]).parent / ".work"
    written = build.load_tables(work)
    parsed = reader.read(tiny_return["xml"])
    for name, frame in written.items():
        assert checks.differences(parsed.tables[name], frame) == 0, name
        assert len(parsed.tables[name]) == tiny_return["counts"][name]


def test_xsd_errors_are_located_to_the_person(tiny_return, tmp_path):
    text = Path(tiny_return["xml"]).read_text(encoding="utf-8")
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace("<Sex>M</Sex>", "<Sex>X</Sex>", 1).replace("<SENtypeRank>2", "<SENtypeRank>3", 1))
    errors = reader.xsd_errors(bad, 2026)
    assert {e["person_seq"] for e in errors} == {1, 3}
    assert any("SENtypeRank" in e["message"] and e["request_index"] == 1 for e in errors)
    assert reader.xsd_errors(tiny_return["xml"], 2026) == []
