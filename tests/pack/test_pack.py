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

from send_pipeline.nightly import steps as pipeline
from send_pipeline.forecast.steps import run_forecast
from send_pipeline.pack import sections as S
from send_pipeline.pack.build import build_packs, query
from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse
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
        run_forecast(None, None, run)  # send_forecast ran after last month's pack: its marts are there
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
            rows = len(_table(packed, audience, section.id))
            if audience == "public" and not rows and section.extra.get("public_none"):
                # a ranking with no school big enough to publish (the small LA's top-up): it says so
                assert readings[section.id] == section.extra["public_none"].format(threshold=5)
            else:
                assert rows > 0, (audience, section.id)
            assert readings[section.id] and readings[section.id][-1] == ".", section.id
            block = page.split(f"<section id='{section.id}'>", 1)[1].split("</section>", 1)[0]
            assert "<svg" in block and "<path" in block, section.id  # a drawn chart
            assert "Source:" in block.split("</svg>")[0]  # the source is on the chart itself (and under it)
    # the JSON beside the pack has the same readings
    saved = json.loads((packed["folder"] / "send_performance_pack_internal.json").read_text())
    assert saved["readings"] == packed["result"]["internal"]["readings"] and saved["as_at"] == "2026-02-01"


def test_readings_match_the_numbers_they_describe(packed):
    readings = packed["result"]["internal"]["readings"]
    wh = Warehouse(packed["run"].settings.warehouse_url)
    try:
        # the last 12 calendar months before the as-at date: February 2025 to January 2026
        last12 = [202500 + m for m in range(2, 13)] + [202601]

        # 20-week timeliness by month: issue dates in those months, worked from the request mart
        req = wh.frame("SELECT outcome_date, plan_within_20_weeks FROM marts.ehcna_requests "
                       "WHERE assessment_outcome = 'Y' AND outcome_date IS NOT NULL")
        req["outcome_date"] = pd.to_datetime(req["outcome_date"])
        req = req[(req.outcome_date.dt.year * 100 + req.outcome_date.dt.month).isin(last12)]
        within = int((req.plan_within_20_weeks == 1).sum())
        expected = f"{S.fmt_pct(round(100 * within / len(req), 1))} of {len(req):,} new plans"
        assert expected in readings["timeliness_by_month"], (expected, readings["timeliness_by_month"])

        # annual reviews: paperwork and decisions for meetings in those months, from the review mart
        rev = wh.frame("SELECT meeting_date, paperwork_status, decision_status FROM marts.annual_reviews "
                       "WHERE meeting_date IS NOT NULL")
        rev["meeting_date"] = pd.to_datetime(rev["meeting_date"])
        r = rev[(rev.meeting_date.dt.year * 100 + rev.meeting_date.dt.month).isin(last12)]
        paper_ok = (r.paperwork_status == "on_time").sum()
        paper_late = r.paperwork_status.isin(["late", "outstanding_late"]).sum()
        dec_ok = (r.decision_status == "on_time").sum()
        dec_late = r.decision_status.isin(["late", "outstanding_late"]).sum()
        assert (f"{S.fmt_pct(round(100 * paper_ok / (paper_ok + paper_late), 1))} of review paperwork met the standard "
                f"and {S.fmt_pct(round(100 * dec_ok / (dec_ok + dec_late), 1))} of decisions") in readings["review_compliance"]

        # the monthly table's 2025 total row is the year the requests section and the FOI table publish
        month = _table(packed, "internal", "timeliness_by_month")
        total = month[(month.year == "2025") & (month.month == "Total")].iloc[0]
        year = wh.frame("SELECT plans_issued_den, plans_issued_within_20_weeks FROM marts.ehcna_timeliness "
                        "WHERE time_period = 2025").iloc[0]
        assert (int(total.plans_issued), int(total.within_20_weeks)) == (
            int(year.plans_issued_den), int(year.plans_issued_within_20_weeks))

        # requests and plans: the latest complete year, from the timeliness mart
        t = wh.frame("SELECT time_period, requests_received, plans_issued_den FROM marts.ehcna_timeliness "
                     "WHERE time_period = 2025").iloc[0]
        assert readings["requests_and_plans"].startswith(f"{int(t.requests_received):,} requests for assessment were "
                                                         f"received in 2025")
        assert f"and {int(t.plans_issued_den):,} new plans were issued." in readings["requests_and_plans"]

        # plans: every plan active on the January 2026 census day (the third Thursday, 15 January), from core.plan
        plans = wh.frame("SELECT start_date, cease_date FROM core.plan")
        day = pd.Timestamp(2026, 1, 15)
        start, cease = pd.to_datetime(plans.start_date), pd.to_datetime(plans.cease_date)
        active = int(((start <= day) & (cease.isna() | (cease > day))).sum())
        assert readings["plans_trend"].startswith(f"{active:,} EHC plans on the January 2026 census day"), \
            readings["plans_trend"]
        # ... and the DfE's published Coventry figure for January 2025
        assert "the DfE published 3,477 for January 2025" in readings["plans_trend"]

        # special school places: the FOI table's own Total row for the latest year (the pack adds up the schools)
        tot = wh.frame("SELECT time_period, places, la_pupils FROM foi.special_school_places WHERE school_urn = 'Total' "
                       "ORDER BY time_period DESC").iloc[0]
        schools = wh.frame("SELECT count(*) AS n FROM foi.special_school_places WHERE school_urn <> 'Total' "
                           f"AND time_period = {int(tot.time_period)}").iloc[0, 0]
        assert readings["special_school_places"].startswith(
            f"In {S.period(int(tot.time_period))} the LA's {int(schools)} special schools had {int(tot.places):,} places, "
            f"{S.fmt_pct(round(100 * float(tot.la_pupils) / float(tot.places), 1))} filled by the LA's own pupils "
            f"({int(tot.la_pupils):,})"), readings["special_school_places"]

        # average cost per pupil: the latest complete financial year before the as-at date (2024-25), dearest first
        cost = wh.frame("SELECT provision_type, amount, pupils FROM marts.spend_by_provision_type "
                        "WHERE financial_year = '2024-25' AND provision_type <> 'unknown'")
        cost["avg"] = cost.amount.astype(float) / cost.pupils.astype(float)
        top = cost.sort_values("avg", ascending=False).iloc[0]
        assert readings["cost_per_pupil"].startswith(
            f"In 2024-25 the average yearly cost per funded pupil was {S.fmt_money(round(top.avg, 2))} for "
            f"{S.provision(top.provision_type)}"), readings["cost_per_pupil"]
    finally:
        wh.dispose()
    # 20-week timeliness beside England: the DfE's published Coventry and England figures for 2024
    assert readings["timeliness_benchmark"].startswith("61.8% of plans were issued within 20 weeks in 2024, up from "
                                                        "35.1% in 2023; England 45.9%; the region 41%")
    assert readings["timeliness_benchmark"].endswith("(excluding exception cases: 63.4%, England 46.4%).")

    # the public reading of review compliance uses only the months its table publishes, and names the others
    public = _table(packed, "public", "review_compliance").tail(12)
    cols = ["paperwork_on_time", "paperwork_late", "decision_on_time", "decision_late"]
    shown = public[~(public[cols] == "c").any(axis=1)]
    total = {c: shown[c].astype(int).sum() for c in cols}
    reading = packed["result"]["public"]["readings"]["review_compliance"]
    paper = S.fmt_pct(round(100 * total["paperwork_on_time"] / (total["paperwork_on_time"] + total["paperwork_late"]), 1))
    decision = S.fmt_pct(round(100 * total["decision_on_time"] / (total["decision_on_time"] + total["decision_late"]), 1))
    assert f"{paper} of review paperwork met the standard and {decision} of decisions" in reading, reading
    hidden = public[(public[cols] == "c").any(axis=1)].month
    assert len(hidden) > 0  # the small LA has suppressed months
    for month in hidden:
        assert S.month_name(int(month)) in reading


