"""The SEND data health figures and view without a running Airflow: the snapshot a night writes, the
per-source freshness, the breaches, the page (nothing personal), the login check and the Data Docs
served with their sample values withheld."""
from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest

from send_pipeline.ops import health
from send_pipeline.nightly import steps as pipeline
from send_pipeline.kernel.settings import Settings
from tests.helpers import point_at

# fastapi's TestClient warns that starlette prefers httpx2 (not installed; httpx works)
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


def _snapshot(**over) -> dict:
    snap = {
        "generated_at": "2026-02-01T03:00:00", "la_code": "331", "run_id": "night2",
        "thresholds": {"quarantine_share": 0.05, "freshness_hours": 36},
        "runs": [{"run_id": "night2", "as_at": "2026-02-01", "finished": "2026-02-01 02:40:00", "rows_extracted": 1200,
                  "rows_loaded": 1100, "rows_quarantined": 100, "rows_warned": 7, "reconciled": True,
                  "entities": [{"source": "cms", "entity": "person", "mode": "incremental", "extracted": 1000,
                                "loaded": 900, "quarantined": 100, "warned": 7, "reconciled": True},
                               {"source": "cms", "entity": "plan", "mode": "incremental", "extracted": 200,
                                "loaded": 150, "quarantined": 0, "warned": 0, "reconciled": False}]}],
        "sources": [{"source": "cms", "last_loaded": "2026-02-01 02:30:00", "last_checked": "2026-02-01 02:30:00",
                     "hours_since_load": 0.5, "freshness_hours": 36.0, "stale": False},
                    {"source": "ledger", "last_loaded": None, "last_checked": None, "hours_since_load": None,
                     "freshness_hours": 840.0, "stale": True}],
        "top_quarantine_reasons": [{"entity": "person", "rule": "expect_column_values_to_match_regex",
                                    "column": "upn", "rows": 100}],
        "gx": {"run_id": "night2", "entities": [{"entity": "person", "evaluated": 9, "failed": 1}],
               "data_docs": ["quality/night2/data_docs/cms/index.html"]},
        "sen2": {"year": "2026", "errors": 3, "queries": 5, "checked": "2026-01-15T07:10:00",
                 "by_rule": [{"severity": "error", "rule": "1510", "rows": 3}]},
        "foi": {"refreshed": "2026-02-01T03:10:00", "tables": 12},
    }
    snap.update(over)
    return snap


def test_breaches_name_the_entity_the_rule_and_the_threshold():
    found = health.breaches(_snapshot())
    kinds = [b["kind"] for b in found]
    assert kinds == ["quarantine_share", "reconciliation", "stale_source"]
    assert "person: 100 of 1000 rows quarantined (10.0%, threshold 5%)" == found[0]["what"]
    assert "plan: 200 extracted != 150 loaded + 0 quarantined" == found[1]["what"]
    assert "source ledger last loaded never (expected within 840 hours)" == found[2]["what"]


def test_the_page_shows_every_section_and_counts_only():
    page = health.render(_snapshot(), docs_base="docs/")
    for text in ("Last runs of send_nightly", "1,200", "1,100", "night2", "Sources' freshness", "STALE",
                 "Top quarantine reasons", "expect_column_values_to_match_regex", "upn", "Great Expectations",
                 "href='docs/quality/night2/data_docs/cms/index.html'", "NOT READY TO SUBMIT", "errors 3",
                 "queries 5", "1510", "FOI tables", "refreshed 2026-02-01T03:10:00", "12 tables"):
        assert text in page, text
    assert "<script" not in page
    assert "No health snapshot yet" in health.render(None)


def test_freshness_per_source(monkeypatch):
    for name in ("SEND_FRESHNESS_HOURS", "SEND_FRESHNESS_HOURS_CMS", "SEND_FRESHNESS_HOURS_STATS"):
        monkeypatch.delenv(name, raising=False)
    assert health.freshness_hours("cms") == 36 and health.freshness_hours("stats") == 9600
    monkeypatch.setenv("SEND_FRESHNESS_HOURS", "48")
    monkeypatch.setenv("SEND_FRESHNESS_HOURS_STATS", "10")
    assert health.freshness_hours("cms") == 48 and health.freshness_hours("stats") == 10
    assert health.freshness_hours("schools") == 192  # its own cadence, not the nightly default


