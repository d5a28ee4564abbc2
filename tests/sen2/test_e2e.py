"""End to end on small generated LAs: run_nightly loads the warehouse, build_return makes the return."""
from __future__ import annotations

import csv
import json
from pathlib import Path


def _report(result):
    with open(result["validation_csv"], newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_clean_generated_la_is_ready_to_submit(sen2_small_run):
    result = sen2_small_run["result"]
    assert result["errors"] == 0, [r for r in _report(result) if r["severity"] == "error"][:5]
    assert result["ready_to_submit"] and result["xsd_errors"] == 0 and result["reconciled"]
    assert result["counts"]["active_plans"] > 100 and result["counts"]["requests"] > result["counts"]["active_plans"]


def test_defective_la_report_finds_the_injected_upn_defects(sen2_defective_run):
    run = sen2_defective_run
    result = run["result"]
    defects = json.loads((run["la"] / "defects.json").read_text())
    report = _report(result)
    flagged = {(r["rule"], r["cms_person_id"]) for r in report}
    in_file = {r["cms_person_id"] for r in report} | _people_in_file(run)
    wanted = {"bad_upn_check_letter": "PER01", "missing_upn": "PER06"}
    injected = [d for d in defects if d["source"] == "cms" and d["kind"] in wanted]
    in_scope = [d for d in injected if str(d["key"]) in in_file]
    assert in_scope, "no injected UPN defect reached the return: make the generated LA bigger"
    missed = [d for d in in_scope if (wanted[d["kind"]], str(d["key"])) not in flagged]
    assert missed == []
    assert not result["ready_to_submit"] and result["errors"] > 0


def _people_in_file(run) -> set[str]:
    from send_pipeline.sen2 import build

    tables = build.load_tables(Path(run["result"]["xml"]).parent / ".work")
    return {str(int(p)) for p in tables["person"]["person_id"]}


def test_generated_la_file_and_warehouse_agree_on_every_dfe_measure(sen2_small_run):
    """The nightly run's marts.dfe_measures and the return's own measures (dfe_measures.csv), same LA, same
    census day (15 January 2026): every table, period, breakdown and column, both ways."""
    import pandas as pd

    from send_pipeline.kernel.warehouse import Warehouse

    result, settings = sen2_small_run["result"], sen2_small_run["settings"]
    keys = ["dfe_table", "time_period", "breakdown_topic", "breakdown", "measure"]
    xml = pd.read_csv(result["dfe_measures_csv"], dtype=str, keep_default_na=False)
    wh = Warehouse(settings.warehouse_url)
    try:
        marts = wh.frame("SELECT dfe_table, time_period, breakdown_topic, breakdown, measure, value FROM marts.dfe_measures "
                         "WHERE time_period IN (2025, 202526)")
    finally:
        wh.dispose()
    marts["time_period"] = marts["time_period"].astype(int).astype(str)
    both = xml.merge(marts, on=keys, how="outer", suffixes=("_xml", "_marts"), indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"].head(10)
    a, b = pd.to_numeric(both["value_xml"].replace({"": None})), pd.to_numeric(both["value_marts"])
    differ = both[~((a == b) | (a.isna() & b.isna()))]
    assert differ.empty, differ.head(10)
    assert len(both) > 2000 and set(both.dfe_table) >= {"requests", "caseload", "annual_reviews", "ceased_plans"}
