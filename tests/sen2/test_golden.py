"""Golden-file tests of the tiny hand-built LA: one person per scope rule, the whole file compared byte
for byte, each person's records checked against what the scope rule says, and the outputs' safety."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from lxml import etree

from send_pipeline.sen2 import reader, xsd

from . import tiny

GOLDEN = Path(__file__).parent / "golden" / "SEN2_331_2026.xml"


def _persons(path):
    """CMS person id → Person element (matched on the hand-built names)."""
    tree = etree.parse(str(path), reader.safe_parser())
    by_name = {(f, s): pid for pid, (f, s, *_rest) in tiny.PEOPLE.items()}
    return {by_name[(p.findtext("Forename"), p.findtext("Surname"))]: p for p in tree.iter("Person")}


def test_file_matches_the_golden_file(tiny_return):
    produced = Path(tiny_return["xml"]).read_bytes()
    if os.environ.get("SEN2_UPDATE_GOLDEN"):
        GOLDEN.write_bytes(produced)
    assert produced == GOLDEN.read_bytes(), "the SEN2 file changed: check it, then SEN2_UPDATE_GOLDEN=1 to accept"


def test_ready_to_submit_valid_and_reconciled(tiny_return):
    assert tiny_return["ready_to_submit"] and tiny_return["errors"] == 0
    assert tiny_return["xsd_errors"] == 0 and tiny_return["reconciled"]
    assert xsd.schema(2026).validate(etree.parse(tiny_return["xml"], reader.safe_parser()))


@pytest.mark.parametrize("person_id", sorted(tiny.EXPECTED))
def test_each_scope_rule(tiny_return, person_id):
    request_outcome, assessment_outcome, named, active, extra = tiny.EXPECTED[person_id]
    person = _persons(tiny_return["xml"])[person_id]
    requests = person.findall("Requests")
    assert len(requests) == 1
    req = requests[0]
    assert req.findtext("RequestOutcome") == request_outcome
    assert (req.find("Assessment") is not None) == (assessment_outcome is not None)
    if assessment_outcome:
        assert req.findtext("Assessment/AssessmentOutcome") == assessment_outcome
    assert (req.find("Assessment/NamedPlan") is not None) == named
    assert (req.find("ActivePlans") is not None) == active
    for element, value in extra.items():
        found = req.find(f".//{element}")
        assert found is not None and found.text == value, element
    # optional empty elements are omitted, never written empty
    assert all((el.text or "").strip() for el in person.iter() if len(el) == 0)


def test_out_of_scope_people_are_not_in_the_file(tiny_return):
    assert not tiny.OUT_OF_SCOPE & set(_persons(tiny_return["xml"]))


def test_historical_outcomes_carry_no_dates_and_transfers_are_historical(tiny_return):
    people = _persons(tiny_return["xml"])
    h = people[101].find("Requests")
    assert h.find("RequestOutcomeDate") is None and h.find("RequestSource") is None
    assert h.find("Assessment/AssessmentOutcomeDate") is None
    transferred = people[110].find("Requests")
    assert transferred.find("ReceivedDate") is None and transferred.findtext("ActivePlans/TransferLA") == "937"
    undated = people[107].find("Requests/Assessment")  # decided to issue, plan not yet issued
    assert undated.findtext("AssessmentOutcome") == "Y" and undated.find("AssessmentOutcomeDate") is None
    assert undated.find("NamedPlan") is None and undated.find("Week20") is None
    exported = people[109].find("Requests")
    assert exported.find("Assessment") is None and exported.find("ActivePlans") is None


def test_names_are_escaped_and_round_trip(tiny_return):
    raw = Path(tiny_return["xml"]).read_text(encoding="utf-8")
    assert "O'Brien &amp; &lt;Sons&gt; \"Q\"" in raw and "Zoë 😀" in raw and "محمد" in raw
    parsed = reader.read(tiny_return["xml"])
    surnames = set(parsed.tables["person"]["Surname"])
    assert {"O'Brien & <Sons> \"Q\"", "Ali"} <= surnames
    assert {"Zoë 😀", "محمد"} <= set(parsed.tables["person"]["Forename"])
    assert raw.startswith('<?xml version="1.0" encoding="utf-8"?>')


def test_outputs_are_owner_only(tiny_return):
    for key in ("xml", "validation_csv", "validation_html", "summary_csv"):
        assert oct(Path(tiny_return[key]).stat().st_mode & 0o777) == "0o600", key
    folder = Path(tiny_return["xml"]).parent
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in (folder / ".work").iterdir())


def test_report_names_people_by_cms_id_only(tiny_return):
    html = Path(tiny_return["validation_html"]).read_text(encoding="utf-8")
    text = Path(tiny_return["validation_csv"]).read_text(encoding="utf-8")
    for forename, surname, *_ in tiny.PEOPLE.values():
        assert surname not in html and surname not in text
    assert "READY TO SUBMIT" in html


def _summary(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_summary_counts_headlines_and_reconciliation(tiny_return):
    rows = _summary(tiny_return["summary_csv"])
    module = {r["measure"]: int(r["value"]) for r in rows if r["section"] == "module_counts"}
    assert module == {"Person": 11, "Requests": 11, "Assessment": 8, "NamedPlan": 5, "PlanDetail": 5,
                      "ActivePlans": 4, "PlacementDetail": 5, "SENneed": 5}
    head = {(r["dfe_table"], r["measure"]): r for r in rows if r["section"] == "dfe_headline"}
    received = head[("requests", "requests_received_in_year")]
    assert received["value"] == "7" and received["time_period"] == "2025" and received["previous_time_period"] == "2024"
    assert head[("requests", "requests_decided_to_assess")]["value"] == "4"
    assert head[("timeliness_20_week", "plans_issued_den")]["value"] == "2"
    assert head[("timeliness_20_week", "plans_issued_within_20_weeks")]["value"] == "2"
    assert head[("caseload", "ehcplans")]["value"] == "4" and head[("caseload", "ehcplans")]["time_period"] == "202526"
    assert head[("caseload", "special_la_maintained")]["value"] == "2"
    assert head[("caseload", "mainstream_la_maintained_resourced_provision")]["value"] == "1"
    assert head[("caseload", "nm_early_years")]["value"] == "1"
    assert head[("sen_needs_all_plans", "number_oth")]["value"] == "1"  # DS counted under other
    assert head[("ceased_plans", "he")]["value"] == "1"
    assert head[("annual_reviews", "number_decsion_4weeks")]["value"] == "1"
    recon = [r for r in rows if r["section"] == "reconciliation"]
    assert recon and all(r["value"] == r["warehouse_value"] for r in recon)
    assert "(0 values differ)" in next(r["how"] for r in recon if r["measure"] == "records_person")


def test_2025_structure_from_the_same_warehouse(tiny_wh, tmp_path):
    from send_pipeline.sen2 import build

    result = build.build_return(tiny_wh, 2025, "331", out_dir=tmp_path, now=tiny.FIXED_NOW_DT, dmo="Y", dco="Y")
    assert result["xsd_errors"] == 0 and result["reconciled"]
    assert xsd.schema(2025).validate(etree.parse(result["xml"], reader.safe_parser()))
    text = Path(result["xml"]).read_text(encoding="utf-8")
    assert "<ReferenceDate>2025-01-16</ReferenceDate>" in text and "<DSCO>" not in text


def test_characters_xml_cannot_carry_are_removed_and_reported(tmp_path):
    from send_pipeline.sen2 import build, reader

    frames = tiny.frames()
    frames["person"].loc[frames["person"]["person_id"] == 104, "surname"] = "Sh\x0baw\x00"
    wh = tiny.build_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    with wh.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM core.person")
        wh.insert_frame(conn, "core.person", frames["person"])
    result = build.build_return(wh, 2026, "331", out_dir=tmp_path, now=tiny.FIXED_NOW_DT, dmo="Y", dco="Y", dsco="N")
    wh.dispose()
    assert result["xsd_errors"] == 0 and "Shaw" in set(reader.read(result["xml"]).tables["person"]["Surname"])
    assert "HDR07" in Path(result["validation_csv"]).read_text()
