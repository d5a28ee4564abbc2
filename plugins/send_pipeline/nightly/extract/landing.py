"""The raw landing zone: every extract kept as Parquet (text as the source wrote it), per
source/entity/run, with a manifest saying what was read and how. A re-run of the same run replaces its
own landing whole (written aside, then renamed into place). Files are owner-only (kernel/files.py).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from send_pipeline.kernel.files import OWNER_FILE, disk_errors, landing_path, owner_only_dir, write_owner_only, write_parquet


def land(landing: Path, source: str, entity: str, run_id: str, frame: pd.DataFrame, manifest: dict) -> Path:
    """Land one entity's raw rows and its manifest; replaces this run's earlier attempt."""
    final = landing_path(landing, source, entity, run_id)
    staging = final.with_name(final.name + ".incoming")
    shutil.rmtree(staging, ignore_errors=True)
    owner_only_dir(staging)
    try:
        write_parquet(frame, staging / "raw.parquet")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # nothing half-landed stays behind
        raise
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

    final = landing_path(landing, source, entity, run_id)
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
    except BaseException as exc:
        if writer is not None:
            with contextlib.suppress(Exception):  # closing a writer on a full disk fails again
                writer.close()
            writer = None
        shutil.rmtree(staging, ignore_errors=True)
        with disk_errors(final / "raw.parquet", tmp):  # a full disk is said as one, with what to do
            raise exc
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
