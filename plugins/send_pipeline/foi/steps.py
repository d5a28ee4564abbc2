"""The foi_tables DAG's steps as plain functions: each takes its arguments then a `Run` (runtime.call;
in consortium mode the DAG runs each once per LA)."""
from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from ..kernel import files as landing
from ..kernel.run import Run
from ..kernel.settings import setting
from . import catalogue as cat_mod
from .build import build_foi
from .export import Release, publish, symbols_text, write_release

log = logging.getLogger(__name__)

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def threshold(value: object = None) -> int:
    """The suppression threshold: the given value, SEND_FOI_THRESHOLD (env or Airflow Variable), or the catalogue's."""
    raw = value if value not in (None, "") else setting("SEND_FOI_THRESHOLD")
    result = int(raw) if raw not in (None, "") else cat_mod.load().threshold
    if not 2 <= result <= 100:
        raise ValueError(f"SEND_FOI_THRESHOLD must be between 2 and 100, not {result}")
    return result


def foi_dir(run: Run) -> Path:
    return run.settings.output_dir / "foi"


def build_tables(run: Run) -> dict:
    started = time.time()
    result = build_foi(run)
    result["seconds"] = round(time.time() - started, 1)
    return result


def export_tables(threshold_value: object, run: Run) -> dict:
    """The nightly publication: every table, protected, as CSVs and foi_tables.xlsx."""
    started = time.time()
    wh = run.warehouse()
    try:
        release = publish(wh, threshold(threshold_value), run=run)
    finally:
        wh.dispose()
    written = write_release(release, foi_dir(run))
    summary = {"as_at": release.as_at.isoformat(), "threshold": release.threshold, **release.totals(),
               "tables": {p.table.id: (len(p.frame) if p.available else p.status) for p in release.tables},
               "files": written["files"], "seconds": round(time.time() - started, 1)}
    log.info("published %d FOI tables to %s: %s cells, %s suppressed (primary), %s (secondary), %s (derived)",
             sum(p.available for p in release.tables), written["folder"], summary["cells"], summary["primary"],
             summary["secondary"], summary["derived"])
    return summary


# --- response packs ---------------------------------------------------------------------------
def parse_period(period: str | None) -> tuple[int, int] | None:
    """The years asked for, by the year each period starts: '' all; '2023'; '2023-24' (one academic or
    financial year); '2019-2024' or '2019 to 2024' (inclusive)."""
    text = (period or "").strip()
    if not text:
        return None
    if m := re.fullmatch(r"(\d{4})", text):
        return int(m[1]), int(m[1])
    if (m := re.fullmatch(r"(\d{4})[-/](\d{2})", text)) and (int(m[1]) + 1) % 100 == int(m[2]):
        return int(m[1]), int(m[1])
    if m := re.fullmatch(r"(\d{4})\s*(?:-|to|:)\s*(\d{4})", text):
        lo, hi = int(m[1]), int(m[2])
        if lo <= hi:
            return lo, hi
    raise ValueError(f"period {period!r}: use YYYY, YYYY-YY (one academic/financial year) or YYYY-YYYY")


def start_year(time_period) -> int:
    """The year a DfE time_period starts: 2024 -> 2024, 202425 -> 2024."""
    text = str(time_period)
    return int(text[:4])


def write_response_pack(reference: str, tables: list | str | None, period: str | None, threshold_value: object,
                        run: Run) -> dict:
    """A folder for one FOI request: the chosen tables (rows of the period asked for), a workbook and a cover note."""
    reference = (reference or "").strip()
    if not REFERENCE.match(reference):
        raise ValueError("foi_reference must be 1-64 letters, digits, '.', '_' or '-' (it names the folder)")
    catalogue = cat_mod.load()
    ids = [tables] if isinstance(tables, str) else list(tables or [])
    ids = [i.strip() for i in ids if i and i.strip()] or catalogue.ids
    unknown = [i for i in ids if i not in catalogue.ids]
    if unknown:
        raise ValueError(f"unknown FOI table(s) {unknown}; the catalogue has: {', '.join(catalogue.ids)}")
    years = parse_period(period)
    wh = run.warehouse()
    try:
        release = publish(wh, threshold(threshold_value), ids, run=run)  # protected on the WHOLE table, then filtered
    finally:
        wh.dispose()
    for p in release.tables:
        if p.available and years:
            keep = p.frame["time_period"].map(start_year).between(*years)
            p.frame = p.frame[keep].reset_index(drop=True)
    folder = foi_dir(run) / "requests" / reference
    extra = [("FOI reference", reference), ("Period requested", period or "all periods held")]
    written = write_release(release, folder, workbook_name=f"foi_{reference}.xlsx",
                            title=f"Response to FOI request {reference}: {release.la_name}", extra_cover=extra)
    landing.write_owner_only(folder / "cover_note.txt", cover_note(reference, period, release))
    written["files"].append("cover_note.txt")
    log.info("response pack for %s: %s", reference, written)
    return {"reference": reference, "as_at": release.as_at.isoformat(), **written,
            "rows": {p.table.id: (len(p.frame) if p.available else p.status) for p in release.tables}}


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def cover_note(reference: str, period: str | None, release: Release) -> str:
    lines = [
        f"Freedom of Information request {reference}",
        f"{release.la_name} (LA code {release.la_code})",
        "",
        f"The information below is held as at {_day(release.as_at)} (the date the figures are correct to).",
        f"Period requested: {period or 'all periods held'}. Produced {_day(release.produced_at)} "
        f"{release.produced_at:%H:%M} UTC.",
        "",
        "Tables enclosed (one CSV each, and all of them in the workbook):",
    ]
    for p in release.tables:
        t = p.table
        lines.append("")
        lines.append(f"- {t.title} ({t.id}.csv; {t.period_label})")
        lines.append(f"  {t.definition}")
        lines.append(f"  Source: {t.source}.")
        if not p.available:
            lines.append(f"  This information is not held in a form we can provide: {p.status}.")
        elif p.frame.empty:
            lines.append("  The records do not cover the period requested: the information is not held for it.")
        for caveat in t.caveats:
            lines.append(f"  Note: {caveat}")
    lines += ["", "Symbols used in the tables:"]
    lines += [f"  {symbol:<9}{meaning}" for symbol, meaning in symbols_text(release.threshold).items()]
    lines += [
        "",
        "Personal data: numbers small enough to identify individuals are withheld under section 40(2) of the",
        "Freedom of Information Act 2000 (shown as c), together with any figure from which they could be",
        "worked out. Other information in the tables is disclosed in full.",
        "",
    ]
    return "\n".join(lines)

