"""Inbox files into the raw landing, as text exactly as the file gave it: the file readers.

Files are picked up from the inbox by each entity's pattern; a file already loaded by an earlier run
(same sha256) is not read again; a `newest_file` source lands only its newest file. CSV exports are
decoded (UTF-8, else cp1252) and read column-wise when well-formed, row by row otherwise (same result);
workbooks are read with calamine. `as_text` is how every reader (and the CMS reader) turns values to text.
"""
from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import logging
import os
import re
import stat
from datetime import datetime
from pathlib import Path

import pandas as pd

from send_pipeline.kernel import settings
from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.kernel.files import sha256_file
from send_pipeline.kernel.warehouse import Warehouse
from send_pipeline.nightly.extract import landing
from send_pipeline.nightly.sources import Entity, Source

log = logging.getLogger(__name__)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as the text it was, None for missing (keeps the raw landing faithful and typed once)."""
    return pd.DataFrame({col: _column_text(frame[col]) for col in frame.columns}, columns=frame.columns, dtype=object)


def _column_text(column: pd.Series) -> list:
    """One column as text. Whole-column fast paths for the common cases (all text, all whole numbers);
    anything else (dates, fractions, mixed types: what a defect looks like) value by value."""
    import numpy as np

    if column.dtype.kind in "iu":  # integers, no missing values
        return column.to_numpy().astype(str).astype(object).tolist()
    if column.dtype.kind == "f":
        values = column.to_numpy()
        missing = np.isnan(values)
        whole = ~missing & (values == np.floor(np.where(missing, 0, values))) & (np.abs(np.where(missing, 0, values)) < 2**53)
        if (whole | missing).all():  # whole numbers with gaps (how pandas reads a nullable integer column)
            text = np.where(missing, 0, values).astype(np.int64).astype(str).astype(object)
            text[missing] = None
            return text.tolist()
    values = column.tolist()
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return [None if v is None or v != v else v for v in values]
    if kind == "integer":
        return [None if v is None else str(v) for v in values]
    if kind == "datetime":  # a column of date-times (a workbook's date cells): formatted in Arrow
        fast = _datetimes_text(values)
        if fast is not None:
            return fast
    return [None if v is None or (isinstance(v, float) and v != v) else _text(v) for v in values]


def _datetimes_text(values: list) -> list | None:
    """What `_text` gives for each date-time (`2024-01-02`, or `2024-01-02 03:04:05` when it has a
    time), computed column-wise; None (use `_text`) if any value has fractions of a second."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, type=pa.timestamp("us"), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if pc.any(pc.not_equal(pc.microsecond(arr), 0)).as_py() or pc.any(pc.not_equal(pc.millisecond(arr), 0)).as_py():
        return None
    seconds = pc.cast(arr, pa.timestamp("s"))
    midnight = pc.and_(pc.and_(pc.equal(pc.hour(arr), 0), pc.equal(pc.minute(arr), 0)), pc.equal(pc.second(arr), 0))
    text = pc.if_else(midnight, pc.strftime(seconds, format="%Y-%m-%d"), pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S"))
    return text.to_pylist()


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


# --- inbox files ------------------------------------------------------------------------------
def inbox_files(inbox: Path, pattern: str) -> list[Path]:
    if not inbox.is_dir():
        raise SourceUnusable(f"inbox folder {inbox} does not exist (SEND_INBOX_DIR)")
    found = []
    for p in inbox.iterdir():
        if not fnmatch.fnmatch(p.name.lower(), pattern.lower()):
            continue
        try:
            p.name.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8 (a Latin-1 name from a Windows share)
            shown = os.fsencode(p.name).decode("utf-8", "backslashreplace")
            raise SourceUnusable(f"inbox file name {shown!r} is not valid UTF-8: refused (nothing was read); rename "
                                 "it with plain letters, digits, '-', '_' and '.' and it loads next run") from None
        mode = p.lstat().st_mode
        if not stat.S_ISREG(mode):  # a symlink could point anywhere (/etc/passwd); a FIFO blocks the read
            kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
                    else "a device, pipe or socket")
            raise SourceUnusable(f"inbox entry {p.name!r} is {kind}, not a regular file: refused (nothing was read); "
                                 "put the export itself in the inbox and remove this entry")
        found.append(p)
    return sorted(found, key=lambda p: (p.name, p.stat().st_mtime))


def loaded_hashes(warehouse: Warehouse, run_id: str) -> dict[str, str]:
    frame = warehouse.frame("SELECT sha256, run_id FROM ops.loaded_file WHERE run_id <> :r", {"r": run_id})
    return dict(zip(frame["sha256"], frame["run_id"])) if len(frame) else {}


