"""Done-when (issue 19 part B): several years of returns plus the CMS load without double counting.

The tiny LA of tests/sen2 (13 people) as three origins, loaded by one night (SEND_SOURCES schools, cms,
sen2_returns; SEND_CMS_FROM unset, so the CMS wins the records it holds):
- the CMS: every person but 103 (a case closed before the CMS went live: it holds none of 103's records);
- the 2025 return (census 16 January 2025) and the 2026 return (census 15 January 2026), both written by
  the project's own sen2 build from the tiny warehouse: they overlap (101's and 103's plans are in both);
- 101's UPN CHANGED in the 2026 return: same name and date of birth, a different UPN from the CMS's and
  the 2025 return's. The match rule does not guess: 101's return records are quarantined (reason
  "same name and date of birth, different UPNs"), and the CMS's own 101 stays as loaded;
- 110 TRANSFERRED IN (plan 810 from LA 937): the CMS holds the plan, the 2026 return carries it with
  TransferLA; counted once, the CMS's.
Hand-worked result: the CMS's 12 people, 11 requests, 6 assessments, 4 plans, 6 placements and 5 needs,
plus 103 from the LATEST return only (1 person, request 503, its assessment, plan 803 with the cease date
only the 2026 return knows, placement 904; no need: a ceased plan's needs are not reported): 13, 12, 7,
5, 7, 5. A CMS full refresh and the CMS's deletion scan afterwards leave the returns' rows alone.
"""
from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from send_pipeline.onboarding import ids, matching
from tests.onboarding.test_returns_source import night, write_gias
from tests.sen2 import tiny

NOT_IN_CMS = 103
EXPECTED = {"person": 13, "request": 12, "assessment": 7, "plan": 5, "placement": 7, "need": 5}
CMS_ONLY = {"person": 12, "request": 11, "assessment": 6, "plan": 4, "placement": 6, "need": 5}
SOURCES = "schools,cms,sen2_returns"


def write_cms(path: Path, leave_out: int) -> None:
    """The tiny LA as a contract CMS (SQLite), without one person and everything of theirs."""
    from send_pipeline.nightly.sources import cms

    f = tiny.frames()
    f["person"] = f["person"][f["person"].person_id != leave_out]
    f["request"] = f["request"][f["request"].person_id != leave_out]
    f["assessment"] = f["assessment"][f["assessment"].request_id.isin(f["request"].request_id)]
    f["plan"] = f["plan"][f["plan"].person_id != leave_out]
    f["placement"] = f["placement"][f["placement"].plan_id.isin(f["plan"].plan_id)]
    f["need"] = f["need"][f["need"].plan_id.isin(f["plan"].plan_id)]
    con = sqlite3.connect(path)
    try:
        for e in cms.SOURCE.entities:
            frame = f.get(e.name, pd.DataFrame())
            out = {}
            for c in e.columns:
                if c.source == "updated_at":
                    out[c.source] = ["2026-01-10 09:00:00"] * len(frame)
                elif c.source in frame:
                    col = frame[c.source]
                    out[c.source] = [None if pd.isna(v) else (v.date().isoformat() if isinstance(v, pd.Timestamp) else
                                                              int(v) if c.type in ("int", "flag") else v) for v in col]
                else:
                    out[c.source] = [None] * len(frame)
            pd.DataFrame(out, columns=[c.source for c in e.columns]).to_sql(e.origin, con, index=False)
        con.commit()
    finally:
        con.close()


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    from send_pipeline.kernel.warehouse import Warehouse
    from send_pipeline.sen2 import build

    work = tmp_path_factory.mktemp("onb_combined")
    inbox = work / "inbox"
    inbox.mkdir()
    src = tiny.build_warehouse(f"duckdb:///{work / 'tiny.duckdb'}")
    try:
        made = {year: build.build_return(src, year, "331", out_dir=work / f"built{year}", now=tiny.FIXED_NOW_DT,
                                         dmo="Y", dco="Y", dsco="N") for year in (2025, 2026)}
    finally:
        src.dispose()
    for year, r in made.items():
        text = Path(r["xml"]).read_text(encoding="utf-8")
        if year == 2026:  # 101's UPN changed between the returns
            assert text.count(tiny.UPN(1)) == 1
            text = text.replace(tiny.UPN(1), tiny.UPN(51))
        (inbox / Path(r["xml"]).name).write_text(text, encoding="utf-8")
    write_gias(inbox)
    write_cms(work / "cms.db", NOT_IN_CMS)
    with pytest.MonkeyPatch.context() as mp:
        result = night(mp, work, inbox, sources=SOURCES, cms_url=f"sqlite:///{work / 'cms.db'}")
        wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
        try:
            yield wh, result, work, inbox, mp
        finally:
            wh.dispose()


