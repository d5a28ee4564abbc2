"""The FOI workbook (openpyxl): a cover sheet, a notes sheet and a sheet per table.

Laid out as the GSS guidance on accessible spreadsheets asks: one table per sheet starting at the
top left, a title in A1, the notes above the table rather than in merged cells, symbols explained on
the notes sheet, numbers stored as numbers, text never stored as a formula (safe_cells).
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..kernel.safe_cells import xlsx_cell
from .export import Release, cell_value, symbols_text

COVER, NOTES = "Cover", "Notes"
BOLD, TITLE = Font(bold=True), Font(bold=True, size=14)
GENERAL_CAVEATS = (
    "Figures come from the LA's case management system, annual review trackers and finance ledger as loaded "
    "into the SEND data warehouse; they are management information, not official statistics, and are revised "
    "as records are corrected.",
    "Periods run to the as-at date: the latest year or quarter is incomplete.",
    "Small numbers are suppressed to protect the people they describe (see the Notes sheet). Other tables or "
    "earlier releases built from different dates may not match exactly.",
    "Benchmarking figures are the DfE's published statistics, reproduced unchanged.",
)


def workbook_bytes(release: Release, title: str | None = None, extra_cover: list[tuple[str, str]] | None = None) -> bytes:
    wb = Workbook(write_only=True)  # streams rows: a few seconds for ~10,000 rows instead of many
    _cover(wb.create_sheet(COVER), release, title, extra_cover or [])
    _notes(wb.create_sheet(NOTES), release)
    for p in release.tables:
        _table_sheet(wb.create_sheet(p.table.sheet), p, release)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(ws, value, font=None, wrap=False):
    return xlsx_cell(ws, value, font, Alignment(wrap_text=True, vertical="top") if wrap else None)


def _append(ws, values) -> None:
    """A row whose every value is a safe cell: text from the data (school names, the DfE la_name, a
    definition) is a string cell, never a formula (safe_cells)."""
    ws.append([v if isinstance(v, Cell) or v is None else xlsx_cell(ws, v) for v in values])


def _cover(ws, release: Release, title: str | None, extra: list[tuple[str, str]]) -> None:
    _widths(ws, {1: 24, 2: 34, 3: 90, 4: 22, 5: 10, 6: 16})
    _append(ws, [_cell(ws, title or f"SEND FOI tables: {release.la_name}", TITLE)])
    _append(ws, [])
    rows = [
        ("Local authority", f"{release.la_name} (LA code {release.la_code})"),
        ("Data as at", release.as_at.isoformat()),
        ("Produced", release.produced_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Suppression threshold", f"counts below {release.threshold} are shown as c (see Notes)"),
        *extra,
    ]
    for label, value in rows:
        _append(ws, [_cell(ws, label, BOLD), value])
    _append(ws, [])
    _append(ws, [_cell(ws, "Sources", BOLD)])
    for source in sorted({p.table.source for p in release.tables}):
        _append(ws, [None, source])
    _append(ws, [])
    _append(ws, [_cell(ws, "Caveats", BOLD)])
    for caveat in GENERAL_CAVEATS:
        _append(ws, [None, caveat])
    _append(ws, [])
    _append(ws, [_cell(ws, "Contents", BOLD)])
    _append(ws, [_cell(ws, h, BOLD) for h in ("Sheet", "Table id", "Title", "Period", "Rows", "Cells suppressed")])
    for p in release.tables:
        suppressed = p.stats.get("primary", 0) + p.stats.get("secondary", 0) + p.stats.get("derived", 0)
        _append(ws, [p.table.sheet, p.table.id, p.table.title, p.table.period_label,
                   len(p.frame) if p.available else "not available", suppressed if p.available else "z"])


def _notes(ws, release: Release) -> None:
    _widths(ws, {1: 24, 2: 60, 3: 90, 4: 22, 5: 50, 6: 50})
    _append(ws, [_cell(ws, "Notes: symbols, suppression and definitions", TITLE)])
    _append(ws, [])
    _append(ws, [_cell(ws, "Symbol", BOLD), _cell(ws, "Meaning", BOLD)])
    for symbol, meaning in symbols_text(release.threshold).items():
        _append(ws, [symbol, meaning])
    _append(ws, [])
    _append(ws, [_cell(ws, "Suppression", BOLD)])
    rules = (
        f"Counts of children, plans, requests or reviews from 1 to {release.threshold - 1} are shown as c.",
        f"Money and averages based on fewer than {release.threshold} children are shown as c.",
        "Where a total is published, at least one more cell in the same row or column is shown as c, so that no "
        "suppressed figure can be worked out by subtraction; percentages and averages computed from a suppressed "
        "figure are suppressed too.",
        "Zeros are shown. Staff numbers, school places and the DfE's published figures are not suppressed.",
    )
    for rule in rules:
        _append(ws, [None, rule])
    _append(ws, [])
    _append(ws, [_cell(ws, h, BOLD) for h in ("Sheet", "Title", "Definition", "Period", "Source", "Caveats")])
    for p in release.tables:
        t = p.table
        _append(ws, [_cell(ws, v, wrap=True) for v in (t.sheet, t.title, t.definition, t.period_label, t.source,
                                                      " ".join(t.caveats) or "None")])


def _table_sheet(ws, p, release: Release) -> None:
    t = p.table
    if p.available:
        _widths(ws, {i: max(12, min(45, len(str(c)) + 2)) for i, c in enumerate(p.frame.columns, start=1)})
        ws.freeze_panes = "A7"
    _append(ws, [_cell(ws, t.title, TITLE)])
    _append(ws, [f"Table {t.id}. Period: {t.period_label}. Data as at {release.as_at.isoformat()}. Source: {t.source}."])
    _append(ws, [t.definition])
    _append(ws, [" ".join(t.caveats) if t.caveats else "Symbols (c, x, z, Nil, Not held) are explained on the Notes sheet."])
    _append(ws, [])
    if not p.available:
        _append(ws, [p.note or "Not available in this release."])
        return
    measures = {m.name: m for m in t.measures}
    _append(ws, [_cell(ws, name, BOLD) for name in p.frame.columns])  # row 6: the header
    specs = [measures.get(name) for name in p.frame.columns]
    for row in p.frame.itertuples(index=False, name=None):
        _append(ws, [cell_value(value, m) for value, m in zip(row, specs)])


def _widths(ws, widths: dict[int, int]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
