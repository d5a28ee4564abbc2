"""Every defect the generator injects ends as a quarantined row with a reason, a recorded warning, or a
documented normalisation, and the run still reconciles: nothing is lost silently."""
from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from tests.helpers import point_at

# kind -> what must happen to the row
EXPECTED = {
    ("cms", "missing_upn"): "warned",              # the person is real; SEN2 validation asks for the UPN
    ("cms", "bad_upn_check_letter"): "warned",
    ("cms", "unknown_urn"): "quarantined",         # a placement at no known school cannot be reported or costed
    ("cms", "decision_before_received"): "quarantined",
    ("cms", "cease_before_start"): "quarantined",
    ("cms", "orphan_placement"): "quarantined",
    ("cms", "orphan_request"): "quarantined",
    ("tracker", "unknown_urn"): "warned",          # review kept; school roll-ups show the URN as unknown
    ("tracker", "meeting_after_decision"): "quarantined",
    ("tracker", "orphan_cms_id"): "quarantined",
    ("tracker", "impossible_date"): "quarantined",
    ("tracker", "duplicate_row"): "quarantined",
    ("tracker", "na_in_date"): "loaded_no_date",   # `n/a` is how people type "no date" in trackers
    ("tracker", "stale_tbc"): "loaded_no_date",    # still TBC long after: a compliance finding, not bad data
    ("tracker", "review_type_format"): "loaded_normalised",
    ("ledger", "duplicate_row"): "quarantined",
    ("ledger", "unknown_urn"): "warned",           # money kept so totals stay right; flagged for finance
    ("ledger", "amount_typo"): "quarantined",
}


@pytest.fixture(scope="module")
def defective_run(defective_la, tmp_path_factory):
    from send_pipeline.nightly.steps import Run, run_nightly
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.kernel.warehouse import Warehouse

    work = tmp_path_factory.mktemp("defects")
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, defective_la, work)
        run_nightly(Run(Settings.resolve(), "defects_night", date(2026, 2, 1)))
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    yield wh, work
    wh.dispose()


def _ledger_rows(inbox):
    where = {}
    for path in sorted(inbox.glob("finance_ledger_*.csv")):
        with open(path, encoding="cp1252", newline="") as handle:
            for number, rec in enumerate(csv.DictReader(handle), start=2):
                where.setdefault(rec["Transaction ID"], []).append((path.name, number))
    return where


def test_every_injected_defect_is_caught(defective_run, defective_la):
    wh, _ = defective_run
    defects = json.loads((defective_la / "defects.json").read_text())
    assert {(d["source"], d["kind"]) for d in defects} == set(EXPECTED)
    quarantined = {(r.entity, r.source_file, int(r.source_row)) for r in wh.frame(
        "SELECT entity, source_file, source_row FROM ops.quarantine").itertuples()}
    warned = {(r.entity, r.source_file, int(r.source_row)) for r in wh.frame(
        "SELECT entity, source_file, source_row FROM ops.quality_warning").itertuples()}
    ledger = _ledger_rows(defective_la / "inbox")
    cms_entity = {"cms_person": "person", "cms_request": "request", "cms_placement": "placement", "cms_plan": "plan"}
    missed = []
    for d in defects:
        outcome = EXPECTED[(d["source"], d["kind"])]
        if d["source"] == "cms":
            places = [(cms_entity[d["entity"]], d["entity"], int(d["key"]))]
        elif d["source"] == "tracker":
            places = [("review", d["file"], int(d["key"]))]
        else:
            places = [("ledger_line", f, n) for f, n in ledger[d["key"]]]
        if outcome == "quarantined":
            ok = any(p in quarantined for p in places)
        elif outcome == "warned":
            ok = any(p in warned for p in places)
        else:
            ok = not any(p in quarantined for p in places)
        if not ok:
            missed.append((d["source"], d["kind"], d.get("file") or d.get("entity"), d["key"], outcome))
    assert missed == []


def test_normalised_and_no_date_rows_load_as_documented(defective_run, defective_la):
    wh, _ = defective_run
    defects = json.loads((defective_la / "defects.json").read_text())
    kinds = {d["kind"] for d in defects if d["source"] == "tracker"}
    assert {"review_type_format", "na_in_date"} <= kinds
    types = set(wh.frame("SELECT DISTINCT review_type FROM core.review").review_type)
    assert types <= {"Annual", "Phase Transfer", "Early", "Emergency"}


def test_reconciliation_holds_and_reasons_are_precise(defective_run):
    wh, work = defective_run
    log = wh.frame("SELECT * FROM ops.run_log WHERE run_id = 'defects_night'")
    assert (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all()
    assert log.rows_quarantined.sum() > 0
    reasons = wh.frame("SELECT reason, source_file, source_row FROM ops.quarantine")
    assert reasons.reason.str.len().min() > 15 and reasons.source_file.notna().all()
    files = list((work / "output" / "quality" / "defects_night" / "quarantine").glob("*.csv"))
    assert files and all(oct(f.stat().st_mode & 0o777) == "0o600" for f in files)


def test_rows_quarantined_upstream_stay_out_of_the_marts(defective_run):
    wh, _ = defective_run
    quarantined_reviews = wh.scalar("SELECT COUNT(*) FROM ops.quarantine WHERE entity = 'review'")
    assert quarantined_reviews > 0
    assert wh.scalar("SELECT COUNT(*) FROM marts.annual_reviews") == wh.scalar("SELECT COUNT(*) FROM core.review")
    assert wh.scalar("SELECT COUNT(*) FROM marts.ehcna_requests") == wh.scalar("SELECT COUNT(*) FROM core.request")
