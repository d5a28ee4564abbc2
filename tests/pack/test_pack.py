"""The monthly performance pack on a small generated LA: every section charted and read, the readings
equal to the numbers they describe, the public version disclosure-controlled, HTML self-contained and
the PDF on A4; the DAG end to end; the pack's SQL on PostgreSQL too."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from send_pipeline import pipeline
from send_pipeline.pack import sections as S
from send_pipeline.pack.build import build_packs, query
from send_pipeline.settings import Settings
from send_pipeline.warehouse import Warehouse
from tests.helpers import point_at

AS_AT = date(2026, 2, 1)


@pytest.fixture(scope="module")
def packed(small_la, tmp_path_factory):
    work = tmp_path_factory.mktemp("pack")
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, small_la, work)
        mp.setenv("SEND_DATA_DOCS", "0")
        mp.delenv("SEND_FOI_THRESHOLD", raising=False)
        run = pipeline.Run(Settings.resolve(), "night_pack", AS_AT)
        pipeline.run_nightly(run)
        result = build_packs("both", None, None, run)
        yield {"work": work, "run": run, "result": result, "folder": work / "output" / "packs" / "2026-02"}


def _table(packed, audience, section_id) -> pd.DataFrame:
    return pd.read_csv(packed["folder"] / "tables" / audience / f"{section_id}.csv", dtype=str, keep_default_na=False)


def test_every_section_has_data_a_chart_and_a_reading(packed):
    for audience in ("internal", "public"):
        readings = packed["result"][audience]["readings"]
        assert list(readings) == [s.id for s in S.SECTIONS]
        page = Path(packed["result"][audience]["html"]).read_text()
        for section in S.SECTIONS:
            assert len(_table(packed, audience, section.id)) > 0, (audience, section.id)
            assert readings[section.id] and readings[section.id][-1] == ".", section.id
            block = page.split(f"<section id='{section.id}'>", 1)[1].split("</section>", 1)[0]
            assert "<svg" in block and "<path" in block, section.id  # a drawn chart
            assert "Source:" in block
    # the JSON beside the pack has the same readings
    saved = json.loads((packed["folder"] / "send_performance_pack_internal.json").read_text())
    assert saved["readings"] == packed["result"]["internal"]["readings"] and saved["as_at"] == "2026-02-01"


def test_readings_match_the_numbers_they_describe(packed):
    readings = packed["result"]["internal"]["readings"]
    wh = Warehouse(packed["run"].settings.warehouse_url)
    try:
        # 20-week timeliness by month: the last 12 months of issue dates, worked from the request mart
        req = wh.frame("SELECT outcome_date, plan_within_20_weeks FROM marts.ehcna_requests "
                       "WHERE assessment_outcome = 'Y' AND outcome_date IS NOT NULL")
        req["outcome_date"] = pd.to_datetime(req["outcome_date"])
        req = req[(req.outcome_date <= pd.Timestamp(AS_AT)) & (req.outcome_date > pd.Timestamp(AS_AT) - pd.Timedelta(days=730))]
        months = sorted(set(req.outcome_date.dt.year * 100 + req.outcome_date.dt.month))[-12:]
        last12 = req[(req.outcome_date.dt.year * 100 + req.outcome_date.dt.month).isin(months)]
        within = int((last12.plan_within_20_weeks == 1).sum())
        expected = f"{S.fmt_pct(round(100 * within / len(last12), 1))} of {len(last12):,} new plans"
        assert expected in readings["timeliness_by_month"], (expected, readings["timeliness_by_month"])

        # annual reviews: paperwork and decisions over the last 12 months of meetings, from the review mart
        rev = wh.frame("SELECT meeting_date, paperwork_status, decision_status FROM marts.annual_reviews "
                       "WHERE meeting_date IS NOT NULL")
        rev["meeting_date"] = pd.to_datetime(rev["meeting_date"])
        month = rev.meeting_date.dt.year * 100 + rev.meeting_date.dt.month
        window = sorted(set(month[(rev.meeting_date <= pd.Timestamp(AS_AT)) & (month > (AS_AT.year - 2) * 100 + AS_AT.month)]))[-12:]
        r = rev[month.isin(window)]
        paper_ok = (r.paperwork_status == "on_time").sum()
        paper_late = r.paperwork_status.isin(["late", "outstanding_late"]).sum()
        dec_ok = (r.decision_status == "on_time").sum()
        dec_late = r.decision_status.isin(["late", "outstanding_late"]).sum()
        assert (f"{S.fmt_pct(round(100 * paper_ok / (paper_ok + paper_late), 1))} of review paperwork met the standard and "
                f"{S.fmt_pct(round(100 * dec_ok / (dec_ok + dec_late), 1))} of decisions") in readings["review_compliance"]

        # requests and plans: the latest complete year, from the timeliness mart
        t = wh.frame("SELECT time_period, requests_received, plans_issued_den FROM marts.ehcna_timeliness "
                     "WHERE time_period = 2025").iloc[0]
        assert readings["requests_and_plans"].startswith(f"{int(t.requests_received):,} requests for assessment were "
                                                         f"received in 2025")
        assert f"and {int(t.plans_issued_den):,} new plans were issued." in readings["requests_and_plans"]
    finally:
        wh.dispose()
    # 20-week timeliness beside England: the DfE's published Coventry and England figures for 2024
    assert readings["timeliness_benchmark"].startswith("61.8% of plans were issued within 20 weeks in 2024, up from "
                                                        "35.1% in 2023; England 45.9%; the region 41%")


def test_public_pack_shows_no_count_below_the_threshold(packed):
    threshold = 5
    for section in S.SECTIONS:
        public = _table(packed, "public", section.id)
        for col in section.counts:
            values = public[col]
            small = [v for v in values if v not in ("", "c", "x", "z") and 0 < float(v) < threshold]
            assert not small, (section.id, col, small)
        internal = _table(packed, "internal", section.id)
        for col in section.counts:  # the internal version is not suppressed
            assert "c" not in set(internal[col]), (section.id, col)
    # no small count can be worked out as a difference: issued = within + not within is protected as a group
    month = _table(packed, "public", "timeliness_by_month")
    for total, part, other in (("plans_issued", "within_20_weeks", "not_within_20_weeks"),
                               ("plans_issued_ex", "within_20_weeks_ex", "not_within_20_weeks_ex")):
        for _, row in month.iterrows():
            shown = [row[c] for c in (total, part, other) if row[c] not in ("c", "")]
            if len(shown) == 2 and row[total] != "c":
                hidden = float(row[total]) - sum(float(row[c]) for c in (part, other) if row[c] != "c")
                assert not 0 < hidden < threshold, (row.to_dict())
    # the small LA does have small counts, so the public version really suppressed something
    suppressed = sum((_table(packed, "public", s.id)[c] == "c").sum() for s in S.SECTIONS for c in s.counts)
    assert suppressed > 0
    page = Path(packed["result"]["public"]["html"]).read_text()
    assert "Public version" in page and ">c<" in page


def test_html_is_self_contained_and_the_pdf_is_a4(packed):
    import pypdfium2 as pdfium

    for audience in ("internal", "public"):
        page = Path(packed["result"][audience]["html"]).read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']https?:""", page)
        assert "<script" not in page and "<link" not in page  # no scripts, no external stylesheets
        assert "@page { size: A4" in page
        pdf = pdfium.PdfDocument(packed["result"][audience]["pdf"])
        assert len(pdf) >= 6
        width, height = pdf[0].get_size()
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        assert (Path(packed["result"][audience]["pdf"]).stat().st_mode & 0o777) == 0o600