def test_forecast_readings_match_the_marts(packed):
    """The two forecast sections read the baseline forecast's own numbers (marts.forecast_plans/places)."""
    readings = packed["result"]["internal"]["readings"]
    wh = Warehouse(packed["run"].settings.warehouse_url)
    try:
        plans = wh.frame("SELECT census_year, kind, plans, plans_lower, plans_upper, new_plans FROM marts.forecast_plans "
                         "WHERE scenario = 'baseline' AND breakdown = 'total' ORDER BY census_year")
        places = wh.frame("SELECT census_year, kind, special_plans, special_plans_lower, special_plans_upper, places, "
                          "p_demand_exceeds_places FROM marts.forecast_places WHERE scenario = 'baseline' "
                          "ORDER BY census_year")
    finally:
        wh.dispose()
    end, base = plans.iloc[-1], plans[plans.kind == "recorded"].iloc[-1]
    assert (int(end.census_year), int(base.census_year)) == (2031, 2026)
    assert readings["forecast_plans"].startswith(
        f"The forecast projects {round(end.plans):,} EHC plans in January 2031 (interval {round(end.plans_lower):,} to "
        f"{round(end.plans_upper):,}), from {int(base.plans):,} recorded in January 2026"), readings["forecast_plans"]
    # the recorded January 2026 total is every plan active on the census day, as the plans section counts it
    assert f"{int(base.plans):,} EHC plans on the January 2026 census day" in readings["plans_trend"]
    last = places.iloc[-1]
    gap = round(last.special_plans) - int(last.places)
    assert readings["forecast_places"].startswith(
        f"{round(last.special_plans):,} children are projected in state special schools in January 2031 (interval "
        f"{round(last.special_plans_lower):,} to {round(last.special_plans_upper):,}) against {int(last.places):,} places"
        f" in the area's special schools: {abs(gap):,} {'more children than places' if gap > 0 else 'places to spare'}"), \
        readings["forecast_places"]
    assert f"{S.fmt_pct(round(100 * last.p_demand_exceeds_places))} of the simulated runs" in readings["forecast_places"]


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
    assert "Gaps in this chart are suppressed figures" in page  # the charts say where they leave gaps