def extract_files(source: Source, inbox: Path, warehouse: Warehouse, landing_dir: Path, run_id: str) -> dict:
    """Land the new files of one file source (every entity of it). Returns {entity: summary}."""
    summary = {}
    seen = loaded_hashes(warehouse, run_id)
    for entity in source.entities:
        files = inbox_files(inbox, entity.origin)
        if source.landing == "newest_file":  # the newest file replaces the last
            files = files[-1:]
        new, skipped = [], []
        for path in files:
            digest = sha256_file(path)
            (skipped if digest in seen else new).append((path, digest))
        # A source of many files (one tracker per team, a ledger per month): a file that cannot be read
        # stops only itself. It is left out of this landing, named in the manifest's `stopped_files`, and
        # stays in the inbox unmarked (read again next night); the good files load, then load_source
        # fails naming it. A newest-file source's one file is the source: it stops the source.
        stopped: dict[str, dict] = {}
        alone = source.landing == "newest_file"
        counts: dict[str, int] = {}

        def good() -> list:
            return [(p, d) for p, d in new if p.name not in stopped]

        def manifest() -> dict:
            return {"origin": entity.origin, "mode": "files" if good() else "unchanged",
                    "files": [{"name": p.name, "sha256": d, "rows": counts.get(p.name, 0)} for p, d in good()],
                    "skipped_already_loaded": [{"name": p.name, "sha256": d, "loaded_by": seen[d]} for p, d in skipped],
                    "stopped_files": list(stopped.values()),
                    "sha256": hashlib.sha256("".join(d for _, d in good()).encode()).hexdigest()}

        def read_or_stop(path: Path, digest: str) -> pd.DataFrame | None:
            try:
                return read_file(path, entity)
            except SourceUnusable as exc:
                if alone:
                    raise
                stopped[path.name] = {"name": path.name, "sha256": digest, "reason": str(exc)}
                log.warning("%s/%s: file stopped (the others load): %s", source.name, entity.name, exc)
                return None

        def one_by_one():
            for path, digest in new:
                frame = read_or_stop(path, digest)
                if frame is None:
                    continue
                counts[path.name] = int((frame["_source_file"] == path.name).sum())
                yield frame

        try:  # file by file: memory holds one file (a national ledger is ~15 million lines)
            landed = landing.land_batches(landing_dir, source.name, entity.name, run_id, one_by_one(), manifest) if new else None
        except landing.ColumnsDiffer:  # files with different columns: landed together, columns unioned
            landed = None
        if landed is None:
            frames = [f for f in (read_or_stop(path, digest) for path, digest in good()) if f is not None]
            raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["_source_file", "_source_row"])
            counts.update({p.name: int((raw["_source_file"] == p.name).sum()) for p, _ in good()})
            landing.land(landing_dir, source.name, entity.name, run_id, raw, manifest())
        rows = sum(counts.values())
        summary[entity.name] = {"rows": rows, "mode": manifest()["mode"], "files": [p.name for p, _ in good()],
                                "skipped": [p.name for p, _ in skipped], "stopped": sorted(stopped)}
    return summary


