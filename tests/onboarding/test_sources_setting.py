"""SEND_SOURCES: which sources a night runs. A source left out is skipped with a log line (its steps
succeed, touching nothing), the run summary does not expect it, and the health view shows it as
"not configured" (never stale, never an alert)."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime

import pytest

from send_pipeline.kernel.settings import Settings, source_names
from send_pipeline.nightly import steps
from send_pipeline.nightly.sources import SOURCE_ORDER, selected
from send_pipeline.ops import health


def _settings(tmp_path, sources: str | None) -> Settings:
    return Settings(cms_url="sqlite:////nonexistent/cms.db", warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}",
                    inbox_dir=tmp_path / "missing_inbox", output_dir=tmp_path / "out", landing_dir=tmp_path / "landing",
                    la_code="331", pseudonym_secret=b"x" * 32, sources=source_names(sources))


def test_the_setting_is_read_checked_and_ordered(tmp_path, monkeypatch):
    assert source_names(" Schools, sen2_returns ,,schools") == ("schools", "sen2_returns")
    # default: every source but sen2_returns (which runs when named), in load order
    assert selected(_settings(tmp_path, None)) == tuple(s for s in SOURCE_ORDER if s != "sen2_returns")
    assert selected(_settings(tmp_path, "sen2_returns,gias,reviews,ledger,dfe_release,banding")) == (
        "stats", "schools", "banding", "sen2_returns", "reviews", "ledger")  # module names are accepted too
    with pytest.raises(ValueError, match="'cmss', not a source"):
        selected(_settings(tmp_path, "cmss,schools"))
    monkeypatch.setenv("SEND_SOURCES", "sen2_returns,schools")
    assert Settings.resolve().sources == ("sen2_returns", "schools")


def test_a_source_left_out_is_skipped_with_a_log_line_not_failed(tmp_path, caplog):
    from send_pipeline.kernel.run import Run

    run = Run(_settings(tmp_path, "schools,sen2_returns"), "skip_night", date(2026, 2, 1))
    with caplog.at_level(logging.INFO, logger="send_pipeline.nightly.steps"):
        for step in (steps.extract_source, steps.validate_source, steps.load_source):
            # the CMS URL and the inbox do not exist: a step that ran would fail
            assert step("cms", run) == {"skipped": "cms is not in SEND_SOURCES"}
    assert caplog.text.count("source cms skipped: not in SEND_SOURCES (schools, sen2_returns)") == 3
    assert not (tmp_path / "landing").exists()


def test_health_shows_a_source_left_out_as_not_configured(tmp_path):
    from send_pipeline.kernel.warehouse import Warehouse

    settings = _settings(tmp_path, "schools,sen2_returns")
    wh = Warehouse(settings.warehouse_url)
    try:
        wh.ensure()
        snap = health.collect(wh, settings, None, now=datetime(2026, 2, 1, 6))
    finally:
        wh.dispose()
    by = {s["source"]: s for s in snap["sources"]}
    assert by["cms"]["configured"] is False and by["cms"]["stale"] is False
    assert by["schools"]["configured"] is True and by["schools"]["stale"] is True  # named, never loaded
    assert [b["what"].split()[1] for b in health.breaches(snap)] == ["schools", "sen2_returns"]
    page = health.render(snap)
    assert page.count("<td>not configured</td>") == len(SOURCE_ORDER) - 2
    default = replace(settings, sources=())
    assert {s["source"]: s["configured"] for s in health.collect(Warehouse(settings.warehouse_url), default)["sources"]} == {
        s: s != "sen2_returns" for s in SOURCE_ORDER}


@pytest.mark.parametrize("name, text, says", [
    ("SEN2_331_2026.xml", "XXE", "SEN2_331_2026.xml"),
    ("Blade-Export_28-01-2026_person.csv", "persontableid\n", "Blade-Export_28-01-2026_*.csv: export incomplete, no sen2"),
])
def test_a_file_that_is_no_return_stops_the_source_naming_it(tmp_path, name, text, says):
    from send_pipeline.kernel.errors import SourceUnusable
    from send_pipeline.kernel.run import Run
    from tests.sen2.test_reader import XXE

    settings = replace(_settings(tmp_path, "sen2_returns"), inbox_dir=tmp_path / "inbox")
    settings.inbox_dir.mkdir()
    (settings.inbox_dir / name).write_text(XXE if text == "XXE" else text)
    with pytest.raises(SourceUnusable, match=says.replace("*", r"\*")):
        steps.extract_source("sen2_returns", Run(settings, "bad_return", date(2026, 2, 1)))
    assert not list((tmp_path / "landing").rglob("raw.parquet"))  # nothing landed, no temp files left
    assert not list((tmp_path / "landing").glob(".sen2_returns-*"))
