"""Retention: raw landing partitions, run quality folders (quarantined rows) and the SEN2 builder's
working tables older than the retention period are deleted, and each deletion is recorded in ops.purge_log (what, when, how big).

Age is the partition's own extraction time (manifest) or, for quality folders, the folder's mtime.
"""
from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _landed_at(part: Path) -> float:
    try:
        stamp = json.loads((part / "manifest.json").read_text())["extracted_at"]
        return datetime.fromisoformat(stamp).timestamp()
    except (OSError, KeyError, ValueError):
        return part.stat().st_mtime


def expired(settings: Settings, now: float | None = None) -> list[tuple[str, Path, float]]:
    """(kind, path, age-stamp) of every landing partition and quality folder past retention."""
    now = time.time() if now is None else now
    cutoff = now - settings.retention_days * 86400
    found = []
    for part in sorted(settings.landing_dir.glob("source=*/entity=*/run=*")):
        stamp = _landed_at(part)
        if stamp < cutoff:
            found.append(("landing", part, stamp))
    for folder in sorted((settings.output_dir / "quality").glob("*")):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            found.append(("quality", folder, folder.stat().st_mtime))
    # the SEN2 builder keeps the tables a return was written from (personal data) beside the XML
    for folder in sorted((settings.output_dir / "sen2").glob("*/.work")):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            found.append(("sen2_work", folder, folder.stat().st_mtime))
    return found


def purge(settings: Settings, run_id: str, now: float | None = None) -> dict:
    """Delete what is past retention and record it; returns counts (no paths: they may name runs only)."""
    items = expired(settings, now)
    records = []
    for kind, path, stamp in items:
        size = _size(path)
        shutil.rmtree(path, ignore_errors=True)
        records.append({"run_id": run_id, "kind": kind, "path": str(path), "bytes": size,
                        "created_at": datetime.fromtimestamp(stamp, timezone.utc).replace(tzinfo=None),
                        "purged_at": datetime.now(timezone.utc).replace(tzinfo=None)})
    if records:
        wh = Warehouse(settings.warehouse_url)
        try:
            wh.ensure()
            with wh.transaction() as conn:
                wh.insert_frame(conn, "ops.purge_log", pd.DataFrame(records))
        finally:
            wh.dispose()
    return {"purged": len(records), "bytes": sum(r["bytes"] for r in records),
            "retention_days": settings.retention_days,
            "cutoff": (datetime.now(timezone.utc) - timedelta(days=settings.retention_days)).date().isoformat()}