def counts(wh, where: str = "") -> dict[str, int]:
    return {e: int(wh.scalar(f"SELECT COUNT(*) FROM core.{e}{where}")) for e in EXPECTED}


def test_nothing_is_counted_twice(combined):
    wh, result, _, _, _ = combined
    assert counts(wh) == EXPECTED
    assert counts(wh, " WHERE return_file IS NULL") == CMS_ONLY  # the CMS's own rows, as it loaded them
    assert result["cms"]["person"]["loaded"] == 12


def test_the_latest_return_wins_what_the_cms_lacks(combined):
    wh, *_ = combined
    plan = wh.frame("SELECT person_id, start_date, cease_date, cease_reason, return_file, return_year FROM core.plan "
                    "WHERE return_file IS NOT NULL")
    assert len(plan) == 1
    row = plan.iloc[0]
    # 103 is known by ULN only: the reader's id for them
    assert row.person_id == ids.stable_id("person", "uln:4017177165")
    assert str(row.start_date)[:10] == "2018-02-12" and str(row.cease_date)[:10] == "2025-07-20"
    assert row.return_file == "SEN2_331_2026.xml" and row.return_year == 2026


def test_a_transfer_in_is_the_cms_plan_once(combined):
    wh, *_ = combined
    rows = wh.frame("SELECT plan_id, transferred_from_la, return_file FROM core.plan WHERE person_id = 110")
    assert rows.values.tolist() == [[810, "937", None]]


def test_a_changed_upn_is_quarantined_with_its_reason_not_guessed(combined):
    wh, result, work, _, _ = combined
    q = wh.frame("SELECT source_file, rule, reason FROM ops.quarantine WHERE rule = 'person_match' ORDER BY source_file")
    assert q.values.tolist() == [["SEN2_331_2025.xml", "person_match", matching.REASON_NAME_DOB],
                                 ["SEN2_331_2026.xml", "person_match", matching.REASON_NAME_DOB]]
    # the CMS's 101 is untouched, and nothing of the returns' 101 loaded
    assert wh.scalar("SELECT COUNT(*) FROM core.person WHERE person_id = 101") == 1
    assert wh.scalar("SELECT COUNT(*) FROM core.plan WHERE person_id = 101") == 1
    detail = (work / "output" / "quality" / "onb_night" / "quarantine" / "person_match.csv").read_text()
    assert tiny.UPN(51) in detail  # the owner-only file holds what an officer needs; ops holds no value
    assert tiny.UPN(51) not in " ".join(map(str, q.values.ravel()))
    assert result["sen2_returns"]["merged"]["quarantined_people"] == 2


def test_the_run_log_says_how_many_came_from_each(combined):
    wh, *_ = combined
    msg = wh.scalar("SELECT message FROM ops.run_log WHERE run_id = 'onb_night' AND entity = 'sen2_plan'")
    assert msg.startswith("core.plan: 1 from the returns (SEN2_331_2025.xml 0, SEN2_331_2026.xml 1), 4 the CMS's own;")
    summary = (combined[2] / "output" / "quality" / "onb_night" / "run_summary.txt").read_text()
    assert "sen2_returns: SEN2_331_2026.xml" in summary


def test_a_cms_full_refresh_and_its_deletion_scan_leave_the_returns_rows(combined):
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.nightly.steps import Run, run_source

    wh, _, work, inbox, mp = combined
    before = counts(wh, " WHERE return_file IS NOT NULL")
    assert before == {"person": 1, "request": 1, "assessment": 1, "plan": 1, "placement": 1, "need": 0}
    wh.dispose()
    run_source("cms", Run(Settings.resolve(), "onb_refresh", date(2026, 1, 21), full_refresh=True))
    run_source("cms", Run(Settings.resolve(), "onb_incremental", date(2026, 1, 22)))  # the key scan
    assert counts(wh, " WHERE return_file IS NOT NULL") == before
    assert counts(wh) == EXPECTED
    deleted = wh.frame("SELECT COALESCE(SUM(rows_deleted), 0) AS n FROM ops.run_log WHERE run_id = 'onb_incremental'")
    assert int(deleted.n[0]) == 0
