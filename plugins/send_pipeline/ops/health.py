"""SEND data health: the figures behind the Airflow UI's "SEND data health" view and the data-quality
alerts, with no personal data (counts, rules, columns, entity and source names, dates only).

`collect` reads the warehouse's ops tables and the run's output files into a snapshot; the nightly
run writes it to SEND_OUTPUT_DIR/health/health.json (owner-only), and the view renders that file, so
the API server never opens the warehouse (an embedded DuckDB allows one process at a time).
`breaches` turns a snapshot into the alerts a data engineer must act on.
"""
from __future__ import annotations

import csv
import html
import json
from datetime import datetime, timezone
from pathlib import Path

from send_pipeline.kernel import files
from send_pipeline.kernel.settings import Settings, setting

DEFAULT_QUARANTINE_SHARE = 0.05   # SEND_ALERT_QUARANTINE_SHARE: a bigger share of an entity quarantined alerts
DEFAULT_FRESHNESS_HOURS = 36      # SEND_FRESHNESS_HOURS: a source not loaded for longer alerts
RUNS_SHOWN = 7
HISTORY_NIGHTS = 30  # the charts' span


def snapshot_path(settings: Settings) -> Path:
    return settings.output_dir / "health" / "health.json"


def freshness_hours(source: str) -> float:
    """How old a source may be before it alerts: SEND_FRESHNESS_HOURS_<SOURCE>, else the cadence its
    declaration gives (nightly/sources/: files that arrive less often than nightly are skipped when
    unchanged, so they do not count as a load), else SEND_FRESHNESS_HOURS (default 36: the CMS is
    read every night)."""
    from send_pipeline.nightly.sources import SOURCES

    own = setting(f"SEND_FRESHNESS_HOURS_{source.upper()}")
    if own:
        return float(own)
    declared = SOURCES.get(source)
    if declared is not None and declared.freshness_hours is not None:
        return float(declared.freshness_hours)
    return float(setting("SEND_FRESHNESS_HOURS") or DEFAULT_FRESHNESS_HOURS)


def thresholds() -> tuple[float, float]:
    share = float(setting("SEND_ALERT_QUARANTINE_SHARE") or DEFAULT_QUARANTINE_SHARE)
    hours = float(setting("SEND_FRESHNESS_HOURS") or DEFAULT_FRESHNESS_HOURS)
    return share, hours


