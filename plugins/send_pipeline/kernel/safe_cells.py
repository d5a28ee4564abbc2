"""Cells a spreadsheet will never run: the one place every CSV and XLSX the project writes goes through.

Values the project publishes come partly from outside (school names from GIAS, officer roles and
grades from the CMS, the DfE's `la_name`, raw values in quarantine files). A spreadsheet treats a cell
beginning `=`, `+`, `-`, `@`, tab or carriage return as a formula (or DDE command), so such a value
would run when an officer or an FOI requester opens the file (OWASP, "CSV Injection").

- CSV (`csv_text`, `csv_safe`): a text cell beginning with one of those characters (after any leading
  spaces or line breaks, which spreadsheets skip; and the full-width forms some locales turn into
  them) gets a leading apostrophe `'`, as OWASP advises; the CSV writer then quotes as usual.
- XLSX (`xlsx_cell`): text is always stored as a string cell (never a formula, whatever it begins
  with) and marked "quote prefix", so a user editing the cell cannot turn it into one; the text itself
  is kept exactly (the workbook shows `=HYPERLINK(...)` as those characters). Characters XML cannot
  hold (control characters) become U+FFFD instead of aborting the whole workbook.
- Negative numbers: a real number (int, float, Decimal) is a number: a numeric cell in XLSX and its
  digits in CSV (`-120.00`). Text that is exactly a plain decimal number (`-120.00`, `+5`, `-0.5`) is
  left as it is too: a spreadsheet reads it as that number, it cannot hold a formula, and published
  figures (FOI CSVs, the DfE's negative balances) must stay readable as numbers. Anything else that
  starts `-` or `+` (`-1+1`, `-2+3+cmd|' /C calc'!A0`, `+44 20 ...`) is neutralised.
"""
from __future__ import annotations

import re

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # full-width = + - @
_LEADING = " \n\u00a0\u3000"            # skipped by spreadsheets before a formula
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def dangerous(text: str) -> bool:
    """Whether a spreadsheet could read this text as a formula or command."""
    if not isinstance(text, str) or _PLAIN_NUMBER.match(text):
        return False
    return text.lstrip(_LEADING).startswith(TRIGGERS)


def csv_text(value):
    """A cell for a CSV: text that could be a formula gets a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and dangerous(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` fit for `to_csv`: every text cell (and column name) through `csv_text`; numbers kept."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(csv_text)
    out.columns = [csv_text(c) for c in out.columns]
    return out


def xml_text(text: str) -> str:
    return _ILLEGAL_XML.sub("\ufffd", text)


def xlsx_cell(ws, value, font=None, alignment=None):
    """A write-only openpyxl cell that is never a formula: numbers as numbers, text as a string cell."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        text = xml_text(value)
        cell = WriteOnlyCell(ws, value=None)
        cell.value = text          # openpyxl infers a formula from a leading '=' ...
        cell.data_type = "s"       # ... so the type is set afterwards: always a string
        if dangerous(text):
            cell.quotePrefix = True
    else:
        cell = WriteOnlyCell(ws, value=value)
        if cell.data_type == "f":  # pragma: no cover - only text can begin '='
            cell.data_type = "s"
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell
