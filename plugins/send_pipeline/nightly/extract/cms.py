"""The CMS into the raw landing: read-only through SQLAlchemy, every value as the text it was.

Incremental by `updated_at` (rows changed since the last good run, plus rows quarantined earlier and
not loaded since), or a full refresh (param `full_refresh`, or the first run); tables without
`updated_at` are read whole. Rows are fetched and landed in batches, so a national table never sits
in memory whole.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.kernel.files import write_parquet
from send_pipeline.kernel.warehouse import Warehouse, ident
from send_pipeline.nightly import deletions
from send_pipeline.nightly.extract import landing
from send_pipeline.nightly.extract.files import as_text
from send_pipeline.nightly.sources import Entity, Source

CMS_BATCH_ROWS = 250_000  # rows fetched and landed at a time
FUTURE_UPDATED_AT = ("updated_at is later than the extraction time (a wrong clock or a typed date?): the row "
                     "is quarantined so the watermark cannot pass it, and read again each night until corrected")

log = logging.getLogger(__name__)


def extract_cms(source: Source, cms_url: str, warehouse: Warehouse, landing_dir: Path, run_id: str, full_refresh: bool) -> dict:
    """Land every CMS table. Returns {entity: summary}."""
    try:
        engine = sa.create_engine(cms_url, poolclass=sa.pool.NullPool)
        conn = engine.connect()
    except Exception as exc:  # connection refused, bad URL, missing driver
        raise SourceUnusable(f"cannot connect to the CMS ({type(exc).__name__}: {_first_line(exc)})") from None
    summary = {}
    try:
        inspector = sa.inspect(conn)  # a council's mapping views (include/sql/cms/) count as tables
        tables = set(inspector.get_table_names()) | set(inspector.get_view_names())
        for entity in source.entities:
            if entity.origin not in tables:
                if not entity.optional:
                    raise SourceUnusable(f"CMS table {entity.origin} is missing; the CMS load is stopped")
                summary[entity.name] = _land_absent(source.name, entity, landing_dir, run_id)
                continue
            if entity.updated_at and not full_refresh:
                present = {c["name"] for c in inspector.get_columns(entity.origin)}
                if entity.updated_at not in present:
                    raise SourceUnusable(
                        f"CMS table {entity.origin} has no column '{entity.updated_at}', which the nightly read of "
                        "changed rows needs; the CMS load is stopped and nothing was changed: ask the CMS supplier "
                        "whether it was renamed (a mapping view in include/sql/cms/ can restore it)")
            try:
                scan, moved = _scan_keys(conn, entity, warehouse, full_refresh)
                summary[entity.name] = _extract_table(conn, source.name, entity, warehouse, landing_dir, run_id,
                                                      full_refresh, moved)
                if scan is not None:
                    write_parquet(scan, landing.landing_path(landing_dir, source.name, entity.name, run_id)
                                  / deletions.KEYS_FILE)
                    summary[entity.name].update(key_scan_rows=len(scan), moved=len(moved))
            except sa.exc.DBAPIError as exc:  # the CMS refused a query: say which table, never a bare driver error
                raise SourceUnusable(f"CMS table {entity.origin} cannot be read ({type(exc.orig).__name__}: "
                                     f"{_first_line(exc.orig)}); the CMS load is stopped and nothing was changed") from None
    finally:
        conn.close()
        engine.dispose()
    return summary


def _scan_keys(conn, entity: Entity, warehouse: Warehouse, full: bool) -> tuple[pd.DataFrame | None, set]:
    """Every key of an upsert table (with its parent key): the deletions the load applies, and the rows
    re-pointed to another parent (a merge) that the incremental read must take again (nightly/deletions.py)."""
    if not deletions.scans_keys(entity):
        return None, set()
    cols = deletions.scan_columns(entity)
    result = conn.execute(sa.text(f"SELECT {', '.join(ident(c) for c in cols)} FROM {ident(entity.origin)}"))
    scan = pd.DataFrame.from_records(result.fetchall(), columns=cols, coerce_float=False)
    scan = scan.dropna(subset=[cols[0]]).astype(str)
    if full or len(cols) < 2:
        return scan, set()
    try:
        current = warehouse.frame(f"SELECT {', '.join(ident(c) for c in cols)} FROM {ident(entity.table)}")
    except sa.exc.DBAPIError:  # a first night: nothing to compare with
        return scan, set()
    current = current.dropna(subset=[cols[0]]).astype("Int64").astype(str)
    moved = deletions.moved_keys(scan, current, entity)
    if moved:
        log.warning("%s: %d row(s) now point at another %s (a merge?): read again tonight", entity.origin,
                    len(moved), cols[1])
    return scan, moved


def _extract_table(conn, source: str, entity: Entity, warehouse: Warehouse, landing_dir: Path, run_id: str, full: bool,
                   moved: set = frozenset()) -> dict:
    table = ident(entity.origin)
    total = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()
    params: dict = {}
    mode = "full"
    query = f"SELECT * FROM {table}"
    low = None
    if entity.updated_at and not full:
        low = last_watermark(warehouse, entity.name, run_id)
        if low is not None:
            mode = "incremental"
            pk = entity.key[0]
            open_keys = set(open_quarantine_keys(warehouse, entity.name)) | set(moved)
            query += f" WHERE {ident(entity.updated_at)} > :since"
            params["since"] = low.isoformat(sep=" ")
            if open_keys:
                query += f" OR {ident(pk)} IN ({', '.join(f':k{i}' for i in range(len(open_keys)))})"
                params.update({f"k{i}": int(k) if k.isdigit() else k for i, k in enumerate(sorted(open_keys))})
    digest = hashlib.sha256((query + repr(sorted(params.items()))).encode()).hexdigest()
    state = {"high": None, "rows": 0, "future": 0}
    key = entity.key[0]
    # The watermark never passes the extraction time. The CMS's timestamps carry no zone: whichever of
    # UTC and local time is later counts as now (a row is never called future because of summer time).
    now = max(datetime.now(timezone.utc).replace(tzinfo=None), datetime.now())

    def batches():
        result = conn.execution_options(stream_results=True).execute(sa.text(query), params)
        columns = list(result.keys())
        # the driver's own cursor gives plain tuples (SQLAlchemy Row objects cost ~10 µs each to unpack)
        fetch = result.cursor.fetchmany if getattr(result, "cursor", None) is not None else result.fetchmany
        while rows := fetch(CMS_BATCH_ROWS):  # a national CMS table never sits in memory whole
            frame = pd.DataFrame.from_records(rows, columns=columns, coerce_float=False)
            raw = as_text(frame)
            raw["_source_file"] = entity.origin
            raw["_source_row"] = (pd.to_numeric(frame[key], errors="coerce").astype("Int64").astype(object)
                                  .where(frame[key].notna(), None) if key in frame.columns else [None] * len(raw))
            if entity.updated_at and entity.updated_at in frame.columns:
                raw["_parse_error"] = None
                stamps = pd.to_datetime(frame[entity.updated_at], errors="coerce")
                future = (stamps > _cutoff(now, stamps)).to_numpy(dtype=bool)
                if future.any():  # quarantined (conform reads _parse_error); the watermark skips them
                    raw.loc[future, "_parse_error"] = FUTURE_UPDATED_AT
                    state["future"] += int(future.sum())
                high = stamps[~future].max()
                if not pd.isna(high) and (state["high"] is None or high.to_pydatetime() > state["high"]):
                    state["high"] = high.to_pydatetime()
            state["rows"] += len(raw)
            yield raw
        if not state["rows"]:  # an empty table still lands its columns (conform checks them)
            yield pd.DataFrame({c: pd.Series([], dtype=object) for c in columns + ["_source_file", "_source_row"]})

    landing.land_batches(landing_dir, source, entity.name, run_id, batches(), lambda: {
        "origin": entity.origin, "mode": mode, "sha256": digest, "query": query,
        "source_total_rows": int(total), "low_watermark": low, "high_watermark": state["high"] or low,
        "future_updated_at": state["future"],
    })
    if state["future"]:
        log.warning("%s: %d row(s) have %s after the extraction time %s; quarantined, the watermark stays at %s",
                    entity.origin, state["future"], entity.updated_at, now.isoformat(sep=" ", timespec="seconds"),
                    state["high"] or low)
    return {"rows": state["rows"], "mode": mode, "source_total_rows": int(total), "future_updated_at": state["future"]}


def _cutoff(now: datetime, stamps: pd.Series):
    """The extraction time comparable with the column: naive, or in UTC for zone-aware timestamps."""
    tz = getattr(stamps.dt, "tz", None) if pd.api.types.is_datetime64_any_dtype(stamps) else None
    return pd.Timestamp(datetime.now(timezone.utc)) if tz is not None else pd.Timestamp(now)


def _land_absent(source: str, entity: Entity, landing_dir: Path, run_id: str) -> dict:
    """An optional table this CMS does not have lands as an empty extract with the declared columns
    (the load then stops if the warehouse holds rows from when it did: a table that vanished is broken)."""
    columns = [c.source for c in entity.columns] + ["_source_file", "_source_row"]
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    landing.land_batches(landing_dir, source, entity.name, run_id, iter([empty]), lambda: {
        "origin": entity.origin, "mode": "full", "sha256": None, "query": None, "source_total_rows": 0,
        "low_watermark": None, "high_watermark": None, "absent": True})
    return {"rows": 0, "mode": "full", "source_total_rows": 0}


def last_watermark(warehouse: Warehouse, entity: str, run_id: str) -> datetime | None:
    """The high watermark of the latest other run that loaded this entity (a re-run reuses its bound)."""
    value = warehouse.scalar(
        "SELECT MAX(high_watermark) FROM ops.watermark WHERE entity = :e AND run_id <> :r",
        {"e": entity, "r": run_id},
    )
    if value is None:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def open_quarantine_keys(warehouse: Warehouse, entity: str) -> set[str]:
    frame = warehouse.frame("SELECT DISTINCT record_key FROM ops.open_quarantine WHERE entity = :e", {"e": entity})
    return set(frame["record_key"].astype(str)) if len(frame) else set()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
