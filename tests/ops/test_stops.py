"""Truthful operations without a scheduler: a stop is kept with what to do until that source loads
again; the alert says what to do about this stop; the health view judges freshness when it is read,
is red on an incomplete night, and draws its charts without markup from the data."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from send_pipeline.kernel.errors import FilesStopped, SourceUnusable
from send_pipeline.kernel.settings import Settings
from send_pipeline.ops import alerts, health, stops
from tests.ops.test_health import _snapshot

BAD = "annual_reviews_2026-27.xlsx"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SEND_OUTPUT_DIR", str(tmp_path / "output"))
    return Settings.resolve()


class _DagRun:
    run_id = "scheduled__2026-02-02T02:00:00+00:00"
    start_date = None
    run_after = datetime(2026, 2, 2, 2)


def _context() -> dict:
    return {"dag_run": _DagRun(), "params": {}, "logical_date": datetime(2026, 2, 2, 2)}


def test_a_stop_is_kept_with_what_to_do_until_the_source_loads_again(settings):
    from airflow.sdk.exceptions import AirflowFailException

    from send_pipeline.orchestration import runtime

    def load_source(source, run):
        raise FilesStopped(f"{BAD}: not a readable .xlsx workbook (ZipError) (1 file(s) of reviews not loaded; "
                           "its other files were)", [BAD])

    with pytest.raises(AirflowFailException) as failed:
        runtime.call(load_source, "reviews", context=_context())
    message = str(failed.value)
    assert message.splitlines()[0].startswith(BAD)
    todo = alerts.what_to_do(failed.value)
    assert todo.startswith(f"replace {BAD} in the inbox") and "clear reviews.load_source" in todo
    kept = stops.read(settings)
    assert set(kept) == {"reviews"} and kept["reviews"]["run_id"] == _DagRun.run_id
    assert oct(stops.path(settings).stat().st_mode & 0o777) == "0o600"

    def extract_source(source, run):  # the next night's extract succeeds: still stopped until it loads
        return {}

    runtime.call(extract_source, "reviews", context=_context())
    assert set(stops.read(settings)) == {"reviews"}

    def load_source(source, run):  # noqa: F811 (the same step, succeeding this time)
        return {"review": {"loaded": 3}}

    runtime.call(load_source, "reviews", context=_context())
    assert stops.read(settings) == {}


def test_a_stopped_step_and_a_library_error_are_kept_scrubbed(settings):
    from send_pipeline.orchestration import runtime

    def build_marts(run):
        raise ValueError("person upn A123456789012 dob 12/03/2015: bad")

    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException) as failed:  # a permanent error: not retried
        runtime.call(build_marts, context=_context())
    assert str(failed.value).splitlines()[-1].startswith("What to do: read the task log")
    kept = stops.read(settings)["build_marts"]
    assert "A123456789012" not in kept["message"] and "12/03/2015" not in kept["message"]
    assert "task log" in kept["what_to_do"]


def test_the_alert_carries_the_stops_own_what_to_do():
    exc = RuntimeError("gias.csv: 'URN' missing\nWhat to do: correct or re-export the schools extract named above")
    alert = alerts.Alert("task_failed", "send_nightly", "schools.load_source", "r1", alerts.safe_message(exc), "http://x",
                         alerts.what_to_do(exc))
    lines = alert.text().splitlines()
    assert lines[-1] == "What to do: correct or re-export the schools extract named above"
    assert "runbook" not in lines[-1]
    plain = alerts.Alert("task_failed", "send_nightly", "x", "r1", "boom", "http://x")
    assert "runbook" in plain.text().splitlines()[-1]  # an error with no advice of its own


def test_what_to_do_is_specific_to_the_kind_of_stop():
    assert stops.what_to_do(FilesStopped("x", ["a.xlsx", "b.xlsx"]), "reviews").startswith("replace a.xlsx, b.xlsx")
    assert "re-export the cms extract" in stops.what_to_do(SourceUnusable("x"), "cms")
    assert "runbook" not in stops.what_to_do(KeyError("x"), "build_marts")


def test_freshness_is_judged_when_the_view_is_read(settings):
    snap = _snapshot()
    read_then = health.live(snap, settings, now=datetime(2026, 2, 1, 3, 0))
    assert [s["stale"] for s in read_then["sources"]] == [False, True]
    assert read_then["sources"][0]["hours_since_load"] == 0.5
    # the scheduler stopped: three days later, with no new night, the CMS is stale (was green for ever)
    later = health.live(snap, settings, now=datetime(2026, 2, 4, 3, 0))
    assert later["sources"][0] == {**snap["sources"][0], "hours_since_load": 72.5, "stale": True}
    assert "source cms last loaded 2026-02-01 02:30:00 (expected within 36 hours)" in [
        b["what"] for b in health.breaches(later)]


def test_a_failed_night_is_red_with_the_reason_and_what_to_do(settings):
    stops.record(settings, "reviews", "night3", FilesStopped(f"{BAD}: not a readable .xlsx workbook", [BAD]),
                 f"{BAD}: not a readable .xlsx workbook (ZipError)")
    run = {**_snapshot()["runs"][0], "run_id": "night3", "reconciled": False, "missing": [], "partial": ["review"]}
    snap = health.live(_snapshot(runs=[run], run_id="night3"), settings, now=datetime(2026, 2, 1, 3, 0))
    found = health.breaches(snap)
    assert found[0]["kind"] == "stopped" and BAD in found[0]["what"] and "night3" in found[0]["what"]
    assert found[0]["todo"].startswith(f"replace {BAD}")
    assert {k: found[1][k] for k in ("kind", "what")} == {"kind": "incomplete_run", "what": "run night3 did not complete: review loaded only in part "
                        "(files stopped); the marts stay as at the last complete night"}
    page = health.render(snap)
    attention = page.split("Needs attention", 1)[1].split("<h2>", 1)[0]
    assert BAD in attention and "What to do: replace" in attention and ">none<" not in attention
    assert "NO (files stopped)" in page
    missing = {**run, "partial": [], "missing": ["ledger_line"]}
    assert "NO (incomplete)" in health.render(health.live(_snapshot(runs=[missing]), settings))


def test_the_charts_show_30_nights_and_escape_what_they_draw(settings):
    nights = [{"run_id": f"n{i}", "as_at": str(date(2026, 1, 1) + timedelta(days=i)), "rows_extracted": 100,
               "rows_loaded": 90 + i, "rows_quarantined": 10 if i == 3 else 0, "reconciled": i != 5,
               "duration_s": None if i == 7 else 30.0 + i} for i in range(30)]
    nights[0]["run_id"] = "</table><script>alert(1)</script>"
    snap = health.live(_snapshot(history=list(reversed(nights))), settings, now=datetime(2026, 2, 1, 3))
    page = health.render(snap)
    charts = page.split("<div class='charts'>", 1)[1].split("</div>", 1)[0]
    assert charts.count("<svg") == 4 and "<script" not in charts and "&lt;script&gt;" in charts
    rows, share, duration, fresh = charts.split("<figure>")[1:]
    assert rows.count("<rect") == 30 and rows.count("fill='#b00020'") == 1  # the night that did not complete
    assert "n3): 10%" in share and share.count("fill='#b00020'") == 1 and "stroke-dasharray" in share  # 10% > 5%; the threshold
    assert "n7): unknown" in duration and "n8): 38 s" in duration
    assert re.search(r"ledger: unknown", fresh) and "cms: 0.5 h" in fresh


def test_a_night_records_its_duration_in_the_history(settings, small_la, tmp_path, monkeypatch):
    import time

    from send_pipeline.kernel.run import Run
    from send_pipeline.nightly import steps
    from tests.helpers import point_at

    point_at(monkeypatch, small_la, tmp_path / "work")
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    started = time.time()
    steps.run_nightly(Run(Settings.resolve(), "night1", date(2026, 2, 1), started_at=started))
    snap = health.read_snapshot(Settings.resolve())
    assert [h["run_id"] for h in snap["history"]] == ["night1"] and snap["history"][0]["missing"] == []
    assert 0 < snap["history"][0]["duration_s"] < time.time() - started + 1