def read_file(path: Path, entity: Entity) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        return read_workbook(path, sheet=entity.sheet or "Sheet1")
    return read_csv(path)


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV as text. Rows with the wrong number of fields are kept, marked for quarantine."""
    text, _, bad = decode_export(path)
    fast = None if bad else _read_csv_columnar(text, path.name)
    if fast is not None:
        return fast
    return _read_csv_rows(text, path, bad)


def _read_csv_columnar(text: str, name: str) -> pd.DataFrame | None:
    """The common case, column by column in Arrow's C++ reader: a well-formed file whose records are
    one physical line each (so record n is line n + 1). Anything else (a blank or whitespace-only
    line, a quoted line break, a short or long line, a blank header) returns None and the file is read
    row by row, with exactly the same result."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if not text.strip() or "\n\n" in text or "\n\r\n" in text or text.startswith(("\n", "\r", "\ufeff")):
        return None
    try:
        width = len(next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]), []))
        table = pacsv.read_csv(pa.py_buffer(text.encode("utf-8")),
                               read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
                               parse_options=pacsv.ParseOptions(newlines_in_values=False),
                               convert_options=pacsv.ConvertOptions(  # every value as its text: no inference
                                   column_types={f"f{i}": pa.string() for i in range(width)},
                                   strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, csv.Error):
        return None
    if table.num_columns != width:
        return None
    if table.num_rows != lines or table.num_rows < 2:  # a header and at least one record
        return None
    table = table.cast(pa.schema([(f, pa.string()) for f in table.column_names]))
    header = [str(h or "").strip().lstrip("\ufeff") for h in table.slice(0, 1).to_pylist()[0].values()]
    if not any(header):
        return None
    body = table.slice(1)
    blank = None
    for column in body.columns:  # a line of nothing but spaces and commas is skipped, as row by row
        empty = pc.equal(pc.utf8_trim_whitespace(column), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is not None and pc.any(blank).as_py():
        return None
    # Arrow-backed text (a quarter of the memory of Python strings): this frame only goes to Parquet
    frame = pd.DataFrame({i: pd.Series(pd.arrays.ArrowStringArray(col.combine_chunks()))
                          for i, col in enumerate(body.columns)})
    frame.columns = header
    frame["_source_file"] = name
    frame["_source_row"] = list(range(2, body.num_rows + 2))
    frame["_parse_error"] = None
    return frame


def _read_csv_rows(text: str, path: Path, bad: dict[int, str] | None = None) -> pd.DataFrame:
    """Row by row; `bad` (physical line -> what was wrong) marks the records on those lines for quarantine."""
    bad = bad or {}
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, spans, last = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            spans.append(range(last + 1, reader.line_num + 1))  # the physical lines of this record
            last = reader.line_num
    except csv.Error as exc:
        raise SourceUnusable(
            f"{path.name}: line {reader.line_num}: the CSV cannot be read ({exc}); an unclosed quote often runs "
            "the rest of the file into one field: correct or re-export the file") from None
    while rows and not any(cell.strip() for cell in rows[0]):
        rows.pop(0)
        spans.pop(0)
    if not rows:
        raise SourceUnusable(f"{path.name}: the file is empty (no header row)")
    if any(line in bad for line in spans[0]):
        raise SourceUnusable(f"{path.name}: the header row cannot be read: {bad[next(n for n in spans[0] if n in bad)]}; "
                             "re-export the file")
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    records, errors, numbers = [], [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        error = next((f"{bad[n]}: the row is quarantined (the byte is shown as \ufffd)"
                      for n in spans[number - 1] if n in bad), None)
        if error is None and len(row) != len(header):
            error = f"line has {len(row)} fields, the header has {len(header)} (truncated or unquoted comma)"
            row = (row + [None] * len(header))[: len(header)]
        records.append(row)
        errors.append(error)
        numbers.append(number)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    frame = frame.where(frame.notna(), None)
    frame["_source_file"] = path.name
    frame["_source_row"] = numbers
    frame["_parse_error"] = errors
    return frame


def read_workbook(path: Path, sheet: str) -> pd.DataFrame:
    """A workbook sheet as text, via calamine (Rust; ~14x faster than openpyxl on the trackers).

    Cached formula results are read (not formulas); merged cells give their value once; hidden rows
    are read like any other (data is data). Row numbers are the sheet's own, for messages.
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise SourceUnusable(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    names = {n.strip().lower(): n for n in book.sheet_names}
    if sheet.lower() not in names:
        raise SourceUnusable(f"{path.name}: no sheet named '{sheet}' (sheets: {', '.join(book.sheet_names)})")
    check_sheet_size(path, names[sheet.lower()])
    try:
        data = book.get_sheet_by_name(names[sheet.lower()])
        pad = [None] * (data.start[1] if data.start else 0)  # iter_rows starts at row 1 but at the first used column
        return _sheet_frame(path, sheet, (pad + row for row in data.iter_rows()))
    except SourceUnusable:
        raise
    except Exception as exc:  # calamine's XmlError and kin: a damaged sheet
        raise SourceUnusable(f"{path.name}: sheet '{sheet}' cannot be read ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:160] if str(exc) else ''}); open it in Excel, save it again "
                             "as .xlsx and re-send it") from None


def _sheet_frame(path: Path, sheet: str, rows) -> pd.DataFrame:
    """Rows streamed from the sheet (blank rows dropped as they come: a sheet padded with a million blank
    rows never sits in memory)."""
    header = None
    records, numbers = [], []
    for number, row in enumerate(rows, start=1):
        values = [None if v == "" else v for v in row]
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if header is None:
            header = [str(v).strip() if v is not None else f"column_{i + 1}" for i, v in enumerate(values)]
            continue
        records.append((values + [None] * len(header))[: len(header)])
        numbers.append(number)
    if header is None:
        raise SourceUnusable(f"{path.name}: sheet '{sheet}' is empty (no header row)")
    frame = as_text(pd.DataFrame(records, columns=header, dtype=object))
    frame["_source_file"] = path.name
    frame["_source_row"] = numbers
    return frame


_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})([0-9]{1,8})"[^>]*?(/>|>\s*</(?:\w+:)?c>|>)')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]{1,4})?([0-9]{1,8})?:?([A-Z]{1,4})?([0-9]{1,8})?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_sheet_size(path: Path, sheet: str, limit: int | None = None) -> None:
    """Stop before reading a sheet whose declared dimension, or whose furthest cell holding a value, makes
    a rectangle (from A1) of more than SEND_WORKBOOK_MAX_CELLS cells: the reader would allocate all of it.
    The sheet's XML is streamed (bounded memory); empty styled cells (padding) do not count."""
    import xml.etree.ElementTree as ET
    import zipfile

    limit = limit or settings.workbook_max_cells()
    try:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            rid = next(e.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
                       for e in book.iter() if e.tag.endswith("}sheet") and e.get("name") == sheet)
            target = next(e.get("Target") for e in rels if e.get("Id") == rid)
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            with z.open(part) as stream:
                _scan_sheet(path, sheet, stream, limit)
    except SourceUnusable:
        raise
    except (zipfile.BadZipFile, KeyError, StopIteration, ET.ParseError, OSError, EOFError) as exc:
        raise SourceUnusable(f"{path.name}: the workbook's structure cannot be read ({type(exc).__name__}: "
                             f"{str(exc)[:120]}); open it in Excel, save it again as .xlsx and re-send it") from None


def _scan_sheet(path: Path, sheet: str, stream, limit: int) -> None:
    def check(col: int, row: int, what: str, ref: str) -> None:
        if col * row > limit:
            raise SourceUnusable(
                f"{path.name}: sheet '{sheet}' {what} {ref} ({row:,} rows x {col:,} columns = {col * row:,} cells, more "
                f"than SEND_WORKBOOK_MAX_CELLS={limit:,}); a stray cell far from the data (Ctrl+End in Excel finds it): "
                "delete the rows and columns after the data, save and re-send the workbook")

    tail, max_col, max_row, first = b"", 0, 0, True
    while chunk := stream.read(1 << 20):
        data = tail + chunk
        if first:
            first = False
            dim = _DIMENSION.search(data[:65536])
            if dim and dim.group(3 if dim.group(3) else 1) and dim.group(4 if dim.group(4) else 2):
                col, row = dim.group(3 if dim.group(3) else 1), dim.group(4 if dim.group(4) else 2)
                check(_column_number(col), int(row), "declares its size as", (col + row).decode())
        end = 0
        for m in _CELL.finditer(data):
            end = m.end()
            if m.group(3) == b">":  # a cell with content (a value, inline string or formula)
                col, row = _column_number(m.group(1)), int(m.group(2))
                max_col, max_row = max(max_col, col), max(max_row, row)
        tail = data[max(end, len(data) - 512):]
    if max_col and max_row:
        check(max_col, max_row, "has a value as far as", f"cell {_letters(max_col)}{max_row}")


def _letters(col: int) -> str:
    out = ""
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


def decode_export(path: Path, expected: str = "cp1252") -> tuple[str, str, dict[int, str]]:
    """Decode a text export: UTF-8 (with or without BOM), else the expected legacy encoding; failing
    both, line by line (each line UTF-8, else `expected`), and the lines that are neither come back in
    the third value (line number -> what was wrong) so that only their rows are quarantined. A file where
    most lines are neither is not text of either encoding: SourceUnusable."""
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8", {}
    except UnicodeDecodeError:
        pass
    if not bom:
        try:
            return body.decode(expected), expected, {}
        except UnicodeDecodeError:
            pass
    lines, bad = body.split(b"\n"), {}
    out = []
    for number, line in enumerate(lines, start=1):
        for encoding in ("utf-8", expected):
            try:
                out.append(line.decode(encoding))
                break
            except UnicodeDecodeError as exc:
                error = exc
        else:
            bad[number] = f"byte 0x{line[error.start]:02x} at line {number} is neither UTF-8 nor {expected}"
            out.append(line.decode(expected, errors="replace"))
    if len(bad) > max(1, len(lines) // 2):
        raise SourceUnusable(
            f"{path.name}: {len(bad)} of {len(lines)} lines are neither UTF-8 nor {expected} (first: "
            f"{bad[min(bad)]}); the file is in another encoding or corrupt: re-export it as UTF-8 or {expected}")
    return "\n".join(out), ("utf-8-sig" if bom else expected) + " (line by line)", bad


def decode_text_file(path: Path, expected: str = "cp1252") -> tuple[str, str]:
    """The whole file decoded strictly (see `decode_export`): a byte that is neither encoding raises
    SourceUnusable naming the line."""
    text, encoding, bad = decode_export(path, expected)
    if bad:
        raise SourceUnusable(f"{path.name}: {bad[min(bad)]}; the file may be corrupt — re-export it")
    return text, encoding
