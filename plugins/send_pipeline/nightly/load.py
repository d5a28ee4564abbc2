"""Load: a source's validated rows into the warehouse in ONE transaction, reconciled, or nothing.

Each entity loads by its declared mode (nightly/sources/model.py): upsert, snapshot, by_file, or a
text table replaced whole. Rows get their pseudonym keys and lineage here; ops.run_log, the quarantine
and warnings, watermarks and loaded files are recorded in the same transaction, and a load whose rows
in != loaded + quarantined changes nothing.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from send_pipeline.kernel import pseudonym, settings
from send_pipeline.kernel.errors import FilesStopped, SourceUnusable
from send_pipeline.kernel.run import Run
from send_pipeline.kernel.warehouse import Warehouse, ident
from send_pipeline.nightly import deletions
from send_pipeline.nightly.extract.landing import read_manifest
from send_pipeline.nightly.sources import SOURCES, Entity, read_from_database
from send_pipeline.nightly.sources.model import FED_BY_RETURNS

log = logging.getLogger(__name__)


def load_source(source: str, run: Run) -> dict:
    """Load every entity of a source in ONE transaction, reconciled, or change nothing."""
    wh = run.warehouse()
    summary, stopped = {}, []
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        wh.ensure()
        with wh.transaction() as conn:
            planned, start, checks = _planned_deletions(run, conn, source)
            for entity in SOURCES[source].entities:
                folder = run.landing(source, entity.name)
                manifest = read_manifest(folder)
                stopped += manifest.get("stopped_files", [])
                checked = json.loads((folder / "validated.json").read_text())
                accepted = accepted_files(folder)
                before = _current_rows(conn, entity.table) if manifest["mode"] != "unchanged" else None
                if entity.load == "text_table":
                    loaded = 0 if manifest["mode"] == "unchanged" else replace_text_table(
                        wh, conn, entity.table, pd.read_parquet(accepted[0]))
                else:
                    loaded = _apply(wh, conn, entity, _prepared(run, entity, accepted), manifest, accepted)
                rows_in, quarantined = manifest["rows"], checked["rows_quarantined"]
                if before:
                    guard_loss(entity, before, _current_rows(conn, entity.table), checked)
                reconciled = rows_in == loaded + quarantined
                if not reconciled:
                    raise RuntimeError(f"{entity.name}: reconciliation failed: {rows_in} extracted != "
                                       f"{loaded} loaded + {quarantined} quarantined; nothing was written")
                _record(wh, conn, run, entity, manifest, checked, loaded, now)
                summary[entity.name] = {"extracted": rows_in, "loaded": loaded, "quarantined": quarantined,
                                        "warned": checked["rows_warned"], "mode": manifest["mode"]}
                checks[entity.name] = checked
            if planned:
                _apply_deletions(run, conn, planned, start, checks, summary)
            if SOURCES[source].reader == "sen2_returns":  # the staged returns, matched with the CMS, into core
                from send_pipeline.onboarding import merge

                summary["merged"] = merge.merge_returns(run, wh, conn)
    finally:
        wh.dispose()
    log.info("loaded %s: %s", source, summary)
    stop_for_files(source, stopped)
    return summary


def stop_for_files(source: str, stopped: list[dict]) -> None:
    """After the good files of a source loaded (committed): fail the task naming each file the
    extract stopped (the manifests' `stopped_files`: unreadable, left in the inbox, read again next
    night), so the night is red."""
    if stopped:
        first = stopped[0]["reason"]
        more = f"; and {len(stopped) - 1} more file(s): " + ", ".join(f["name"] for f in stopped[1:]) if len(stopped) > 1 else ""
        raise FilesStopped(f"{first}{more} ({len(stopped)} file(s) of {source} not loaded; its other files were)",
                           [f["name"] for f in stopped])


def _planned_deletions(run: Run, conn, source: str) -> tuple[dict, dict, dict]:
    """Keys the CMS no longer has (its key scan against the warehouse, before this load), and the row
    counts of every table a deletion can reach (the share guard's 'before')."""
    from send_pipeline.nightly.sources import ENTITIES

    planned = {}
    for entity in SOURCES[source].entities:
        keys_file = run.landing(source, entity.name) / deletions.KEYS_FILE
        if keys_file.exists() and _current_rows(conn, entity.table) is not None:
            planned[entity.name] = deletions.deleted_keys(conn, entity, pd.read_parquet(keys_file))
    reach = set(deletions.PARENTS) | {p for p, _ in deletions.PARENTS.values()}
    start = {name: _current_rows(conn, ENTITIES[name].table) for name in reach} if any(planned.values()) else {}
    return {n: k for n, k in planned.items() if k}, start, {}


def _apply_deletions(run: Run, conn, planned: dict, start: dict, checks: dict, summary: dict) -> None:
    """Delete what the CMS deleted, across every entity that hangs off it; the share guard counts it;
    the count goes in ops.run_log.rows_deleted (and, for other sources' tables, the person row's message)."""
    from send_pipeline.nightly.sources import ENTITIES

    counts = deletions.apply(conn, planned)
    for name, n in counts.items():
        entity = ENTITIES[name]
        if start.get(name):
            guard_loss(entity, start[name], start[name] - n, checks.get(name, {}))
        if name in summary:
            summary[name]["deleted"] = n
            conn.execute(sa.text("UPDATE ops.run_log SET rows_deleted = :n WHERE run_id = :r AND entity = :e"),
                         {"n": n, "r": run.run_id, "e": name})
    note = "deleted in the CMS: " + ", ".join(f"{n} {c}" for n, c in counts.items())
    conn.execute(sa.text("UPDATE ops.run_log SET message = :m WHERE run_id = :r AND entity = :e"),
                 {"m": note, "r": run.run_id, "e": next(iter(planned))})
    log.info("%s", note)


def _current_rows(conn, table: str) -> int | None:
    """The rows a table holds now (inside the load's transaction), None if it does not exist yet."""
    schema, _, name = table.rpartition(".")
    exists = conn.execute(sa.text("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = :n"
                                  + (" AND table_schema = :s" if schema else "")), {"n": name, "s": schema}).scalar()
    return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {ident(table)}").scalar()) if exists else None


def guard_loss(entity: Entity, before: int, after: int, checked: dict, share: float | None = None) -> None:
    """Stop the source (its transaction rolls back: the last good state stays) when this load would
    remove or quarantine more than SEND_MAX_LOSS_SHARE of the entity's current rows: a column whose type
    changed or a required column blanked makes every row fail, and a replacing load would then empty the
    table. The message names the table and the column most rows failed on (never a value)."""
    share = settings.max_loss_share() if share is None else share
    removed = max(before - after, 0)
    quarantined = int(checked.get("rows_quarantined", 0))
    lost = max(removed, quarantined)
    if lost <= share * before:
        return
    by_column: dict[str, list] = {}
    for q in checked.get("quarantine", []):
        by_column.setdefault(q.get("column") or "(whole row)", []).append(q)
    if by_column:
        column, items = max(by_column.items(), key=lambda kv: len(kv[1]))
        why = (f"{len(items)} of the {quarantined} quarantined rows failed on column '{column}' "
               f"({str(items[0].get('reason') or items[0].get('rule'))[:120]})")
    else:
        why = f"the extract no longer has them (key column '{entity.key[0]}'); nothing was quarantined"
    raise SourceUnusable(
        f"{entity.source}/{entity.name}: the load would leave {after} of the {before} rows in {entity.table} "
        f"(removing {removed}) and quarantine {quarantined}: {lost / before:.0%} of the table, more than "
        f"SEND_MAX_LOSS_SHARE={share:g}; {why}. The source is stopped and {entity.table} keeps its last good "
        "rows: check the export (a column's type or content changed?), then re-run, or raise SEND_MAX_LOSS_SHARE "
        "for one run if the loss is real")


def accepted_files(folder: Path) -> list[Path]:
    """The validated rows of an entity: accepted.parquet, plus accepted-NNNNN.parquet per further partition."""
    return [folder / "accepted.parquet"] + sorted(folder.glob("accepted-*.parquet"))


def _prepared(run: Run, entity: Entity, files: list[Path]):
    """The accepted rows file by file as Arrow tables (no per-row Python objects), with pseudonym
    keys, lineage and the model's columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = [c for c, _ in entity.model_columns()]
    for path in files:
        table = pq.read_table(path)
        n = table.num_rows
        if entity.pseudonym:
            hasher = run.settings.person_key if entity.pseudonym == "person_id" else run.settings.officer_key
            table = table.append_column(f"{entity.pseudonym.split('_')[0]}_key",
                                        pseudonym.keys_for(hasher, table.column(entity.pseudonym)))
        table = table.append_column("run_id", pa.array(np.full(n, run.run_id, dtype=object), pa.string()))
        if not any(c.name == "la_code" for c in entity.columns):
            table = table.append_column("la_code", pa.array(np.full(n, run.settings.la_code, dtype=object), pa.string()))
        yield table.select([c for c in cols if c in table.column_names])


def _apply(wh: Warehouse, conn, entity: Entity, frames, manifest: dict, files: list[Path]) -> int:
    """Replace or upsert the entity's rows. Deletes come first, then the inserts, so rows of one
    split never delete another's (keys are unique across splits: validation checked them)."""
    mode = manifest["mode"]
    if mode == "unchanged":
        return 0
    keyed = True
    if entity.load == "snapshot" or (entity.load == "upsert" and mode == "full" and read_from_database(entity)):
        # the source's own rows only: rows a SEN2 return gave (return_file set) are the merge's
        conn.exec_driver_sql(f"DELETE FROM {entity.table}" + (" WHERE return_file IS NULL" if fed_by_returns(entity) else ""))
        keyed = False
    elif entity.load == "by_file":
        import pyarrow.parquet as pq

        names = set()
        for path in files:
            names |= set(pq.read_table(path, columns=["source_file"]).column(0).drop_null().to_pylist())
        for name in sorted(names) or [f["name"] for f in manifest.get("files", [])]:
            conn.execute(sa.text(f"DELETE FROM {entity.table} WHERE source_file = :f"), {"f": name})
    loaded = 0
    for frame in frames:
        if keyed:
            wh.delete_matching(conn, entity.table, frame, entity.key)
        loaded += wh.insert_frame(conn, entity.table, frame)
    return loaded


def fed_by_returns(entity: Entity) -> bool:
    """Whether the entity's core table also holds rows merged from SEN2 returns (`return_file` set)."""
    return entity.name in FED_BY_RETURNS and not entity.feeds


def replace_text_table(wh: Warehouse, conn, table: str, frame: pd.DataFrame) -> int:
    """Replace a `text_table` entity's table (ref.dfe_<table>) with its rows, every column as text."""
    name = ident(table)
    cols = [c for c in frame.columns if c not in ("_source_file", "_source_row")]
    if not cols:  # an optional table this release does not carry: the previous one stays (marts read its columns)
        if _current_rows(conn, table) is None:
            conn.exec_driver_sql(f"CREATE TABLE {name} (time_period VARCHAR)")
        log.warning("%s: not in this release; the table is left as it was", table)
        return 0
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    conn.exec_driver_sql(f"CREATE TABLE {name} ({', '.join(f'{ident(c)} VARCHAR' for c in cols)})")
    return wh.insert_frame(conn, name, frame[cols].astype(object).where(frame[cols].notna(), None))


def _record(wh: Warehouse, conn, run: Run, entity: Entity, manifest: dict, checked: dict, loaded: int, now) -> None:
    for table in ("run_log", "quarantine", "quality_warning"):
        conn.execute(sa.text(f"DELETE FROM ops.{table} WHERE run_id = :r AND entity = :e"), {"r": run.run_id, "e": entity.name})
    conn.execute(sa.text(
        "INSERT INTO ops.run_log (run_id, source, entity, as_at, extract_mode, rows_extracted, rows_loaded, "
        "rows_quarantined, rows_warned, reconciled, status, message, loaded_at, la_code) VALUES "
        "(:r, :s, :e, :a, :m, :x, :l, :q, :w, :ok, :st, :msg, :t, :la)"),
        {"r": run.run_id, "s": entity.source, "e": entity.name, "a": run.as_at, "m": manifest["mode"],
         "x": manifest["rows"], "l": loaded, "q": checked["rows_quarantined"], "w": checked["rows_warned"],
         "ok": True, "st": _status(manifest), "msg": _stopped_note(manifest), "t": now,
         "la": run.settings.la_code})
    key_col = entity.key[0]
    for table, items in (("quarantine", checked["quarantine"]), ("quality_warning", checked["warnings"])):
        if items:
            frame = pd.DataFrame(items)
            out = pd.DataFrame({
                "run_id": run.run_id, "source": entity.source, "entity": entity.name,
                "source_file": frame.get("source_file"), "source_row": frame.get("source_row"),
                "record_key": frame.get("source_row").astype("Int64").astype(str) if read_from_database(entity) else None,
                "rule": frame.get("rule"), "column_name": frame.get("column"), "reason": frame.get("reason"),
                "la_code": run.settings.la_code,
            })
            out["source_row"] = out["source_row"].astype("Int64")
            wh.insert_frame(conn, f"ops.{table}", out)
    if read_from_database(entity):
        _track_open_quarantine(wh, conn, run, entity, checked, key_col)
        if entity.updated_at:
            conn.execute(sa.text("DELETE FROM ops.watermark WHERE entity = :e AND run_id = :r"), {"e": entity.name, "r": run.run_id})
            conn.execute(sa.text("INSERT INTO ops.watermark VALUES (:e, :r, :lo, :hi, :t)"), {
                "e": entity.name, "r": run.run_id, "lo": manifest.get("low_watermark"),
                "hi": manifest.get("high_watermark"), "t": now})
    for item in manifest.get("files", []):
        conn.execute(sa.text("DELETE FROM ops.loaded_file WHERE sha256 = :h AND run_id = :r"), {"h": item["sha256"], "r": run.run_id})
        conn.execute(sa.text("INSERT INTO ops.loaded_file VALUES (:h, :n, :s, :r, :rows, :t)"), {
            "h": item["sha256"], "n": item["name"], "s": entity.source, "r": run.run_id, "rows": item["rows"], "t": now})


def _status(manifest: dict) -> str:
    """ops.run_log.status: loaded | unchanged, or partial when files of the source were stopped."""
    if manifest.get("stopped_files"):
        return "partial"
    return "unchanged" if manifest["mode"] == "unchanged" else "loaded"


def _stopped_note(manifest: dict) -> str | None:
    stopped = manifest.get("stopped_files") or []
    return ("files stopped (not loaded): " + ", ".join(f["name"] for f in stopped))[:1000] if stopped else None


def _track_open_quarantine(wh: Warehouse, conn, run: Run, entity: Entity, checked: dict, key_col: str) -> None:
    """CMS rows quarantined now are re-extracted by the next incremental run until they load."""
    if not entity.updated_at:
        return
    conn.execute(sa.text("DELETE FROM ops.open_quarantine WHERE entity = :e"), {"e": entity.name})
    keys = sorted({str(q["source_row"]) for q in checked["quarantine"] if q.get("source_row") is not None})
    if keys:
        wh.insert_frame(conn, "ops.open_quarantine",
                        pd.DataFrame({"entity": entity.name, "record_key": keys, "run_id": run.run_id}))
