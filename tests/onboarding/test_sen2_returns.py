"""The tiny LA's 2026 return (written by the project's own sen2 build) read back into entities."""
from __future__ import annotations

from send_pipeline.onboarding import sen2_returns
from send_pipeline.onboarding.entities import COLUMNS, ORIGIN_COLUMNS, identity, key
from send_pipeline.sen2 import reader


def test_counts_follow_the_return(tiny_return):
    xml = tiny_return["xml"]
    canon = reader.read(xml).tables
    got = sen2_returns.read_xml(xml)
    assert len(got["person"]) == len(canon["person"]) == 11
    # one transfer in (person 110: H request with TransferLA) has no request or assessment in the CMS
    transfers = canon["active_plans"]["TransferLA"].notna().sum()
    assert transfers == 1
    assert len(got["request"]) == len(canon["requests"]) - transfers == 10
    assert len(got["assessment"]) == len(canon["assessment"]) - transfers
    assert len(got["plan"]) == len(canon["named_plan"]) == 5
    assert len(got["need"]) == len(canon["sen_need"])
    assert got["plan"]["transferred_from_la"].notna().sum() == 1
    assert got["plan"]["assessment_id"].isna().sum() == 1  # the transfer in


def test_shapes_text_and_origin(tiny_return):
    got = sen2_returns.read_xml(tiny_return["xml"])
    for entity, frame in got.items():
        assert list(frame.columns) == COLUMNS[entity] + ORIGIN_COLUMNS
        assert all(str(frame[c].dtype).startswith("string") for c in frame.columns)
        assert set(frame["collection_year"]) <= {"2026"} and set(frame["reference_date"]) <= {"2026-01-15"}
        assert set(frame["source_file"]) <= {"SEN2_331_2026.xml"}


def test_codes_in_entity_terms(tiny_return):
    got = sen2_returns.read_xml(tiny_return["xml"])
    assert set(got["request"]["decision"].dropna()) <= {"Y", "N", "W"}  # A → NULL, H → Y
    assert got["request"]["decision"].isna().any()  # person 105: awaiting decision
    assert set(got["assessment"]["outcome"].dropna()) <= {"Y", "N", "W"}
    assert set(got["review"]["outcome"].dropna()) <= {"Maintain", "Amend", "Cease"}


def test_ids_are_deterministic_and_carry_no_identifier(tiny_return):
    a = sen2_returns.read_xml(tiny_return["xml"])
    b = sen2_returns.read_xml(tiny_return["xml"])
    for entity in a:
        assert a[entity].equals(b[entity])
    khan = a["person"][a["person"]["surname"] == "Khan"].iloc[0]
    assert khan["person_id"] == key(identity(khan["upn"], None, "Khan", "Amira", "2012-03-04"))
    assert khan["upn"] not in khan["person_id"] and khan["person_id"].isdigit()
    assert a["person"]["person_id"].is_unique and a["plan"]["plan_id"].is_unique
    assert a["placement"]["placement_id"].is_unique and a["request"]["request_id"].is_unique
    assert identity(None, None, " khan ", "amira", "2012-03-04") == "nd:KHAN|AMIRA|2012-03-04"
    assert identity(None, "4017177165", "Ali", "x", "2005-07-08") == "uln:4017177165"


def test_unsafe_return_rejected(tmp_path):
    import pytest

    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><Message>&a;</Message>')
    with pytest.raises(reader.UnsafeXML):
        sen2_returns.read_xml(bomb)
