"""The nightly run's steps, each a plain function of (…, Run) returning a small JSON-able summary, so
the DAG passes nothing heavy through XCom: steps meet in the raw landing (Parquet) and the warehouse.

    extract_source → validate_source → load_source   per source, in SOURCE_ORDER (nightly/sources/)
    build_reconciled_marts (the DAG's build_marts) → pool_consortium, reconcile_run → purge_expired

The marts are rebuilt only by a night whose every entity loaded and reconciled (a failed night
publishes nothing: the DAG's build_marts fails, so the send_marts asset and foi_tables do not follow).

Each stage lives in its own module (extract/, validate/, load.py, marts.py); this one names the steps
the DAG and the command line call, and runs a whole night without Airflow (`run_nightly`).

SEND_SOURCES picks the sources a night runs (default: every one): a source left out is skipped with a
log line by each of its three steps (its tasks succeed), and the run summary does not expect it.
"""
from __future__ import annotations

import logging
import time

from send_pipeline.kernel import files
from send_pipeline.kernel.errors import MartsRefused
from send_pipeline.kernel.run import Run
from send_pipeline.nightly import extract, load, validate
from send_pipeline.nightly.marts import build_marts, last_built_as_at
from send_pipeline.nightly.sources import entity_names, selected

log = logging.getLogger(__name__)

__all__ = ["extract_source", "validate_source", "load_source", "build_marts", "build_reconciled_marts",
           "pool_consortium", "reconcile_run", "purge_expired", "run_problems", "run_source", "run_nightly", "summarise_run", "check_health"]


RUN_LOG = ("SELECT source, entity, extract_mode, rows_extracted, rows_loaded, rows_quarantined, rows_warned, "
           "reconciled, status FROM ops.run_log WHERE run_id = :r ORDER BY source, entity")


def expected_entities(settings=None) -> dict[str, str]:
    """Every entity a night loads, with its source, in load order: the sources SEND_SOURCES selects
    (nightly/sources/ `selected`), every default source when no settings are given."""
    from send_pipeline.nightly.sources import SOURCE_ORDER, SOURCES

    sources = selected(settings) if settings is not None else [s for s in SOURCE_ORDER if SOURCES[s].by_default]
    return {name: source for source in sources for name in entity_names(source)}


def run_problems(frame, settings=None) -> dict[str, list[str]]:
    """What of this run's ops.run_log falls short: {'missing': entities with no load recorded,
    'unreconciled': entities recorded failed or not reconciled, 'partial': entities whose source had
    files stopped (the others loaded)}."""
    recorded = set(frame["entity"]) if len(frame) else set()
    bad = set(frame.loc[~frame["reconciled"].fillna(False).astype(bool) | (frame["status"] == "failed"), "entity"]) \
        if len(frame) else set()
    partial = set(frame.loc[frame["status"] == "partial", "entity"]) if len(frame) else set()
    expected = list(expected_entities(settings))  # in load order
    return {"missing": [e for e in expected if e not in recorded],
            "unreconciled": [e for e in expected if e in bad] + sorted(bad - set(expected)),
            "partial": [e for e in expected if e in partial and e not in bad]}


def skipped(source: str, run: Run) -> dict | None:
    """{"skipped": why} when SEND_SOURCES leaves the source out (logged), else None."""
    if source in selected(run.settings):
        return None
    log.info("source %s skipped: not in SEND_SOURCES (%s)", source, ", ".join(run.settings.sources))
    return {"skipped": f"{source} is not in SEND_SOURCES"}


def extract_source(source: str, run: Run) -> dict:
    """Land every entity of one source (nightly/extract/), unless SEND_SOURCES leaves it out."""
    return skipped(source, run) or extract.extract_source(source, run)


def validate_source(source: str, run: Run) -> dict:
    """Type and check one source's landed rows (nightly/validate/), unless SEND_SOURCES leaves it out."""
    return skipped(source, run) or validate.validate_source(source, run)


def load_source(source: str, run: Run) -> dict:
    """Load one source in one transaction (nightly/load.py), unless SEND_SOURCES leaves it out."""
    return skipped(source, run) or load.load_source(source, run)


def summarise_run(run: Run, started: float | None = None) -> dict:
    """The run's figures from ops.run_log; fails when a source did not load or did not reconcile."""
    wh = run.warehouse()
    try:
        frame = wh.frame(RUN_LOG, {"r": run.run_id})
        by_source = records_by_source(wh)
    finally:
        wh.dispose()
    problems = run_problems(frame, run.settings)
    lines = [f"{'entity':<28}{'mode':<12}{'extracted':>10}{'loaded':>10}{'quarantined':>12}{'warned':>8}"]
    for row in frame.itertuples():
        lines.append(f"{row.entity:<28}{row.extract_mode:<12}{row.rows_extracted:>10}{row.rows_loaded:>10}"
                     f"{row.rows_quarantined:>12}{row.rows_warned:>8}")
    if by_source:
        lines.append("records by source (core rows: the CMS's or trackers' own, and each SEN2 return's)")
        lines += [f"  {entity:<26}{origin:<44}{n:>10}" for entity, origin, n in by_source]
    started = started if started is not None else run.started_at
    # `airflow dags test` reports the logical date as the start: show a duration only when plausible
    if started is not None and 0 <= time.time() - started < 86400:
        lines.append(f"time taken: {time.time() - started:.1f} s")
    text = "\n".join(lines)
    files.write_owner_only(run.quality_dir / "run_summary.txt", text + "\n")
    log.info("run summary for %s\n%s", run.run_id, text)
    if problems["missing"]:
        raise RuntimeError(f"run {run.run_id} is incomplete: no load recorded for {', '.join(problems['missing'])}")
    if problems["partial"]:
        raise RuntimeError(f"run {run.run_id} is incomplete: files of {', '.join(problems['partial'])} were stopped (not loaded)")
    if problems["unreconciled"]:
        raise RuntimeError(f"run {run.run_id}: reconciliation failed for {', '.join(problems['unreconciled'])}")
    return {"entities": len(frame), "summary": text}


