"""Big entities validated in key-hashed splits, with memory bounded by the split, not the entity (issue 8).

Rows go to splits by a hash of the *parsed* value of the entity's split key: a column every
uniqueness expectation of its suite includes (`expectations.split_key`). Two rows with the same key, as
conform parses it, therefore meet in one split, and so do exact-duplicate rows (same raw text,
same key). The uniqueness expectation and the duplicate check see what they would see on the whole
table; every other check is row by row. So a split run accepts, quarantines and warns exactly
the rows a whole-table run would (tests/e2e/test_partitioned_validation.py).

The raw file is never held whole: the key column is read alone and hashed, then the file is streamed
batch by batch into one owner-only Parquet file per split (removed afterwards), and each split
is read back in turn.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from send_pipeline.kernel import files as landing
from send_pipeline.nightly.sources import Entity
from send_pipeline.nightly.validate.expectations import split_key
from send_pipeline.nightly.validate.parsers import PARSERS, norm_name, parse_column

ROW = "__row"  # a row's position in raw.parquet, carried through the split files
BATCH_ROWS = 262_144


def splits(entity: Entity, path: Path, size: int) -> Iterator[tuple[pa.Table, np.ndarray | None]]:
    """(raw rows, their positions in `path`) per split; one split of everything (positions
    None) when the file has at most `size` rows or the suite has no split key."""
    if entity.feeds:  # a staged entity (the SEN2 returns): each return is checked on its own
        yield from _per_file(entity, path, size)
        return
    total = pq.ParquetFile(path).metadata.num_rows
    count = -(-total // size)
    buckets = _buckets(entity, path, count) if count > 1 else None
    if buckets is None:
        yield pq.read_table(path), None
        return
    split = path.parent / ".splits"
    shutil.rmtree(split, ignore_errors=True)
    landing.owner_only_dir(split)
    try:
        files = _split(path, buckets, count, split)
        for file in files:
            table = pq.read_table(file)
            rows = table.column(ROW).to_numpy()
            yield table.drop_columns([ROW]), rows
            file.unlink()
    finally:
        shutil.rmtree(split, ignore_errors=True)


def _per_file(entity: Entity, path: Path, size: int) -> Iterator[tuple[pa.Table, np.ndarray | None]]:
    """One split per `_source_file` (a return: one child appears once per return, and in several
    returns), in file order; positions are rows of `path`."""
    table = pq.read_table(path)
    names = table.column("_source_file").to_pylist()
    if len(set(names)) <= 1:
        yield table, None
        return
    for name in dict.fromkeys(names):
        rows = np.flatnonzero(np.array([n == name for n in names]))
        yield table.take(pa.array(rows, pa.int64())), rows


def _split(path: Path, buckets: np.ndarray, count: int, out: Path) -> list[Path]:
    """Stream `path` into one Parquet file per bucket, each row with its position (ROW)."""
    files = [out / f"part-{b:05d}.parquet" for b in range(count)]
    writers: dict[int, pq.ParquetWriter] = {}
    offset = 0
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
            n = batch.num_rows
            table = pa.Table.from_batches([batch]).append_column(ROW, pa.array(np.arange(offset, offset + n), pa.int64()))
            mine = buckets[offset:offset + n]
            order = np.argsort(mine, kind="stable")  # by bucket, in file order within each
            table = table.take(pa.array(order))
            bounds = np.searchsorted(mine[order], np.arange(count + 1))
            for b in range(count):
                if bounds[b + 1] > bounds[b]:
                    if b not in writers:
                        writers[b] = pq.ParquetWriter(files[b], table.schema)
                    writers[b].write_table(table.slice(bounds[b], bounds[b + 1] - bounds[b]))
            offset += n
    finally:
        for w in writers.values():
            w.close()
    for f in files:
        if f.exists():
            f.chmod(landing.OWNER_FILE)
    return [files[b] for b in sorted(writers)]


def _buckets(entity: Entity, path: Path, count: int) -> np.ndarray | None:
    key = split_key(entity.name)
    if key is None:
        return None
    column = next(c for c in entity.columns if c.name == key)
    names = {norm_name(n): n for n in pq.ParquetFile(path).schema_arrow.names}
    src = names.get(norm_name(column.source))
    if src is None:  # conform stops the source with the reason
        return None
    values = parsed_key(pq.read_table(path, columns=[src]).column(0), column.type)
    import duckdb

    con = duckdb.connect()
    try:
        con.register("keys", pa.table({"k": values}))
        hashed = con.execute("SELECT hash(k) AS h FROM keys").fetchnumpy()["h"]  # insertion order is kept
    finally:
        con.close()
    return (np.asarray(hashed, dtype=np.uint64) % np.uint64(count)).astype(np.int64)


def parsed_key(column, type_: str) -> pa.Array:
    """The key as conform parses it (null where it cannot be read), computed column-wise where the
    raw text is plain (digits for a whole number; printable ASCII with nothing to trim for text and
    codes, where Python's strip/upper are no-ops or ASCII upper-casing), by conform's parser elsewhere."""
    values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_null(values.type):
        values = values.cast(pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        parsed, _ = parse_column(values.to_pandas(), PARSERS[type_])
        return pa.array([None if v is None else str(v) for v in parsed], pa.string())
    out_type = pa.int64() if type_ in ("int", "flag") else pa.string()
    none = pa.scalar(None, values.type)
    if type_ == "int":
        plain = pc.match_substring_regex(values, r"^[0-9]{1,18}$")
        fast = pc.if_else(plain, values, none).cast(pa.int64())
    elif type_ in ("text", "code"):
        plain = pc.match_substring_regex(values, r"^[!-~]([ -~]*[!-~])?$")
        fast = pc.if_else(plain, pc.ascii_upper(values) if type_ == "code" else values, none).cast(pa.string())
    else:
        plain = pa.array(np.zeros(len(values), dtype=bool))
        fast = pa.nulls(len(values), out_type)
    slow = pc.and_(values.is_valid(), pc.invert(plain.fill_null(False))).fill_null(False)
    where = np.flatnonzero(slow.to_numpy(zero_copy_only=False))
    if where.size == 0:
        return fast
    parsed, _ = parse_column(pd.Series(values.take(pa.array(where)).to_pylist(), dtype=object), PARSERS[type_])
    if out_type == pa.string():
        parsed = [None if v is None else str(v) for v in parsed]
    try:
        replacement = pa.array(parsed, out_type)
    except (pa.ArrowInvalid, OverflowError):  # a whole number past int64: every key hashed as its text
        every, _ = parse_column(values.to_pandas(), PARSERS[type_])
        return pa.array([None if v is None else str(v) for v in every], pa.string())
    return pc.replace_with_mask(fast, slow, replacement)
