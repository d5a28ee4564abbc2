"""The raw landing zone: every extract kept as Parquet, partitioned source/entity/run, with a manifest.

Layout: `<landing>/source=<s>/entity=<e>/run=<run>/raw.parquet` + `manifest.json` (+ `accepted.parquet`
written by validation). Files hold personal data: directories 0700, files 0600. A re-run of the same
run replaces its own partition whole (written aside, then renamed into place).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

OWNER_DIR, OWNER_FILE = 0o700, 0o600


def safe_run(run_id: str) -> str:
    """A run id usable as a folder name (Airflow's contain ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)


def partition(landing: Path, source: str, entity: str, run_id: str) -> Path:
    return landing / f"source={source}" / f"entity={entity}" / f"run={safe_run(run_id)}"


def owner_only_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_DIR)
    os.chmod(path, OWNER_DIR)
    return path


def write_owner_only(path: Path, data: bytes | str) -> Path:
    """Write a file readable by its owner only, atomically (temp file then rename)."""
    owner_only_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    return _write_atomically(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_table(table, path: Path) -> Path:
    """An Arrow table as Parquet, owner-only, atomically (the column-wise path's write_parquet)."""
    import pyarrow.parquet as pq

    return _write_atomically(path, lambda tmp: pq.write_table(table, tmp))


def _write_atomically(path: Path, write) -> Path:
    """`write(tmp)` beside `path`, made owner-only, then renamed over it (readers never see half a file)."""
    owner_only_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.chmod(tmp, OWNER_FILE)
    os.replace(tmp, path)
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def land(landing: Path, source: str, entity: str, run_id: str, frame: pd.DataFrame, manifest: dict) -> Path:
    """Land one entity's raw rows and its manifest; replaces this run's earlier attempt."""
    final = partition(landing, source, entity, run_id)
    staging = final.with_name(final.name + ".incoming")
    shutil.rmtree(staging, ignore_errors=True)
    owner_only_dir(staging)
    write_parquet(frame, staging / "raw.parquet")
    manifest = {
        "source": source,
        "entity": entity,
        "run_id": run_id,
        "rows": int(len(frame)),
        "columns": [c for c in frame.columns],
        "extracted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **manifest,
    }
    write_owner_only(staging / "manifest.json", json.dumps(manifest, indent=2, default=str))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    return final


class ColumnsDiffer(Exception):
    """Batches that cannot share one Parquet schema (the caller lands them together instead)."""


def land_batches(landing: Path, source: str, entity: str, run_id: str, batches, manifest) -> Path:
    """Land raw rows that arrive in batches (a big CMS table): written as they come, so memory holds
    one batch. Every column is text except `_source_row`. `manifest()` is called after the last batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = partition(landing, source, entity, run_id)
    staging = final.with_name(final.name + ".incoming")
    shutil.rmtree(staging, ignore_errors=True)
    owner_only_dir(staging)
    tmp = staging / ".raw.parquet.tmp"
    writer, schema, rows, columns = None, None, 0, []
    try:
        for frame in batches:
            if writer is None:
                columns = list(frame.columns)
                if len(set(columns)) != len(columns):
                    raise ColumnsDiffer("a repeated column name")
                schema = pa.schema([(c, pa.int64() if c == "_source_row" else pa.string()) for c in columns])
                writer = pq.ParquetWriter(tmp, schema)
            elif list(frame.columns) != columns:
                raise ColumnsDiffer(f"columns differ from the first batch's: {len(frame.columns)} vs {len(columns)}")
            writer.write_table(pa.Table.from_pandas(frame[columns], schema=schema, preserve_index=False))
            rows += len(frame)
    except BaseException:
        if writer is not None:
            writer.close()
            writer = None
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        return land(landing, source, entity, run_id, pd.DataFrame(columns=["_source_file", "_source_row"]), manifest())
    os.chmod(tmp, OWNER_FILE)
    os.replace(tmp, staging / "raw.parquet")
    write_owner_only(staging / "manifest.json", json.dumps({
        "source": source, "entity": entity, "run_id": run_id, "rows": rows, "columns": columns,
        "extracted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **manifest(),
    }, indent=2, default=str))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    return final


def read_manifest(part: Path) -> dict:
    return json.loads((part / "manifest.json").read_text())
