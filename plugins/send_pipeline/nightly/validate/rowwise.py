"""The row-wise conform: raw landed rows (text as the source wrote it) → a typed pandas frame in the
model's names (GX then validates it row by row; the column-wise path is columnar.py).

A value that cannot be read sends its row to quarantine with the column, the value and what was wrong;
a required column missing from the source stops the source. Exact repeats of a row are quarantined as
duplicates of the first copy, so nothing is silently dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.nightly.sources import Entity
from send_pipeline.nightly.validate.parsers import PARSERS, norm_name, parse_column

PROVENANCE = ("_source_file", "_source_row", "_parse_error")


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
    present = {norm_name(c) for c in columns}
    missing = [c.source for c in entity.columns if c.required and norm_name(c.source) not in present]
    if missing:
        known = {norm_name(c.source) for c in entity.columns}
        recognised = [c for c in columns if norm_name(c) in known]
        others = len(columns) - len(recognised)
        raise SourceUnusable(
            f"{where}: required column(s) {', '.join(repr(m) for m in missing)} missing; "
            f"recognised: {', '.join(repr(c) for c in recognised) or 'none'}"
            + (f"; {others} other column(s) not shown (is the header row missing or renamed?)" if others else "")
            + f"; the {entity.name} load is stopped"
        )


def conform(entity: Entity, raw: pd.DataFrame) -> Conformed:
    check_columns(entity, [c for c in raw.columns if c not in PROVENANCE], f"{entity.source}/{entity.name}")
    by_norm = {norm_name(c): c for c in raw.columns}
    raw = raw.reset_index(drop=True)
    out: dict[str, list] = {}
    bad: dict[int, dict] = {}
    for col in entity.columns:
        src = by_norm.get(norm_name(col.source))
        if src is None:  # an optional column the source does not have
            parsed, errors = [None] * len(raw), {}
        else:
            parsed, errors = parse_column(raw[src], PARSERS[col.type])
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
    """The entity's derived columns (its declaration's `derived`), each input combination computed once."""
    for d in entity.derived:
        cache: dict = {}
        values = []
        for key in zip(*(frame[c].tolist() for c in d.inputs)):
            key = tuple(None if v is pd.NA else v for v in key)
            if key not in cache:
                cache[key] = d.fn(*key)
            values.append(cache[key])
        frame[d.name] = _objects(values, frame)


def _objects(values: list, frame: pd.DataFrame) -> pd.Series:
    """A column of Python objects (None stays None; pandas 3 would infer `str` and write NaN)."""
    return pd.Series(values, dtype=object, index=frame.index)
