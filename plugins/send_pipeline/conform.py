"""Raw landed rows (text as the source wrote it) → typed rows in the model's names.

A value that cannot be read sends its row to quarantine with the column, the value and what was wrong;
a required column missing from the source stops the source. Exact repeats of a row are quarantined as
duplicates of the first copy, so nothing is silently dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import identifiers, readers
from .entities import Entity
from .readers import ParseError, SourceUnusable

PROVENANCE = ("_source_file", "_source_row", "_parse_error")


def _fy(value: object) -> str | None:
    text = readers.parse_text(value)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2][-2:]):
        raise ParseError(f"financial year '{text}' is not like 2024/25")
    return f"{match[1]}-{match[2][-2:]}"


def _label(value: object) -> str | None:
    """A value picked from a list by hand: spacing and case are forgiven (`annual ` → `Annual`)."""
    text = readers.parse_text(value)
    return " ".join(text.split()).title() if text else None


PARSERS = {
    "label": _label,
    "int": readers.parse_int,
    "text": readers.parse_text,
    "code": readers.parse_code,
    "date": readers.parse_uk_date,
    "timestamp": readers.parse_timestamp,
    "flag": readers.parse_flag,
    "amount": readers.parse_amount,
    "decimal": readers.parse_decimal,
    "fy": _fy,
}


@dataclass
class Conformed:
    entity: Entity
    rows_in: int
    frame: pd.DataFrame  # typed, model names; index = position in the raw frame
    quarantine: list[dict] = field(default_factory=list)


def check_columns(entity: Entity, columns: list[str], where: str) -> None:
    """Stop the source when a required column is missing; match names ignoring case and spaces.

    The message names only columns the contract knows: when a header row is missing, the "columns"
    are the first data row, and they must not reach a log (they can be a child's name).
    """
    present = {_norm(c) for c in columns}
    missing = [c.source for c in entity.columns if c.required and _norm(c.source) not in present]
    if missing:
        known = {_norm(c.source) for c in entity.columns}
        recognised = [c for c in columns if _norm(c) in known]
        others = len(columns) - len(recognised)
        raise SourceUnusable(
            f"{where}: required column(s) {', '.join(repr(m) for m in missing)} missing; "
            f"recognised: {', '.join(repr(c) for c in recognised) or 'none'}"
            + (f"; {others} other column(s) not shown (is the header row missing or renamed?)" if others else "")
            + f"; the {entity.name} load is stopped"
        )


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().lower()


def conform(entity: Entity, raw: pd.DataFrame) -> Conformed:
    check_columns(entity, [c for c in raw.columns if c not in PROVENANCE], f"{entity.source}/{entity.name}")
    by_norm = {_norm(c): c for c in raw.columns}
    raw = raw.reset_index(drop=True)
    out: dict[str, list] = {}
    bad: dict[int, dict] = {}
    for col in entity.columns:
        src = by_norm.get(_norm(col.source))
        if src is None:  # an optional column the source does not have
            parsed, errors = [None] * len(raw), {}
        else:
            parsed, errors = _parse_column(raw[src], PARSERS[col.type])
        for i, (value, message) in errors.items():
            bad.setdefault(i, _q(raw, i, col.source, value, message, "parse"))
        if col.not_null:
            for i in [i for i, v in enumerate(parsed) if v is None and i not in bad]:
                bad[i] = _q(raw, i, col.source, raw.at[i, src] if src else None, f"{col.source} is required but blank", "required")
        # object, not pandas 3's inferred `str` dtype: None must stay None (not NaN) for the checks below
        out[col.name] = (pd.Series(pd.array(parsed, dtype="Int64"), index=raw.index) if col.type in ("int", "flag")
                         else _objects(parsed, raw))
    frame = pd.DataFrame(out, index=raw.index)
    for name in PROVENANCE[:2]:
        frame[name.lstrip("_")] = raw[name] if name in raw.columns else None
    if "_parse_error" in raw.columns:
        for i in raw.index[raw["_parse_error"].notna()]:
            bad[i] = _q(raw, i, None, None, raw.at[i, "_parse_error"], "malformed_line")

    source_cols = [c for c in raw.columns if c not in PROVENANCE]
    if len(raw) and source_cols:
        group = raw[source_cols].astype("string").fillna("\x00").groupby(source_cols, sort=False).ngroup()
        first_of = raw.index.to_series().groupby(group.values).transform("first")
        for i in raw.index[first_of.values != raw.index.values]:
            j = first_of[i]
            where = f"{raw.at[j, '_source_file']} row {raw.at[j, '_source_row']}" if "_source_file" in raw else f"row {j}"
            bad.setdefault(i, _q(raw, i, None, None, f"exact duplicate of {where}", "duplicate"))

    _derive(entity, frame)
    quarantine = [bad[i] for i in sorted(bad)]
    frame = frame.drop(index=list(bad))
    return Conformed(entity, len(raw), frame, quarantine)


def _parse_column(series: pd.Series, parse) -> tuple[list, dict[int, tuple[object, str]]]:
    """Parse each distinct value once (dates, amounts and codes repeat a lot); same parser, same messages."""
    if parse is readers.parse_int:
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
            parsed[i] = readers.parse_int(values[i])
        except ParseError as exc:
            errors[i] = (values[i], str(exc))
    return parsed, errors


_QUOTED = re.compile(r"'.*'", re.S)


def value_free(reason: str | None, value: object) -> str | None:
    """A quarantine reason without the value it is about ("'Finley Johnson' is not a whole number" ->
    "the value is not a whole number"): reasons go to ops, alerts, logs and the health view; the value
    itself stays only in the owner-only quarantine file's value column."""
    if reason is None or value is None:
        return reason
    reason, quoted = _QUOTED.subn("the value", reason)
    text = str(value).strip()
    return reason.replace(text, "the value") if not quoted and len(text) >= 3 else reason


def _q(raw: pd.DataFrame, i: int, column: str | None, value: object, reason: str, rule: str) -> dict:
    return {
        "row": int(i),
        "source_file": raw.at[i, "_source_file"] if "_source_file" in raw.columns else None,
        "source_row": int(raw.at[i, "_source_row"]) if "_source_row" in raw.columns else int(i),
        "column": column,
        "value": None if value is None else str(value),
        "rule": rule,
        "reason": value_free(reason, value),
    }


def _derive(entity: Entity, frame: pd.DataFrame) -> None:
    if entity.name == "person":
        frame["upn_problem"] = _objects([identifiers.upn_problem(u) if u else None for u in frame["upn"]], frame)
        frame["uln_problem"] = _objects([identifiers.uln_problem(u) if u else None for u in frame["uln"]], frame)
        missing = frame["upn"].isna() & frame["uln"].isna() & frame["upn_unknown_reason"].isna()
        frame.loc[missing, "upn_problem"] = "no UPN, ULN or UPN-unknown reason"
    if entity.name == "ledger_line":
        # the financial year of each distinct posting date, computed once per date (dates repeat a lot)
        dates = frame["posting_date"]
        years = {d: (f"{d.year}-{(d.year + 1) % 100:02d}" if d.month >= 4 else f"{d.year - 1}-{d.year % 100:02d}")
                 for d in set(dates.dropna().tolist())}
        frame["posting_fy"] = _objects([None if d is None else years[d] for d in dates.tolist()], frame)


def _objects(values: list, frame: pd.DataFrame) -> pd.Series:
    """A column of Python objects (None stays None; pandas 3 would infer `str` and write NaN)."""
    return pd.Series(values, dtype=object, index=frame.index)