def test_a_requested_date_other_than_the_marts_is_refused(packed):
    with pytest.raises(ValueError, match="the marts are as at 2026-02-01"):
        build_packs("internal", None, "2025-12-01", packed["run"])


def test_the_dag_builds_the_pack(packed, airflow_db, small_la):
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.utils.state import DagRunState

    dags = Path(__file__).resolve().parents[2] / "dags"
    bag = BundleDagBag(dag_folder=str(dags), bundle_path=dags, bundle_name="dags-folder")
    assert not bag.import_errors
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, small_la, packed["work"])
        mp.setenv("SEND_DATA_DOCS", "0")
        run = bag.dags["send_performance_pack"].test(logical_date=datetime(2026, 2, 1, 6, 0, tzinfo=timezone.utc),
                                                     run_conf={"audience": "public"})
    assert run.state == DagRunState.SUCCESS


@pytest.mark.postgres
def test_the_pack_sql_runs_on_postgresql(small_la, pg_database, tmp_path, monkeypatch):
    point_at(monkeypatch, small_la, tmp_path, warehouse_url=pg_database)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    run = pipeline.Run(Settings.resolve(), "night_pack_pg", AS_AT)
    pipeline.run_nightly(run)
    from send_pipeline.foi.build import build_foi

    build_foi(run)
    wh = Warehouse(run.settings.warehouse_url)
    try:
        for section in S.SECTIONS:
            frame = query(wh, run, section)
            assert len(frame) > 0, section.id
    finally:
        wh.dispose()
