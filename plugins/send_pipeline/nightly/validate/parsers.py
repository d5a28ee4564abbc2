"""Value parsers: one per model type, for what people and vendor exports actually contain.

Every parser returns a value or raises `ParseError` with a message fit for a quarantine reason;
`parse_column` parses a whole column and collects those messages per row instead of raising. Both
validation paths (row-wise `rowwise.py`, column-wise `columnar.py`) type values through `PARSERS`.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from send_pipeline.kernel.errors import ParseError

PLACEHOLDERS = {"", "tbc", "tba", "n/a", "na", "none", "-", "--", "?", "not known", "unknown", "nan", "nat"}
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (accounts for the 1900 leap-year bug for serials > 60)


def is_placeholder(value: object) -> bool:
    if value is None:
        return True
    return str(value).strip().lower() in PLACEHOLDERS


_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_uk_date(value: object) -> date | None:
    """A date as typed in a UK spreadsheet or export.

    Accepts date/datetime objects, ISO `2024-03-12`, UK `12/03/2024`, `12.3.24`, `12-3-2024`, and Excel
    serial numbers (as numbers or digit strings). `TBC`, `n/a`, blank and the like mean "no date" and
    give None. Impossible dates (31/02/2024) and US-order dates (03/31/2024) raise ParseError.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = str(value).strip()
    if is_placeholder(text):
        return None
    match = _ISO.match(text)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    match = _DMY.match(text)
    if match:
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if year < 100:
            year += 2000 if year < 70 else 1900
        if month > 12 and day <= 12:
            raise ParseError(f"date '{text}' looks like month/day order; UK dates are day/month/year")
        return _make_date(year, month, day, text)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_serial(float(text))
    raise ParseError(f"'{text}' is not a date (expected dd/mm/yyyy)")


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(f"'{text}' is not a real date") from None


def _from_serial(serial: float) -> date:
    if not 1 <= serial < 2958466:
        raise ParseError(f"'{serial:g}' is not an Excel date serial")
    return EXCEL_EPOCH + timedelta(days=int(serial))


_AMOUNT = re.compile(r"^(-)?\s*£?\s*(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?$")


def parse_amount(value: object) -> Decimal | None:
    """Money as a finance export writes it: `£1,234.56`, `-£120.00`, `(120.00)`, `1234.5`.

    Blank gives None; anything else that is not a number raises ParseError.
    """
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = str(value).strip().replace("\u00a0", " ")
    if text == "":
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    text = text.replace(" ", "")
    match = _AMOUNT.match(text)
    if not match:
        raise ParseError(f"amount '{value}' is not money (expected e.g. £1,234.56)")
    negative = negative or bool(match[1] or match[2])
    try:
        amount = Decimal(match[3].replace(",", "") + (match[4] or ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise ParseError(f"amount '{value}' is not money") from None
    return (-amount if negative else amount).quantize(Decimal("0.01"))


def parse_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            return int(value)
        raise ParseError(f"'{value}' is not a whole number")
    text = str(value).strip()
    if text == "" or text.lower() in {"nan", "none", "null"}:
        return None
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text)) if "." in text else int(text)
    raise ParseError(f"'{text}' is not a whole number")


def parse_decimal(value: object) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    if text == "" or text.lower() in {"nan", "none", "null"}:
        return None
    try:
        return float(text)
    except ValueError:
        raise ParseError(f"'{text}' is not a number") from None


def parse_flag(value: object) -> int | None:
    """0/1 flags, also written as Y/N, Yes/No, True/False."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in {"", "nan", "none", "null"}:
        return None
    if text in {"1", "1.0", "y", "yes", "true", "t"}:
        return 1
    if text in {"0", "0.0", "n", "no", "false", "f"}:
        return 0
    raise ParseError(f"'{value}' is not a yes/no flag (expected 1 or 0)")


def parse_text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_code(value: object) -> str | None:
    """A code: trimmed, upper case; blank is None."""
    text = parse_text(value)
    return text.upper() if text else None


def parse_timestamp(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if text == "" or text.lower() in {"nan", "nat", "none"}:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        day = parse_uk_date(text)
        if day is None:
            return None
        return datetime(day.year, day.month, day.day)


def norm_name(name: str) -> str:
    """A column name as matched: case, spaces and a byte-order mark ignored."""
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().lower()


def parse_fy(value: object) -> str | None:
    text = parse_text(value)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2][-2:]):
        raise ParseError(f"financial year '{text}' is not like 2024/25")
    return f"{match[1]}-{match[2][-2:]}"


def parse_label(value: object) -> str | None:
    """A value picked from a list by hand: spacing and case are forgiven (`annual ` → `Annual`)."""
    text = parse_text(value)
    return " ".join(text.split()).title() if text else None


PARSERS = {
    "label": parse_label,
    "int": parse_int,
    "text": parse_text,
    "code": parse_code,
    "date": parse_uk_date,
    "timestamp": parse_timestamp,
    "flag": parse_flag,
    "amount": parse_amount,
    "decimal": parse_decimal,
    "fy": parse_fy,
}


def parse_column(series: pd.Series, parse) -> tuple[list, dict[int, tuple[object, str]]]:
    """Parse each distinct value once (dates, amounts and codes repeat a lot); same parser, same messages."""
    if parse is parse_int:
        return _parse_ints(series)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed_unique, failed = [], {}
    for k, value in enumerate(uniques):
        try:
            parsed_unique.append(parse(value))
        except ParseError as exc:
            parsed_unique.append(None)
            failed[k] = (value, str(exc))
    parsed_unique.append(None)  # code -1: a missing value
    lookup = np.empty(len(parsed_unique), dtype=object)
    lookup[:] = parsed_unique
    parsed = lookup[codes].tolist()  # numpy take: code -1 picks the trailing None
    errors = {}
    if failed:
        for i in np.flatnonzero(np.isin(codes, list(failed))).tolist():
            errors[i] = failed[int(codes[i])]
    return parsed, errors


def _parse_ints(series: pd.Series) -> tuple[list, dict[int, tuple[object, str]]]:
    """Whole numbers, vectorised; only values that are not plain integers go through the parser."""
    numbers = pd.to_numeric(series, errors="coerce")
    plain = numbers.notna() & (numbers % 1 == 0)
    parsed = [int(v) if ok else None for v, ok in zip(numbers.tolist(), plain.tolist())]
    errors = {}
    values = series.to_numpy(dtype=object)  # read once: per-row .iat on Arrow strings is slow
    for i in np.flatnonzero(~plain.to_numpy(dtype=bool) & series.notna().to_numpy(dtype=bool)).tolist():
        try:
            parsed[i] = parse_int(values[i])
        except ParseError as exc:
            errors[i] = (values[i], str(exc))
    return parsed, errors