def test_public_tables_pass_the_foi_audit(packed):
    """The FOI disclosure audit on every public section: no small count shown, no additive group with one
    hidden cell, no hidden cell that can be solved for from the published ones."""
    from send_pipeline.foi.disclosure import audit
    from send_pipeline.pack.build import layout, select_rows

    wh = Warehouse(packed["run"].settings.warehouse_url)
    try:
        for section in S.SECTIONS:
            if not section.counts:
                continue
            raw = select_rows(section, query(wh, packed["run"], section), "public", 5)
            public = _table(packed, "public", section.id)
            assert len(raw) == len(public), section.id
            problems = [p for p in audit(public, raw, layout(section), 5) if "empty cells" not in p]
            assert not problems, (section.id, problems)
    finally:
        wh.dispose()


def test_foi_tables_and_public_pack_pass_the_audit_together(packed):
    """The attacker across tables on the real small LA (issue 16): every FOI CSV and every public pack
    table as written, attacked as one set (the same figure in two tables, sums across them)."""
    from send_pipeline.foi import steps
    from send_pipeline.foi.joint import audit_together
    from send_pipeline.foi.together import parts_of, published_tables

    run = packed["run"]
    steps.export_tables(None, run)
    wh = Warehouse(run.settings.warehouse_url)
    try:
        tables = published_tables(wh, run, 5)
    finally:
        wh.dispose()
    parts, sums = parts_of(tables)
    published = {}
    for name in parts:
        kind, tid = name.split(":")
        path = (run.settings.output_dir / "foi" / f"{tid}.csv") if kind == "foi" else \
            packed["folder"] / "tables" / "public" / f"{tid}.csv"
        published[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert len(published[name]) == len(parts[name].frame), name
    shared = sum(len(p.facts) for p in parts.values())
    assert {"foi:funding_per_child_by_provision", "pack:spend_by_provision", "foi:ehcna_requests_and_plans",
            "pack:requests_and_plans", "pack:timeliness_by_month"} <= set(parts) and shared > 50
    assert audit_together(published, parts, 5, sums) == []


def test_public_html_shows_no_small_count(packed):
    """In the public HTML itself: no count column of any printed table holds 1-4, and no reading quotes a
    count a table suppressed ('c' cells become 'a suppressed number' or the month is left out)."""
    from html.parser import HTMLParser

    from send_pipeline.pack.render import _pretty

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.section, self.cell, self.rows, self.text = None, None, [], ""

        def handle_starttag(self, tag, attrs):
            if tag == "section":
                self.section = dict(attrs)["id"]
            elif tag == "tr":
                self.rows.append((self.section, []))
            elif tag in ("td", "th"):
                self.cell, self.text = tag, ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell:
                self.rows[-1][1].append(self.text.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell:
                self.text += data

    page = Path(packed["result"]["public"]["html"]).read_text()
    parser = Tables()
    parser.feed(page)
    by_id = {s.id: s for s in S.SECTIONS}
    header, checked = {}, 0
    for section_id, cells in parser.rows:
        section = by_id[section_id]
        if section_id not in header or cells == header[section_id]:
            header[section_id] = cells
            continue
        for name, value in zip(header[section_id], cells):
            if name in {_pretty(c) for c in section.counts}:
                checked += 1
                assert value in ("c", "x", "z", "") or not 0 < float(value.replace(",", "")) < 5, (section_id, name, value)
    assert checked > 100


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
    import dataclasses

    with pytest.raises(ValueError, match="the marts are as at 2026-02-01"):
        build_packs("internal", None, "2025-12-01", packed["run"])
    # a scheduled run (as_at blank) a week after the last successful nightly: stale marts, no pack
    later = dataclasses.replace(packed["run"], as_at=date(2026, 2, 8))
    with pytest.raises(ValueError, match="7 days before this run's date 2026-02-08: send_nightly has not succeeded"):
        build_packs("internal", None, None, later)


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
def test_the_pack_sql_runs_on_postgresql(packed, small_la, pg_database, tmp_path, monkeypatch):
    """Every section's query on PostgreSQL, loaded from the same LA: the same rows as on DuckDB."""
    point_at(monkeypatch, small_la, tmp_path, warehouse_url=pg_database)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    run = pipeline.Run(Settings.resolve(), "night_pack_pg", AS_AT)
    pipeline.run_nightly(run)
    from send_pipeline.foi.build import build_foi

    build_foi(run)
    run_forecast(None, None, run)
    pg, duck = Warehouse(run.settings.warehouse_url), Warehouse(packed["run"].settings.warehouse_url)

    def canonical(frame: pd.DataFrame) -> list[tuple]:
        def cell(v):
            if v is None or (isinstance(v, float) and v != v):
                return None
            if isinstance(v, (int, float)) or hasattr(v, "as_tuple"):  # numbers, Decimals
                return pytest.approx(float(v), abs=0.011)  # a mart's pro-rated pennies may round apart
            return str(v)[:10] if hasattr(v, "isoformat") else str(v)

        rows = [tuple(cell(v) for v in row) for row in frame.astype(object).to_numpy().tolist()]
        return sorted(rows, key=lambda r: [str(c.expected if hasattr(c, "expected") else c) for c in r])

    try:
        for section in S.SECTIONS:
            on_pg, on_duck = query(pg, run, section), query(duck, packed["run"], section)
            assert len(on_pg) > 0, section.id
            assert list(on_pg.columns) == list(on_duck.columns), section.id
            if section.id != "quarantine_rates":  # ops.run_log: each warehouse's own runs
                assert canonical(on_pg) == canonical(on_duck), section.id
    finally:
        pg.dispose()
        duck.dispose()


def test_pages_render_to_png(packed, tmp_path):
    """The pages as a reader sees them: the PDF's first pages through pypdfium2 and the HTML through
    headless Chromium (skipped without it), each a real drawing (not blank)."""
    import importlib.util
    import os

    from PIL import Image, ImageStat

    script = Path(__file__).resolve().parents[2] / "scripts" / "render_pack_pages.py"
    spec = importlib.util.spec_from_file_location("render_pack_pages", script)
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    pdf = Path(packed["result"]["public"]["pdf"])
    pngs = render.render_pdf(pdf, tmp_path, [1, 5])
    assert len(pngs) == 2
    for png in pngs:
        image = Image.open(png).convert("L")
        assert image.size[0] < image.size[1]  # portrait
        assert ImageStat.Stat(image).stddev[0] > 20  # ink on the page
    if not Path(os.environ.get("SEND_TEST_CHROMIUM", "/usr/bin/chromium")).exists():
        pytest.skip("no Chromium: the HTML screenshot is not checked")
    shot = render.render_html(Path(packed["result"]["public"]["html"]), tmp_path)
    assert shot and ImageStat.Stat(Image.open(shot).convert("L")).stddev[0] > 20


def test_no_personal_data_and_no_officer_keys_in_public(packed):
    """Neither version holds a person key, name or UPN; the public one shows co-ordinators by rank only."""
    wh = Warehouse(packed["run"].settings.warehouse_url)
    try:
        person_keys = set(wh.frame("SELECT person_key FROM marts.person").person_key)
        officer_keys = set(wh.frame("SELECT DISTINCT officer_key FROM marts.coordinator_caseload").officer_key)
        people = wh.frame("SELECT upn, forename, surname FROM core.person")
    finally:
        wh.dispose()
    tokens = lambda text: set(re.findall(r"[A-Za-z0-9]{6,}", text))  # noqa: E731
    upns = {u for u in people.upn if isinstance(u, str) and u}
    names = {f"{f} {s}" for f, s in zip(people.forename, people.surname)}
    for audience in ("internal", "public"):
        page = Path(packed["result"][audience]["html"]).read_text()
        words = tokens(page)
        assert not words & person_keys and not words & upns, audience
        assert not any(n in page for n in names), audience
    public = Path(packed["result"]["public"]["html"]).read_text()
    assert not tokens(public) & officer_keys
    table = _table(packed, "public", "overdue_by_coordinator")
    assert "role" not in table.columns and table.officer_key.str.startswith("Co-ordinator ").all()
    assert set(_table(packed, "internal", "overdue_by_coordinator").officer_key) <= officer_keys


def test_a_hidden_year_total_hides_its_months():
    """A year's total is published elsewhere (the requests section): when disclosure control hides it here,
    every month of that year is hidden too, so no month is the difference of the published year."""
    from send_pipeline.pack.build import protect

    section = next(s for s in S.SECTIONS if s.id == "timeliness_by_month")
    frame = pd.DataFrame({"year": [2025] * 3, "month": ["202501", "202502", "Total"]})
    for total, within, not_within in (("plans_issued", "within_20_weeks", "not_within_20_weeks"),
                                      ("plans_issued_ex", "within_20_weeks_ex", "not_within_20_weeks_ex")):
        frame[total], frame[within], frame[not_within] = [0, 2, 2], [0, 2, 2], [0, 0, 0]
    public = protect(section, frame, "public", 5)
    assert list(public.plans_issued) == ["c", "c", "c"]  # the 0 month too: the year (2) is hidden
    internal = protect(section, frame, "internal", 5)
    assert list(internal.plans_issued) == [0, 2, 2]