def collect(wh, settings: Settings, run_id: str | None = None, now: datetime | None = None,
            started: float | None = None) -> dict:
    """The health snapshot: last runs (complete or not), 30 nights of history, sources' last loads,
    GX results, quarantine reasons, SEN2 and FOI. `started` (epoch seconds) is this run's start, for
    its duration. Freshness is judged again whenever the snapshot is read (`live`)."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    log = wh.frame("SELECT run_id, source, entity, as_at, extract_mode, rows_extracted, rows_loaded, rows_quarantined, "
                   "rows_warned, reconciled, status, loaded_at FROM ops.run_log")
    from send_pipeline.nightly.steps import expected_entities

    expected = set(expected_entities(settings))
    runs, history = [], []
    if len(log):
        order = log.groupby("run_id")["loaded_at"].max().sort_values(ascending=False).index[:HISTORY_NIGHTS]
        for number, rid in enumerate(order):
            part = log[log.run_id == rid].sort_values(["source", "entity"])
            missing = sorted(expected - set(part.entity))
            partial = sorted(set(part.entity[part.status == "partial"]))
            one = {
                "run_id": rid, "as_at": str(part.as_at.max()), "finished": str(part.loaded_at.max())[:19],
                "rows_extracted": int(part.rows_extracted.sum()), "rows_loaded": int(part.rows_loaded.sum()),
                "rows_quarantined": int(part.rows_quarantined.sum()), "rows_warned": int(part.rows_warned.sum()),
                "reconciled": bool(part.reconciled.all()) and not missing and not partial,
                "missing": missing, "partial": partial,
            }
            history.append(one)
            if number < RUNS_SHOWN:
                runs.append({**one, "entities": [
                    {"source": r.source, "entity": r.entity, "mode": r.extract_mode, "status": r.status,
                     "extracted": int(r.rows_extracted), "loaded": int(r.rows_loaded),
                     "quarantined": int(r.rows_quarantined), "warned": int(r.rows_warned),
                     "reconciled": bool(r.reconciled)} for r in part.itertuples()]})
    _durations(settings, history, run_id, started, now)
    share, hours = thresholds()
    from send_pipeline.nightly.sources import SOURCE_ORDER, selected

    sources, configured = [], selected(settings)
    for source in dict.fromkeys([*SOURCE_ORDER, *(sorted(set(log.source)) if len(log) else [])]):
        on = source in configured or source not in SOURCE_ORDER  # SEND_SOURCES: a source left out is not stale
        part = log[log.source == source] if len(log) else log
        last = part[part.status.isin(["loaded", "partial"])].loaded_at.max() if len(part) else None
        last_any = part.loaded_at.max() if len(part) else None
        age = (now - last).total_seconds() / 3600 if last is not None and last == last else None
        expected = freshness_hours(source)
        sources.append({"source": source, "last_loaded": str(last)[:19] if age is not None else None,
                        "last_checked": str(last_any)[:19] if last_any is not None and last_any == last_any else None,
                        "hours_since_load": None if age is None else round(age, 1), "freshness_hours": expected,
                        "configured": on, "stale": on and (age is None or age > expected)})
    reasons = wh.frame(
        "SELECT entity, rule, column_name, COUNT(*) AS n FROM ops.quarantine WHERE run_id = :r "
        "GROUP BY entity, rule, column_name ORDER BY n DESC, entity LIMIT 10",
        {"r": runs[0]["run_id"] if runs else ""})
    latest = runs[0]["run_id"] if runs else None
    return {
        "generated_at": now.isoformat(timespec="seconds"), "la_code": settings.la_code, "run_id": run_id or latest,
        "thresholds": {"quarantine_share": share, "freshness_hours": hours},
        "runs": runs, "history": history, "sources": sources,
        "top_quarantine_reasons": [{"entity": r.entity, "rule": r.rule, "column": r.column_name, "rows": int(r.n)}
                                   for r in reasons.itertuples()],
        "gx": _gx_results(settings, latest), "sen2": _sen2(settings), "foi": _foi(settings),
    }


def _durations(settings: Settings, history: list[dict], run_id: str | None, started: float | None, now: datetime) -> None:
    """Each night's duration (seconds, start to its health snapshot): this run's from `started`, earlier
    ones from the previous snapshot (ops.run_log has load times, not start times)."""
    before = {h["run_id"]: h.get("duration_s") for h in ((read_snapshot(settings) or {}).get("history") or [])
              if isinstance(h, dict) and "run_id" in h}
    for night in history:
        seconds = before.get(night["run_id"])
        if night["run_id"] == run_id and started is not None:
            elapsed = now.replace(tzinfo=timezone.utc).timestamp() - started
            seconds = round(elapsed, 1) if 0 <= elapsed < 86400 else None
        night["duration_s"] = seconds


def live(snapshot: dict | None, settings: Settings, now: datetime | None = None) -> dict | None:
    """The snapshot as it stands when read: sources' freshness judged against now (a stopped scheduler
    turns them stale), the stops not yet cleared (ops/stops.py), and SEN2 and FOI read again from their
    files."""
    if snapshot is None:
        return None
    from send_pipeline.ops import stops

    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    sources = []
    for s in snapshot.get("sources", []):
        last = _when(s.get("last_loaded"))
        age = None if last is None else round((now - last).total_seconds() / 3600, 1)
        expected = s.get("freshness_hours") or snapshot["thresholds"]["freshness_hours"]
        sources.append({**s, "hours_since_load": age,
                        "stale": s.get("configured") is not False and (age is None or age > expected)})
    return {**snapshot, "read_at": now.isoformat(timespec="seconds"), "sources": sources,
            "stops": stops.read(settings), "sen2": _sen2(settings), "foi": _foi(settings)}


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _gx_results(settings: Settings, run_id: str | None) -> dict:
    if not run_id:
        return {}
    folder = settings.output_dir / "quality" / files.safe_run(run_id)
    entities = []
    for path in sorted((folder / "validation").glob("*.json")):
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        parts = result.get("partitions", [result]) if isinstance(result, dict) else []
        stats = [p.get("statistics", {}) for p in parts if isinstance(p, dict)]
        entities.append({"entity": path.stem,
                         "evaluated": sum(s.get("evaluated_expectations", 0) for s in stats),
                         "failed": sum(s.get("unsuccessful_expectations", 0) for s in stats)})
    docs = sorted(str(p.relative_to(settings.output_dir)) for p in (folder / "data_docs").glob("*/index.html"))
    return {"run_id": run_id, "entities": entities, "data_docs": docs}


def _sen2(settings: Settings) -> dict:
    root = settings.output_dir / "sen2"
    years = sorted((p for p in root.glob("[0-9][0-9][0-9][0-9]") if (p / "validation.csv").exists()), reverse=True)
    if not years:
        return {"status": "no SEN2 return built yet"}
    folder = years[0]
    by_rule: dict[tuple[str, str], int] = {}
    with open(folder / "validation.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row.get("severity") or row.get("type") or "", row.get("rule") or row.get("code") or "")
            by_rule[key] = by_rule.get(key, 0) + 1
    errors = sum(n for (sev, _), n in by_rule.items() if sev.lower().startswith("error"))
    queries = sum(n for (sev, _), n in by_rule.items() if sev.lower().startswith("quer"))
    return {"year": folder.name, "errors": errors, "queries": queries,
            "checked": datetime.fromtimestamp((folder / "validation.csv").stat().st_mtime).isoformat(timespec="seconds"),
            "by_rule": [{"severity": s, "rule": r, "rows": n} for (s, r), n in sorted(by_rule.items(), key=lambda x: -x[1])[:15]]}


def _foi(settings: Settings) -> dict:
    workbook = settings.output_dir / "foi" / "foi_tables.xlsx"
    if not workbook.exists():
        return {"refreshed": None}
    return {"refreshed": datetime.fromtimestamp(workbook.stat().st_mtime).isoformat(timespec="seconds"),
            "tables": len(list((settings.output_dir / "foi").glob("*.csv")))}


def breaches(snapshot: dict) -> list[dict]:
    """What must be looked at: a stopped source or step (with what to do), an incomplete night,
    quarantine above the share, a reconciliation mismatch, a stale source."""
    share = snapshot["thresholds"]["quarantine_share"]
    found = []
    for where, stop in sorted((snapshot.get("stops") or {}).items()):
        found.append({"kind": "stopped", "what": f"{where} stopped in run {stop.get('run_id')}: {stop.get('message')}",
                      "todo": stop.get("what_to_do")})
    runs = snapshot.get("runs") or []
    if runs:
        run = runs[0]
        if run.get("missing") or run.get("partial"):
            gaps = [*(f"{e} not loaded" for e in run.get("missing", [])),
                    *(f"{e} loaded only in part (files stopped)" for e in run.get("partial", []))]
            found.append({"kind": "incomplete_run", "what": f"run {run['run_id']} did not complete: " + "; ".join(gaps)
                          + "; the marts stay as at the last complete night",
                          "todo": "get each source named loaded (its failed task says what stopped it), then clear "
                                  "build_marts, or let the next complete night publish"})
        for e in run["entities"]:
            if e["extracted"] and e["quarantined"] / e["extracted"] > share:
                found.append({"kind": "quarantine_share", "what": f"{e['entity']}: {e['quarantined']} of {e['extracted']} "
                              f"rows quarantined ({100 * e['quarantined'] / e['extracted']:.1f}%, threshold {100 * share:.0f}%)"})
            if not e["reconciled"] or e["extracted"] != e["loaded"] + e["quarantined"]:
                found.append({"kind": "reconciliation", "what": f"{e['entity']}: {e['extracted']} extracted != "
                              f"{e['loaded']} loaded + {e['quarantined']} quarantined"})
    for s in snapshot.get("sources", []):
        if s["stale"]:
            found.append({"kind": "stale_source", "what": f"source {s['source']} last loaded "
                          f"{s['last_loaded'] or 'never'} (expected within {s.get('freshness_hours', snapshot['thresholds']['freshness_hours']):g} hours)"})
    return found


def write_snapshot(settings: Settings, snapshot: dict) -> Path:
    return files.write_owner_only(snapshot_path(settings), json.dumps(snapshot, indent=1, default=str))


def read_snapshot(settings: Settings) -> dict | None:
    path = snapshot_path(settings)
    return json.loads(path.read_text()) if path.exists() else None


def render(snapshot: dict | None, docs_base: str = "", consortium: list[tuple[str, dict | None]] | None = None) -> str:
    """The view's page: plain HTML, no scripts, nothing personal. Consortium mode: one part per LA
    (`consortium` = [(la_code, snapshot)], each LA's Data Docs under `docs_base + la_code + "/"`)."""
    if consortium is not None:
        body = "".join(f"<section><h1 class='la'>LA {html.escape(la)}</h1>{_body(snap, f'{docs_base}{la}/')}</section>"
                       for la, snap in consortium) or "<p>No LAs in SEND_LAS.</p>"
    else:
        body = _body(snapshot, docs_base)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>SEND data health</title><style>"
            "body{font-family:system-ui,Arial,sans-serif;margin:16px;color:#1b1b1b}table{border-collapse:collapse;margin:4px 0 12px}"
            "td,th{border:1px solid #ccd;padding:2px 8px;text-align:right}th{background:#eef2f7}td:first-child{text-align:left}"
            "figure{display:inline-block;margin:4px 12px 8px 0}figcaption{font-size:.85em;color:#505a5f}"
            ".bad{color:#b00020;font-weight:bold}.ok{color:#1b6e20}h1{color:#0b3d6e}h2{font-size:1.1em;color:#0b3d6e}"
            f"</style></head><body><h1>SEND data health</h1>{body}</body></html>")