def build_reconciled_marts(run: Run) -> dict:
    """The DAG's build_marts: rebuild the marts only when every entity of this run loaded and
    reconciled (ops.run_log); otherwise refuse (MartsRefused, no retry) naming the sources and entities
    that did not, and the marts stay as at their last good date. A failed task emits no `send_marts`
    asset event, so foi_tables does not export a half-loaded night."""
    wh = run.warehouse()
    try:
        wh.ensure()
        frame = wh.frame(RUN_LOG, {"r": run.run_id})
        problems = run_problems(frame, run.settings)
        short = problems["missing"] or problems["unreconciled"] or problems["partial"]
        last = last_built_as_at(wh) if short else None
    finally:
        wh.dispose()
    if short:
        source_of = expected_entities(run.settings)
        parts = []
        for what, names in (("did not load", problems["missing"]), ("did not reconcile", problems["unreconciled"]),
                            ("had files stopped", problems["partial"])):
            by_source: dict[str, list[str]] = {}
            for name in names:
                by_source.setdefault(source_of.get(name, "?"), []).append(name)
            if names:
                parts.append(f"{what}: " + "; ".join(f"{s} ({', '.join(n)})" for s, n in by_source.items()))
        kept = f"as at {last}, their last good date" if last else "as they were (never built yet)"
        raise MartsRefused(f"marts not rebuilt: run {run.run_id} {' and '.join(parts)}. The marts stay {kept}; "
                           "fix the source, clear its task group, then clear build_marts")
    return build_marts(run)


def records_by_source(wh) -> list[tuple[str, str, int]]:
    """(entity, origin, rows) of every core table a SEN2 return can feed, when any return row is there:
    origin `sen2_returns: <file>` for the merged rows, else the source that loads the table itself."""
    from send_pipeline.nightly.sources import ENTITIES
    from send_pipeline.nightly.sources.model import FED_BY_RETURNS

    out = []
    for name in sorted(FED_BY_RETURNS):
        entity = ENTITIES[name]
        try:
            frame = wh.frame(f"SELECT return_file, COUNT(*) AS n FROM {entity.table} GROUP BY return_file ORDER BY return_file")
        except Exception:  # noqa: BLE001 - a table not created yet: nothing to say
            continue
        for f, n in frame.itertuples(index=False):
            out.append((name, entity.source if f is None else f"sen2_returns: {f}", int(n)))
    return out if any(o.startswith("sen2_returns") for _, o, _ in out) else []


def check_health(run: Run, channels=None) -> dict:
    """The health snapshot (SEND_OUTPUT_DIR/health/health.json, read by the UI's SEND data health view)
    and an alert for each data-quality breach: quarantine above SEND_ALERT_QUARANTINE_SHARE of an
    entity, a reconciliation mismatch, a source not loaded within SEND_FRESHNESS_HOURS."""
    from send_pipeline.ops import alerts, health

    wh = run.warehouse()
    try:
        wh.ensure()
        snapshot = health.collect(wh, run.settings, run.run_id, started=run.started_at)
    finally:
        wh.dispose()
    health.write_snapshot(run.settings, snapshot)
    channels = channels or (run.channels() if callable(run.channels) else alerts.Channels.resolve())
    found = health.breaches(snapshot)
    for breach in found:
        alerts.send(alerts.Alert(breach["kind"], "send_nightly", "reconcile_run", run.run_id, breach["what"],
                                 alerts.run_link(channels.base_url, "send_nightly", run.run_id), breach.get("todo")),
                    channels)
    return {"breaches": found, "snapshot": str(health.snapshot_path(run.settings))}


def reconcile_run(run: Run) -> dict:
    """The DAG's reconcile_run: the health snapshot and data-quality alerts, then the reconciliation."""
    health = check_health(run)
    return {**summarise_run(run), "breaches": len(health["breaches"])}


def run_source(source: str, run: Run) -> dict:
    """Extract, validate and load one source (the CLI's `source` command); returns the load's summary."""
    extract_source(source, run)
    validate_source(source, run)
    return load_source(source, run)


def purge_expired(run: Run) -> dict:
    """Delete raw landing and quarantine past the retention period (SEND_RETENTION_DAYS), recorded."""
    from send_pipeline.ops.retention import purge

    result = purge(run.settings, run.run_id)
    log.info("retention: %s", result)
    return result


def pool_consortium(run: Run) -> dict:
    """Consortium mode: pool every LA's marts into schema `consortium` (single-LA mode: nothing to do)."""
    if not run.settings.consortium:
        return {"skipped": "single-LA mode (SEND_LAS not set)"}
    from send_pipeline.nightly.consortium import pool_marts

    return pool_marts(run.settings, lambda la: run.for_la(la).settings)


def run_nightly(run: Run) -> dict:
    """Every step in DAG order, without Airflow (tests, benchmarks, the CLI); stops at the first failure.
    In consortium mode, every LA in turn, then the pooled consortium tables."""
    if run.settings.consortium_level:
        result = {la: run_nightly(run.for_la(la)) for la in run.settings.las()}
        result["consortium"] = pool_consortium(run)
        return result
    started = time.time()
    result = {}
    for source in selected(run.settings):
        result[source] = run_source(source, run)
    result["marts"] = build_reconciled_marts(run)
    result["health"] = check_health(run)
    result["summary"] = summarise_run(run, started)
    return result