def test_two_nights_snapshot_freshness_and_no_false_alarm(small_la, tmp_path, monkeypatch):
    """Night 2 finds the same files (skipped as already loaded): no reconciliation alarm; three days
    later the CMS is stale but the weekly GIAS extract and the yearly banding rates are not."""
    point_at(monkeypatch, small_la, tmp_path)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    for name in ("SEND_FRESHNESS_HOURS", "SEND_ALERT_QUARANTINE_SHARE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.resolve()
    for run_id in ("night1", "night2"):
        run = pipeline.Run(settings, run_id, date(2026, 2, 1))
        for source in ("schools", "banding", "cms"):
            pipeline.extract_source(source, run)
            pipeline.validate_source(source, run)
            pipeline.load_source(source, run)
    wh = run.warehouse()
    try:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        snap = health.collect(wh, settings, "night2", now=now)
        later = health.collect(wh, settings, "night2", now=now + timedelta(days=3))
    finally:
        wh.dispose()
    assert [r["run_id"] for r in snap["runs"]] == ["night2", "night1"]
    night2 = {e["entity"]: e for e in snap["runs"][0]["entities"]}
    assert night2["school"]["mode"] == "unchanged" and night2["person"]["reconciled"]
    assert snap["runs"][1]["rows_extracted"] > 0
    kinds = {(b["kind"], b["what"].split(" ")[1]) for b in health.breaches(snap) if b["kind"] == "stale_source"}
    assert {k for k, _ in kinds} <= {"stale_source"}
    assert not [b for b in health.breaches(snap) if b["kind"] in ("reconciliation", "quarantine_share")]
    stale_now = {s["source"] for s in snap["sources"] if s["stale"]}
    assert stale_now == {"stats", "reviews", "ledger"}  # never loaded in this test
    stale_later = {s["source"] for s in later["sources"] if s["stale"]}
    assert stale_later == {"stats", "reviews", "ledger", "cms"}
    # the snapshot file: owner-only, and nothing of a person in it
    path = health.write_snapshot(settings, snap)
    assert path.stat().st_mode & 0o077 == 0
    with sqlite3.connect(small_la / "cms.db") as db:
        people = [str(v) for row in db.execute("SELECT forename, surname, upn, uln, postcode FROM cms_person")
                  for v in row if v and len(str(v)) >= 4]
    text = path.read_text() + health.render(snap)
    assert not [p for p in people if p in text]


@pytest.fixture
def client(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from send_pipeline.ops import health_app

    monkeypatch.setenv("SEND_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("SEND_DATA_DIR", str(tmp_path))
    settings = Settings.resolve()
    health.write_snapshot(settings, _snapshot())
    yield TestClient(health_app.app), settings, health_app
    health_app.app.dependency_overrides.clear()


def test_the_view_refuses_anyone_not_logged_in(client):
    """Outside a running API server there is no auth manager: the check fails closed."""
    http, _, _ = client
    for path in ("/", "/snapshot.json", "/docs/quality/night2/data_docs/cms/index.html"):
        response = http.get(path)
        assert response.status_code == 401 and "1,200" not in response.text, path
    assert http.get("/", headers={"Authorization": "Bearer forged"}).status_code in (401, 403)


def test_the_view_for_a_logged_in_user_and_its_data_docs_withhold_values(client):
    http, settings, health_app = client
    health_app.app.dependency_overrides[health_app.logged_in_user] = lambda: {"user": "tester"}
    page = http.get("/")
    assert page.status_code == 200 and "1,200" in page.text and page.headers["cache-control"] == "no-store"
    assert json.loads(http.get("/snapshot.json").text)["runs"][0]["rows_extracted"] == 1200

    # real Data Docs of a failed expectation show the failing value; the view withholds it
    import pandas as pd

    from send_pipeline.nightly.validate import expectations as quality

    docs = settings.output_dir / "quality" / "night2" / "data_docs" / "schools"
    validator = quality.Validator(docs)
    frame = pd.DataFrame({"urn": [100001, 100002], "la_code": ["331", "331"], "name": ["a", "b"],
                          "type_group": ["x", "x"], "status": ["open", "open"], "phase": ["p", "p"],
                          "ukprn": ["10000001", "PERSONALVALUE9"], "capacity": [10, 20]})
    outcome = validator.validate("school", frame, {})
    validator.build_docs()
    results = settings.output_dir / "quality" / "night2" / "validation"  # as the nightly saves them (no values)
    results.mkdir(parents=True)
    (results / "school.json").write_text(json.dumps(outcome.result_json, default=str))
    pages = [p for p in docs.rglob("*.html") if "PERSONALVALUE9" in p.read_text()]
    assert pages, "GX no longer renders sample values: this test needs a new example"
    for p in pages:
        served = http.get("/docs/" + str(p.relative_to(settings.output_dir)))
        assert served.status_code == 200 and "PERSONALVALUE9" not in served.text
        assert "sample values withheld" in served.text and "ukprn" in served.text
    assert http.get("/docs/quality/night2/data_docs/schools/index.html").status_code == 200
    # only Data Docs: not the snapshot, not quarantine files, nothing outside the output folder
    (settings.output_dir / "quality" / "night2" / "quarantine").mkdir(parents=True)
    (settings.output_dir / "quality" / "night2" / "quarantine" / "person.csv").write_text("x")
    for path in ("/docs/health/health.json", "/docs/quality/night2/quarantine/person.csv",
                 "/docs/quality/night2/data_docs/../quarantine/person.csv", "/docs/../../etc/passwd"):
        assert http.get(path).status_code == 404, path


def test_consortium_mode_shows_each_la(tmp_path, monkeypatch):
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from send_pipeline.ops import health_app

    monkeypatch.setenv("SEND_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("SEND_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SEND_LAS", "331,332")
    settings = Settings.resolve()
    health.write_snapshot(replace(settings, output_dir=settings.output_dir / "331"), _snapshot(la_code="331"))
    docs = settings.output_dir / "332" / "quality" / "night2" / "data_docs" / "cms"
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<html>suite results</html>")
    health_app.app.dependency_overrides[health_app.logged_in_user] = lambda: {"user": "tester"}
    try:
        http = TestClient(health_app.app)
        page = http.get("/").text
        assert "LA 331" in page and "1,200" in page and "LA 332" in page and "No health snapshot yet" in page
        assert "href='docs/331/quality/night2/data_docs/cms/index.html'" in page
        assert set(http.get("/snapshot.json").json()) == {"331", "332"}
        served = http.get("/docs/332/quality/night2/data_docs/cms/index.html").text  # rebuilt, with the results
        assert served.startswith("<!DOCTYPE html><html>suite results") and "Validation results: cms" in served
        assert http.get("/docs/333/quality/night2/data_docs/cms/index.html").status_code == 404
    finally:
        health_app.app.dependency_overrides.clear()
