"""Column-wise conform and checks for big partitions (issue 8): the verdicts of conform.py + GX, in Arrow.

At national scale the row-wise path (pandas objects, then GX on the whole frame) spends most of its
time on per-row Python objects. This path keeps every column an Arrow array:

- **conform**: each column is dictionary-encoded; only its *distinct* values go through the same
  parser `conform.py` uses (same values, same quarantine messages), and the typed array is a `take`
  of the parsed distinct values. Required-but-blank, malformed lines and exact-duplicate rows are found
  with the same rules (duplicates in DuckDB, grouping on every source column).
- **checks**: each expectation of the entity's GX suite is evaluated with GX's own pandas semantics,
  column-wise: `in_set` (`isin`), `between` (inclusive bounds, dates compared as timestamps, amounts as
  floats), pair comparisons (rows with either value missing ignored), null checks, `match_regex`
  (Python `re.search` on each distinct value, as GX's `str.contains`), and uniqueness through pandas'
  `duplicated(keep=False)`, the very call GX makes. Anything this module does not know (an expectation
  type, a value set whose type differs from the column's) raises `NotColumnar`, and the caller
  validates that partition the row-wise way.
- **GX still runs on every partition**, on a sample of its rows (`SEND_VALIDATE_SAMPLE_ROWS`, default
  20,000); these checks run on the same sample and must give the same failing rows for every
  expectation, or the run stops with `QualityError`. GX's result on the sample is the suite's record.

Same guarantees: every row is checked by every expectation (nothing is sampled out); the sample is
only GX's cross-check and record. The differential tests run both paths on the defect corpora and
compare accepted rows, quarantine and warnings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from send_pipeline.kernel import settings
from send_pipeline.kernel.errors import QualityError, SourceUnusable
from send_pipeline.nightly.sources import Entity
from send_pipeline.nightly.validate.expectations import Outcome, failure_of, load_suite
from send_pipeline.nightly.validate.parsers import PARSERS, norm_name, parse_column
from send_pipeline.nightly.validate.rowwise import PROVENANCE, check_columns, value_free

ARROW_TYPES = {
    "date": pa.date32(), "timestamp": pa.timestamp("us"), "int": pa.int64(), "flag": pa.int64(),
    "amount": pa.decimal128(38, 2), "decimal": pa.float64(),
}
POS = "__pos"  # the row's position in the partition's raw table


class NotColumnar(Exception):
    """This partition (or suite) needs the row-wise path; the message says why (no row values)."""


def sample_rows() -> int:
    return settings.sample_rows()


@dataclass
class ConformedTable:
    rows_in: int
    table: pa.Table                     # typed, model names + source_file/source_row + derived + POS
    quarantine: list[dict] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ conform
def conform_table(entity: Entity, raw: pa.Table) -> ConformedTable:
    """`conform.conform` column-wise: the same typed values, the same quarantine rows and messages."""
    check_columns(entity, [c for c in raw.column_names if c not in PROVENANCE], f"{entity.source}/{entity.name}")
    by_norm = {norm_name(c): c for c in raw.column_names}
    n = raw.num_rows
    files = raw.column("_source_file").to_pylist() if "_source_file" in raw.column_names else None
    rows = raw.column("_source_row").to_numpy(zero_copy_only=False) if "_source_row" in raw.column_names else None
    bad: dict[int, dict] = {}

    def q(i: int, column, value, reason: str, rule: str) -> dict:
        return {"row": int(i), "source_file": None if files is None else files[i],
                "source_row": int(rows[i]) if rows is not None else int(i), "column": column,
                "value": None if value is None else str(value), "rule": rule, "reason": value_free(reason, value)}

    arrays, names = [], []
    for col in entity.columns:
        src = by_norm.get(norm_name(col.source))
        if src is None:
            typed = pa.nulls(n, ARROW_TYPES.get(col.type, pa.string()))
        else:
            typed, errors, raw_values = _parse(raw.column(src), col.type)
            for i in errors:
                value, message = errors[i]
                bad.setdefault(i, q(i, col.source, value, message, "parse"))
            if col.not_null:
                for i in np.flatnonzero(typed.is_null().to_numpy(zero_copy_only=False)).tolist():
                    if i not in bad:
                        bad[i] = q(i, col.source, raw_values[i].as_py(), f"{col.source} is required but blank", "required")
        arrays.append(typed)
        names.append(col.name)
    for name in PROVENANCE[:2]:
        arrays.append(raw.column(name) if name in raw.column_names else pa.nulls(n, pa.string()))
        names.append(name.lstrip("_"))
    if "_parse_error" in raw.column_names:
        errs = raw.column("_parse_error")
        for i in np.flatnonzero(errs.is_valid().to_numpy(zero_copy_only=False)).tolist():
            bad[i] = q(i, None, None, errs[i].as_py(), "malformed_line")
    source_cols = [c for c in raw.column_names if c not in PROVENANCE]
    for i, j in _exact_duplicates(raw, source_cols):
        where = f"{files[j]} row {int(rows[j])}" if files is not None else f"row {j}"
        bad.setdefault(i, q(i, None, None, f"exact duplicate of {where}", "duplicate"))
    table = pa.table(dict(zip(names, arrays)))
    table = _derive(entity, table).append_column(POS, pa.array(np.arange(n), pa.int64()))
    keep = np.ones(n, dtype=bool)
    keep[list(bad)] = False
    return ConformedTable(n, table.filter(pa.array(keep)), [bad[i] for i in sorted(bad)])


def _parse(column: pa.ChunkedArray, type_: str) -> tuple[pa.Array, dict, pa.Array]:
    """Parse distinct values with conform's parser; the typed column, errors by position, the raw values."""
    values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_null(values.type):
        values = values.cast(pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        raise NotColumnar(f"raw column of type {values.type} (the landing holds text)")
    encoded = pc.dictionary_encode(values)
    uniques = encoded.dictionary.to_pylist()
    parsed, failed = parse_column(pd.Series(uniques, dtype=object), PARSERS[type_])
    try:
        typed_uniques = pa.array(parsed, type=ARROW_TYPES.get(type_, pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise NotColumnar(f"a parsed value does not fit {ARROW_TYPES.get(type_)}: {type(exc).__name__}") from None
    indices = encoded.indices
    typed = typed_uniques.take(indices)
    errors = {}
    if failed:
        codes = indices.fill_null(-1).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(np.isin(codes, list(failed))).tolist():
            errors[i] = failed[int(codes[i])]
    return typed, errors, values


def _exact_duplicates(raw: pa.Table, columns: list[str]) -> list[tuple[int, int]]:
    """(row, first copy) for each row that repeats an earlier row in every source column."""
    if not columns or raw.num_rows < 2:
        return []
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET threads TO 2")
        view = raw.select(columns).append_column(POS, pa.array(np.arange(raw.num_rows), pa.int64()))
        con.register("raw_rows", view)
        cols = ", ".join(f'"{c.replace(chr(34), chr(34) * 2)}"' for c in columns)
        found = con.execute(
            f"SELECT {POS}, first_pos FROM (SELECT {POS}, MIN({POS}) OVER (PARTITION BY {cols}) AS first_pos "
            f"FROM raw_rows) WHERE {POS} <> first_pos ORDER BY {POS}").fetchall()
    finally:
        con.close()
    return [(int(i), int(j)) for i, j in found]


def _map_distinct(values: pa.Array, fn, type_=pa.string()) -> pa.Array:
    """`fn` applied to each distinct value (None for nulls is fn(None)), taken back to every row."""
    encoded = pc.dictionary_encode(values)
    uniques = encoded.dictionary.to_pylist() + [None]
    mapped = pa.array([fn(v) for v in uniques], type=type_)
    return mapped.take(encoded.indices.fill_null(len(uniques) - 1))


def _derive(entity: Entity, table: pa.Table) -> pa.Table:
    """rowwise._derive column-wise: one input is mapped per distinct value; several, per distinct row."""
    for d in entity.derived:
        inputs = [table.column(c).combine_chunks() for c in d.inputs]
        if len(inputs) == 1:
            values = _map_distinct(inputs[0], d.fn)
        else:
            cache: dict = {}
            values = pa.array([cache[k] if k in cache else cache.setdefault(k, d.fn(*k))
                               for k in zip(*(i.to_pylist() for i in inputs))], pa.string())
        table = table.append_column(d.name, values)
    return table


# ------------------------------------------------------------------------------------------- checks
def check(suite_name: str, table: pa.Table, parameters: dict) -> Outcome:
    """The suite's verdicts on every row of `table` (rows identified by POS), as `Validator.validate`
    reports them: quarantine {pos: [failures in suite order]}, warnings [{row: pos, ...}]."""
    suite = load_suite(suite_name)
    outcome = Outcome(suite_name, len(suite["expectations"]))
    positions = table.column(POS).to_numpy()
    columns = [c for c in table.column_names if c != POS]
    for exp in suite["expectations"]:
        kind, kwargs, meta = exp["type"], exp["kwargs"], exp.get("meta", {})
        action = meta.get("on_failure", "quarantine")
        if kind == "expect_table_columns_to_match_set":
            if kwargs.get("exact_match"):
                raise NotColumnar("exact column match")
            if set(kwargs["column_set"]) - set(columns):
                failure = failure_of(kind, kwargs, meta, exp.get("notes"))
                raise SourceUnusable(f"{suite_name}: {failure['reason']}; the source is stopped")
            continue
        mask = _fails(kind, kwargs, table, parameters)
        if mask is None or not mask.any():
            continue
        failure = failure_of(kind, _shown_kwargs(kwargs), meta, exp.get("notes"))
        if action == "stop":
            raise SourceUnusable(f"{suite_name}: {failure['reason']}; the source is stopped")
        rows = positions[mask].tolist()
        if action == "warn":
            outcome.warnings.extend({"row": r, **failure} for r in rows)
        else:
            for r in rows:
                outcome.quarantine.setdefault(r, []).append(failure)
    return outcome


def _shown_kwargs(kwargs: dict) -> dict:
    value_set = kwargs.get("value_set")
    if isinstance(value_set, dict) and "$PARAMETER" in value_set:  # as quality._key_set_as_flag reports it
        return {"column": kwargs["column"], "value_set": f"the loaded {value_set['$PARAMETER']}"}
    return kwargs


def _param(value, parameters: dict):
    return parameters[value["$PARAMETER"]] if isinstance(value, dict) and "$PARAMETER" in value else value


def _col(table: pa.Table, name: str) -> pa.Array | None:
    if name not in table.column_names:
        return None
    return table.column(name).combine_chunks()


def _np(mask) -> np.ndarray:
    """A boolean Arrow result as numpy, nulls (a missing value: ignored, as GX ignores it) False."""
    return mask.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _comparable(values: pa.Array, bound):
    """The column and a bound in the types GX compares them in (dates as timestamps, amounts as floats)."""
    if isinstance(bound, (pd.Timestamp,)) or hasattr(bound, "isoformat"):
        if not (pa.types.is_date(values.type) or pa.types.is_timestamp(values.type)):
            raise NotColumnar("a date bound on a column that is not a date")
        stamp = pd.Timestamp(bound)
        if stamp.tzinfo is not None:
            raise NotColumnar("a time-zoned bound")
        return values.cast(pa.timestamp("us")), pa.scalar(stamp.to_pydatetime(), pa.timestamp("us"))
    if isinstance(bound, bool) or not isinstance(bound, (int, float)):
        raise NotColumnar(f"a bound of type {type(bound).__name__}")
    if pa.types.is_decimal(values.type) or pa.types.is_floating(values.type) or isinstance(bound, float):
        return values.cast(pa.float64()), pa.scalar(float(bound), pa.float64())
    if pa.types.is_integer(values.type):
        return values, pa.scalar(int(bound), pa.int64())
    raise NotColumnar(f"a numeric bound on a column of type {values.type}")


def _fails(kind: str, kwargs: dict, table: pa.Table, parameters: dict) -> np.ndarray | None:
    """Rows (boolean mask) failing one expectation, GX's pandas semantics; None: the column is absent
    (GX would raise; the row-wise path reports it)."""
    if kind in ("expect_column_values_to_be_in_set", "expect_column_values_to_be_between",
                "expect_column_values_to_match_regex", "expect_column_values_to_be_null",
                "expect_column_values_to_not_be_null", "expect_column_values_to_be_unique"):
        values = _col(table, kwargs["column"])
        if values is None:
            raise NotColumnar(f"column {kwargs['column']} is not in the table")
        if kind == "expect_column_values_to_be_null":
            return _np(values.is_valid())
        if kind == "expect_column_values_to_not_be_null":
            return _np(values.is_null())
        if kind == "expect_column_values_to_be_unique":  # a one-column key: missing values skipped
            return _duplicated(table, [kwargs["column"]])
        if kind == "expect_column_values_to_be_in_set":
            return _not_in_set(values, _param(kwargs["value_set"], parameters))
        if kind == "expect_column_values_to_be_between":
            if kwargs.get("parse_strings_as_datetimes") or kwargs.get("output_strftime_format"):
                raise NotColumnar("between with string parsing")
            lo, hi = _param(kwargs.get("min_value"), parameters), _param(kwargs.get("max_value"), parameters)
            bad = pa.array(np.zeros(len(values), dtype=bool))
            if lo is not None:
                col, b = _comparable(values, lo)
                bad = pc.or_(bad, (pc.less_equal if kwargs.get("strict_min") else pc.less)(col, b).fill_null(False))
            if hi is not None:
                col, b = _comparable(values, hi)
                bad = pc.or_(bad, (pc.greater_equal if kwargs.get("strict_max") else pc.greater)(col, b).fill_null(False))
            return _np(bad)
        if kind == "expect_column_values_to_match_regex":
            pattern = re.compile(kwargs["regex"])
            if pa.types.is_integer(values.type) or pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
                texts = values.cast(pa.string())
            else:
                raise NotColumnar(f"a regex on a column of type {values.type}")
            encoded = pc.dictionary_encode(texts)
            failing = [k for k, v in enumerate(encoded.dictionary.to_pylist()) if pattern.search(v) is None]
            codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            return np.isin(codes, failing) if failing else np.zeros(len(values), dtype=bool)
    if kind == "expect_compound_columns_to_be_unique":
        if kwargs.get("ignore_row_if", "all_values_are_missing") != "all_values_are_missing":
            raise NotColumnar("compound uniqueness with another ignore_row_if")
        return _duplicated(table, kwargs["column_list"])
    if kind in ("expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"):
        if kwargs.get("ignore_row_if") != "either_value_is_missing":
            raise NotColumnar("a pair check that does not ignore missing values")
        a, b = _col(table, kwargs["column_A"]), _col(table, kwargs["column_B"])
        if a is None or b is None:
            raise NotColumnar("a pair column is not in the table")
        if a.type != b.type:
            if (pa.types.is_date(a.type) or pa.types.is_timestamp(a.type)) and \
                    (pa.types.is_date(b.type) or pa.types.is_timestamp(b.type)):
                a, b = a.cast(pa.timestamp("us")), b.cast(pa.timestamp("us"))
            else:
                raise NotColumnar(f"a pair of {a.type} and {b.type}")
        if kind == "expect_column_pair_values_to_be_equal":
            return _np(pc.not_equal(a, b))
        op = pc.less if kwargs.get("or_equal") else pc.less_equal  # fails: not (A >= B) / not (A > B)
        return _np(op(a, b))
    raise NotColumnar(f"expectation {kind}")


def _duplicated(table: pa.Table, columns: list[str]) -> np.ndarray:
    """Rows whose key repeats, every copy flagged, as GX does: pandas `duplicated(keep=False)` on the
    rows with any key value present (missing values count as equal to each other)."""
    cols = {c: _col(table, c) for c in columns}
    if any(v is None for v in cols.values()):
        raise NotColumnar("a key column is not in the table")
    frame = pd.DataFrame({c: pd.Series(v.to_pandas(), dtype=object) for c, v in cols.items()})
    dup = frame[frame.notna().any(axis=1)].duplicated(keep=False)
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[dup.index[dup.to_numpy()]] = True
    return mask


def _not_in_set(values: pa.Array, value_set) -> np.ndarray:
    items = list(value_set)
    if pa.types.is_integer(values.type):
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            raise NotColumnar("a value set that is not whole numbers, on a whole-number column")
        allowed = pa.array(items, pa.int64())
    elif pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        if not all(isinstance(v, str) for v in items):
            raise NotColumnar("a value set that is not text, on a text column")
        allowed = pa.array(items, pa.string())
    else:
        raise NotColumnar(f"a value set on a column of type {values.type}")
    known = pc.is_in(values, value_set=allowed)
    return _np(pc.and_(values.is_valid(), pc.invert(known)))


# ----------------------------------------------------------------------------------- frames for GX
def to_frame(table: pa.Table) -> pd.DataFrame:
    """A typed table as conform's frame holds it: text and dates as Python objects (None for missing),
    whole numbers as Int64, amounts as Decimal, so GX sees exactly what the row-wise path gives it."""
    out = {}
    for name in table.column_names:
        if name == POS:
            continue
        col = table.column(name)
        if pa.types.is_integer(col.type):
            out[name] = pd.Series(pd.array(col.to_pylist(), dtype="Int64"))
        else:
            out[name] = pd.Series(col.to_pylist(), dtype=object)
    return pd.DataFrame(out)


def cross_check(validator, suite_name: str, table: pa.Table, parameters: dict, rows: int, asset: str) -> Outcome:
    """GX on the first `rows` rows of `table`, and these checks on the same rows: they must agree on
    every failing row of every expectation. Returns GX's outcome (its result_json is the record)."""
    sample = table.slice(0, rows)
    gx = validator.validate(suite_name, to_frame(sample), parameters, asset=asset)
    ours = check(suite_name, sample, parameters)
    positions = sample.column(POS).to_numpy()
    gx_quarantine = {int(positions[r]): f for r, f in gx.quarantine.items()}
    gx_warnings = sorted((int(positions[w["row"]]), w["rule"], w["column"]) for w in gx.warnings)
    our_warnings = sorted((w["row"], w["rule"], w["column"]) for w in ours.warnings)
    if _rules(gx_quarantine) != _rules(ours.quarantine) or gx_warnings != our_warnings:
        raise QualityError(f"{asset}: the column-wise checks disagree with GX on a sample of {sample.num_rows} rows; "
                           "set SEND_VALIDATE_COLUMNAR=0 to validate row-wise and report this")
    return gx


def _rules(quarantine: dict) -> dict:
    return {r: sorted((f["rule"], f["column"]) for f in fs) for r, fs in quarantine.items()}
