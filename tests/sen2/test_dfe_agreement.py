"""The SEN2 sign-off and the warehouse compute the DfE's measures alike.

The hand-built LA of tests/nightly/statutory.py (every date worked by hand there) is loaded into core.*, the
marts are built as at 1 February 2025, and the SEN2 return of 2025 (census day 16 January 2025,
collection period calendar 2024) is written, validated and reported from the same warehouse. Every
measure the sign-off computes from the XML file (dfe_measures.csv) must equal marts.dfe_measures for the
same table, period, breakdown and column, and the reverse: on DuckDB and on PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from tests.nightly import statutory as S

KEYS = ["dfe_table", "time_period", "breakdown_topic", "breakdown", "measure"]


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def signed_off(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"agreement_{request.param}")
    if request.param == "duckdb":
        yield _build(f"duckdb:///{tmp / 'w.duckdb'}", tmp)
    else:
        from tests.conftest import throwaway_database

        with throwaway_database(request.getfixturevalue("pg_url")) as url:
            yield _build(url, tmp)


def _build(url, tmp):
    from send_pipeline.nightly.steps import Run, build_marts
    from send_pipeline.sen2 import build, reader

    wh = S.build(url)
    try:
        build_marts(Run(S.settings_for(url, tmp), "agreement", S.AS_AT))
        result = build.build_return(wh, 2025, "331", out_dir=tmp / "out", now=datetime(2025, 2, 1, 9, 0),
                                    dmo="Y", dco="Y", dsco="N")
        marts = wh.frame("SELECT dfe_table, time_period, breakdown_topic, breakdown, measure, value "
                         "FROM marts.dfe_measures WHERE time_period IN (2024, 202425)")
    finally:
        wh.dispose()
    xml = pd.read_csv(result["dfe_measures_csv"], dtype=str, keep_default_na=False)
    summary = pd.read_csv(result["summary_csv"], dtype=str, keep_default_na=False)
    return {"result": result, "xml": xml, "marts": marts, "summary": summary,
            "file": reader.read(result["xml"]).tables}


def _values(frame: pd.DataFrame) -> pd.Series:
    out = frame.assign(time_period=frame["time_period"].astype(str).str.replace(r"\.0$", "", regex=True))
    return pd.to_numeric(out.set_index(KEYS)["value"].replace({"": None}), errors="coerce").sort_index()


def test_the_return_is_ready_and_reconciled(signed_off):
    r = signed_off["result"]
    assert r["ready_to_submit"] and r["reconciled"] and r["xsd_errors"] == 0


def test_every_measure_from_the_file_equals_the_warehouses(signed_off):
    xml, marts = _values(signed_off["xml"]), _values(signed_off["marts"])
    assert len(xml) > 3000  # every table, every breakdown
    assert set(xml.index) == set(marts.index), (set(xml.index) ^ set(marts.index))
    both = pd.concat({"xml": xml, "marts": marts.reindex(xml.index)}, axis=1)
    differ = both[~((both.xml == both.marts) | (both.xml.isna() & both.marts.isna()))]
    assert differ.empty, differ.head(20)
    tables = set(signed_off["xml"].dfe_table)
    assert tables == {"requests", "assessments", "timeliness_20_week", "annual_reviews", "caseload", "newplans",
                      "ceased_plans", "sen_needs_all_plans", "sen_need_newplans", "personal_budgets"}


def test_hand_worked_headlines_from_the_file(signed_off):
    xml = _values(signed_off["xml"])

    def v(table, period, measure):
        topic = xml.loc[table, period].index.get_level_values(0)
        all_topic = next(t for t in topic if t.startswith("All") or t == "New EHC plans")
        return xml.loc[(table, period, all_topic, all_topic, measure)]

    # defect 1 and 2: 8 decisions dated 2024 (request 8 from 2023 in, 9 decided in 2025 out, W never), 7 in 6 weeks
    assert (v("requests", "2024", "request_outcome_six_weeks"), v("requests", "2024", "request_outcome_over_6_weeks"),
            v("requests", "2024", "requests_withdrawn")) == (7, 1, 2)
    # defect 6: day 365 is after 52 weeks, day 141 between 20 and 52
    assert (v("timeliness_20_week", "2024", "plans_issued_gt_1_year"),
            v("timeliness_20_week", "2024", "plans_issued_gt20weeks_ltYear")) == (1, 1)
    # defect 9: 20 plans held on 16 January 2025 (not 24, transferred in on the 20th; not 25, ceasing that day)
    assert v("caseload", "202425", "ehcplans") == 20 and len(signed_off["file"]["active_plans"]) == 20
    # the 16 weeks: day 112 within, day 113 over
    assert (v("assessments", "2024", "outcome_decision_within_time"),
            v("assessments", "2024", "outcome_decision_over_time")) == (1, 1)


def test_phase_transfer_due_dates_in_the_file_follow_reg_18_as_the_mart_does(signed_off):
    t = signed_off["file"]
    due = t["active_plans"].merge(t["person"][["person_seq", "UPN"]], on="person_seq").set_index("UPN")
    got = due["PhaseTransferDueDate"].replace({"": None}).dropna().to_dict()
    assert got == {S.UPN(30): "2025-02-15",   # Year 6
                   S.UPN(31): "2025-03-31",   # Year 11 -> post-16
                   S.UPN(33): "2025-03-31",   # Year 12 in a school sixth form -> post-16: 31 March too
                   S.UPN(34): "2025-04-01",   # college to college on 1 Sep 2025: 5 months before (reg 18(2))
                   S.UPN(35): "2025-02-15"}   # Year 5 summer review: the transfer of the next February
    # 32's review (October 2023, for February 2024) is a past transfer, not this year's


def test_the_summary_sets_the_warehouse_beside_the_file(signed_off):
    head = signed_off["summary"]
    head = head[head.section == "dfe_headline"]
    assert len(head) > 0 and (head.value == head.warehouse_value).all(), \
        head[head.value != head.warehouse_value][["dfe_table", "measure", "value", "warehouse_value"]]
