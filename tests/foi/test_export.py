"""The nightly publication of a small generated LA: CSVs in the DfE layout, the workbook, response packs,
and an attack on every exported file proving no count below the threshold can be read or worked out."""
from __future__ import annotations

import re
from datetime import date

import openpyxl
import pandas as pd
import pytest

from send_pipeline.foi import catalogue, export
from send_pipeline.foi.steps import write_response_pack
from send_pipeline.nightly.steps import Run
from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse
from tests.foi.test_disclosure import attack

CAT = catalogue.load()
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture(scope="module")
def night(foi_night):
    wh = Warehouse(foi_night["url"])
    yield wh, foi_night["work"] / "output" / "foi"
    wh.dispose()


def _csv(folder, table_id) -> pd.DataFrame:
    return export.csv_frame((folder / f"{table_id}.csv").read_bytes())


def test_every_table_is_written_with_the_workbook(night, foi_night):
    _, folder = night
    names = {p.name for p in folder.iterdir() if p.is_file()}
    assert names == {f"{t}.csv" for t in CAT.ids} | {"foi_tables.xlsx"}
    summary = foi_night["exported"]
    assert summary["as_at"] == "2026-02-01" and summary["threshold"] == 5
    assert summary["primary"] > 0 and summary["secondary"] > 0  # a small LA has small numbers to protect
    assert oct(folder.joinpath("school_spend.csv").stat().st_mode)[-3:] == "600"


def test_csvs_follow_the_dfe_layout_and_never_leave_a_cell_empty(night):
    _, folder = night
    for table in CAT.tables:
        frame = _csv(folder, table.id)
        assert list(frame.columns) == table.columns, table.id
        assert len(frame) > 0, table.id
        assert not (frame == "").any().any(), f"{table.id}: an empty cell"
        assert set(frame.time_identifier) <= catalogue.TIME_IDENTIFIERS[table.period_type], table.id
        digits = {"calendar_year": 4, "quarter": 4, "academic_year": 6, "financial_year": 6}[table.period_type]
        assert frame.time_period.str.fullmatch(rf"\d{{{digits}}}").all(), table.id
        if table.geography == "la":
            assert set(zip(frame.geographic_level, frame.new_la_code, frame.old_la_code, frame.la_name)) == \
                {("Local authority", "E08000026", "331", "Coventry")}, table.id


def test_no_exported_cell_reveals_a_small_count_directly_or_by_subtraction(night):
    wh, folder = night
    for table in CAT.tables:
        raw = export._ordered(wh.frame(f"SELECT * FROM foi.{table.id}"), table)
        published = _csv(folder, table.id)
        assert len(published) == len(raw)
        for m in table.measures:  # numbers back to numbers, symbols stay text
            published[m.name] = [float(v) if NUMBER.match(v) else v for v in published[m.name]]
        keys = [k for k in table.keys]
        assert (published[keys].astype(str).values == raw[keys].astype(str).values).all(), table.id
        assert attack(published, raw, table.layout, 5) == [], table.id


def test_agency_spend_says_nil_and_not_held(night):
    _, folder = night
    spend = _csv(folder, "agency_consultant_spend").set_index(["time_period", "spend_type"])
    assert spend.loc[("201415", "Agency staff"), "amount"] == "Not held"   # the generated ledger starts 2017-18
    assert spend.loc[("201718", "Agency staff"), "amount"] == "Nil"        # agency spend starts in 2021-22
    assert NUMBER.match(spend.loc[("202122", "Agency staff"), "amount"])