def _verdict(run: dict) -> str:
    if run.get("missing"):
        return "NO (incomplete)"
    if run.get("partial"):
        return "NO (files stopped)"
    return "yes" if run["reconciled"] else "NO"


def _body(snapshot: dict | None, docs_base: str) -> str:
    e = html.escape
    if not snapshot:
        body = "<p>No health snapshot yet: it is written at the end of every send_nightly run.</p>"
    else:
        alerts = breaches(snapshot)
        rows = "".join(
            f"<tr><td>{e(r['run_id'])}</td><td>{e(r['as_at'])}</td><td>{e(r['finished'])}</td><td>{r['rows_extracted']:,}</td>"
            f"<td>{r['rows_loaded']:,}</td><td>{r['rows_quarantined']:,}</td><td>{r['rows_warned']:,}</td>"
            f"<td class='{'ok' if r['reconciled'] else 'bad'}'>{_verdict(r)}</td></tr>"
            for r in snapshot["runs"])
        latest = snapshot["runs"][0] if snapshot["runs"] else {"entities": []}
        ent = "".join(
            f"<tr><td>{e(x['source'])}</td><td>{e(x['entity'])}</td><td>{e(x['mode'])}</td><td>{x['extracted']:,}</td>"
            f"<td>{x['loaded']:,}</td><td>{x['quarantined']:,}</td><td>{x['warned']:,}</td>"
            f"<td class='{'bad' if not x['reconciled'] or x.get('status') == 'partial' else 'ok'}'>"
            f"{'NO' if not x['reconciled'] else 'files stopped' if x.get('status') == 'partial' else 'yes'}</td></tr>"
            for x in latest["entities"])
        ent += "".join(f"<tr><td></td><td>{e(m)}</td><td colspan=5>not loaded this run</td><td class='bad'>NO</td></tr>"
                       for m in latest.get("missing", []))
        src = "".join(
            f"<tr><td>{e(s['source'])}</td><td>{e(s['last_loaded'] or 'never')}</td><td>{s['hours_since_load'] if s['hours_since_load'] is not None else ''}</td>"
            f"<td>{s.get('freshness_hours', '')}</td><td>{e(s.get('last_checked') or '')}</td>"
            + ("<td>not configured</td></tr>" if s.get("configured") is False else
               f"<td class='{'bad' if s['stale'] else 'ok'}'>{'STALE' if s['stale'] else 'fresh'}</td></tr>") for s in snapshot["sources"])
        reasons = "".join(f"<tr><td>{e(r['entity'])}</td><td>{e(r['rule'] or '')}</td><td>{e(r['column'] or '')}</td><td>{r['rows']:,}</td></tr>"
                          for r in snapshot["top_quarantine_reasons"]) or "<tr><td colspan=4>none</td></tr>"
        gx = snapshot.get("gx") or {}
        gx_rows = "".join(f"<tr><td>{e(g['entity'])}</td><td>{g['evaluated']}</td><td class='{'bad' if g['failed'] else 'ok'}'>{g['failed']}</td></tr>"
                          for g in gx.get("entities", []))
        docs = "".join(f"<li><a href='{e(docs_base + d)}'>{e(d)}</a></li>" for d in gx.get("data_docs", [])) or "<li>not rendered (SEND_DATA_DOCS=0)</li>"
        sen2 = snapshot.get("sen2") or {}
        sen2_rows = "".join(f"<tr><td>{e(r['severity'])}</td><td>{e(r['rule'])}</td><td>{r['rows']:,}</td></tr>" for r in sen2.get("by_rule", []))
        foi = snapshot.get("foi") or {}
        if "errors" in sen2:
            ready = "READY TO SUBMIT" if not sen2["errors"] else "NOT READY TO SUBMIT"
            sen2_line = (f"{e(str(sen2['year']))} return: <b class='{'bad' if sen2['errors'] else 'ok'}'>{ready}</b> · "
                         f"errors {sen2['errors']:,} · queries {sen2['queries']:,} · checked {e(str(sen2.get('checked', '')))}")
        else:
            sen2_line = e(sen2.get("status", "no SEN2 return built yet"))
        alert_html = "".join(f"<li class='bad'>{e(a['kind'])}: {e(a['what'])}"
                             + (f"<br>What to do: {e(a['todo'])}" if a.get("todo") else "") + "</li>"
                             for a in alerts) or "<li class='ok'>none</li>"
        from send_pipeline.ops.charts import health_charts
        body = (
            f"<p>LA {e(snapshot['la_code'])} · snapshot {e(snapshot['generated_at'])} · read {e(snapshot.get('read_at', ''))}"
            f" · latest run <b>{e(str(snapshot['run_id']))}</b></p>"
            f"<h2>Needs attention</h2><ul>{alert_html}</ul>"
            f"<h2>Last {HISTORY_NIGHTS} nights</h2><div class='charts'>{health_charts(snapshot)}</div>"
            f"<h2>Last runs of send_nightly</h2><table><tr><th>run</th><th>as at</th><th>finished</th><th>extracted</th><th>loaded</th>"
            f"<th>quarantined</th><th>warned</th><th>reconciled</th></tr>{rows}</table>"
            f"<h2>Latest run by entity</h2><table><tr><th>source</th><th>entity</th><th>mode</th><th>extracted</th><th>loaded</th>"
            f"<th>quarantined</th><th>warned</th><th>reconciled</th></tr>{ent}</table>"
            f"<h2>Sources' freshness</h2><table><tr><th>source</th><th>last new data loaded</th><th>hours ago</th><th>expected within (hours)</th>"
            f"<th>last checked</th><th></th></tr>{src}</table>"
            f"<h2>Top quarantine reasons (latest run)</h2><table><tr><th>entity</th><th>rule</th><th>column</th><th>rows</th></tr>{reasons}</table>"
            f"<h2>Great Expectations (run {e(str(gx.get('run_id')))})</h2><table><tr><th>entity</th><th>expectations</th><th>failed</th></tr>{gx_rows}</table>"
            f"<p>Data Docs:</p><ul>{docs}</ul>"
            f"<h2>SEN2 readiness</h2><p>{sen2_line}</p>"
            f"<table><tr><th>severity</th><th>rule</th><th>rows</th></tr>{sen2_rows}</table>"
            f"<h2>FOI tables</h2><p>refreshed {e(str(foi.get('refreshed') or 'never'))}"
            f"{(' · ' + str(foi['tables']) + ' tables published') if foi.get('tables') is not None else ''}</p>")
    return body