def test_the_workbook_opens_with_the_expected_sheets(night):
    _, folder = night
    wb = openpyxl.load_workbook(folder / "foi_tables.xlsx", read_only=True)
    assert wb.sheetnames == ["Cover", "Notes", *[t.sheet for t in CAT.tables]]
    cover = [c for row in wb["Cover"].iter_rows(values_only=True) for c in row if c is not None]
    assert "Data as at" in cover and "2026-02-01" in cover and any("Coventry" in str(c) for c in cover)
    assert "Sources" in cover and "Caveats" in cover
    notes = {row[0]: row[1] for row in wb["Notes"].iter_rows(values_only=True) if len(row) > 1 and row[0]}
    for symbol in ("c", "x", "z", "Nil", "Not held"):
        assert symbol in notes and len(notes[symbol]) > 20
    for table in CAT.tables:
        rows = list(wb[table.sheet].iter_rows(values_only=True))
        assert rows[0][0] == table.title
        header = [c for c in rows[5] if c is not None]
        assert header == table.columns, table.id
        assert len(rows) - 6 == len(_csv(folder, table.id)), table.id
    spend = list(wb["Funding per child"].iter_rows(min_row=7, max_row=7, values_only=True))[0]
    assert isinstance(spend[0], int)  # numbers are numbers in the workbook
    wb.close()


def test_a_response_pack_keeps_rows_of_the_protected_tables(night_env):
    run = Run(Settings.resolve(), "foi_request", date(2026, 2, 1))
    result = write_response_pack("FOI-2026-0042", ["plans_by_need_age_setting", "agency_consultant_spend"],
                                 "2019-2024", None, run)
    folder = night_env["work"] / "output" / "foi" / "requests" / "FOI-2026-0042"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["plans_by_need_age_setting.csv", "agency_consultant_spend.csv", "foi_FOI-2026-0042.xlsx", "cover_note.txt"])
    main = night_env["work"] / "output" / "foi"
    for table_id in ("plans_by_need_age_setting", "agency_consultant_spend"):
        pack = (folder / f"{table_id}.csv").read_text().splitlines()
        full = (main / f"{table_id}.csv").read_text().splitlines()
        assert pack[0] == full[0]
        assert set(pack[1:]) <= set(full[1:])  # the same cells: filtered, never re-suppressed
        years = {int(line.split(",")[0][:4]) for line in pack[1:]}
        assert years and min(years) >= 2019 and max(years) <= 2024
        assert len(pack) - 1 == result["rows"][table_id]
    note = (folder / "cover_note.txt").read_text()
    assert "FOI-2026-0042" in note and "as at 1 February 2026" in note and "2019-2024" in note
    assert CAT.table("agency_consultant_spend").title in note and "Not held" in note
    wb = openpyxl.load_workbook(folder / "foi_FOI-2026-0042.xlsx", read_only=True)
    assert wb.sheetnames == ["Cover", "Notes", "Plans by need age setting", "Agency and consultants"]
    wb.close()


def test_a_pack_for_a_period_before_the_records_says_not_held(night_env):
    run = Run(Settings.resolve(), "foi_request", date(2026, 2, 1))
    result = write_response_pack("FOI-OLD", ["school_spend"], "2010-2012", None, run)
    assert result["rows"] == {"school_spend": 0}
    note = (night_env["work"] / "output" / "foi" / "requests" / "FOI-OLD" / "cover_note.txt").read_text()
    assert "information is not held" in note


@pytest.mark.parametrize("reference, tables, period, message", [
    ("../../etc", [], "", "foi_reference"),
    ("FOI-1", ["no_such_table"], "", "unknown FOI table"),
    ("FOI-1", [], "since 2019", "period"),
])
def test_bad_request_params_are_refused(night_env, reference, tables, period, message):
    run = Run(Settings.resolve(), "foi_request", date(2026, 2, 1))
    with pytest.raises(ValueError, match=message):
        write_response_pack(reference, tables, period, None, run)


def test_a_higher_threshold_suppresses_more(night):
    wh, _ = night
    five = export.publish(wh, 5, ["school_consultations", "annual_review_timeliness"])
    ten = export.publish(wh, 10, ["school_consultations", "annual_review_timeliness"])
    assert ten.totals()["primary"] > five.totals()["primary"]
    for p in ten.tables:
        for m in p.table.measures:
            if m.kind == "count":
                shown = pd.to_numeric(p.frame[m.name].where(p.frame[m.name].map(lambda v: not isinstance(v, str))),
                                      errors="coerce")
                assert not ((shown > 0) & (shown < 10)).any(), (p.table.id, m.name)
