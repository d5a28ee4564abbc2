"""The nightly run's steps as plain functions: extract → validate → load per source, then marts.

Each step takes a `Run` (settings, run id, as-at date) and returns a small JSON-able summary, so the DAG
passes nothing heavy through XCom: steps meet in the raw landing (Parquet) and the warehouse.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from . import extract, landing, stats
from .columnar import NotColumnar
from .conform import conform
from .entities import ENTITIES, SOURCES, Entity
from .quality import Outcome
from .readers import SourceUnusable
from .safe_cells import csv_safe
from .settings import SQL_DIR, Settings
from .warehouse import Warehouse, split_statements

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    settings: Settings
    run_id: str
    as_at: date
    full_refresh: bool = False
    started_at: float | None = None  # epoch seconds the run started (for the summary's time taken)
    # consortium mode: how to resolve one LA's settings (runtime passes Airflow's lookups)
    settings_for: object = field(default=None, compare=False, repr=False)
    channels: object = field(default=None, compare=False, repr=False)  # alert channels (runtime: Airflow connections)

    def for_la(self, la_code: str) -> "Run":
        """This run for one LA of the consortium (its own sources, warehouse, landing and outputs)."""
        if not self.settings.consortium:
            if la_code != self.settings.la_code:
                raise ValueError(f"single-LA mode (SEND_LA_CODE {self.settings.la_code}): no LA {la_code}")
            return self
        resolve = self.settings_for or (lambda la: Settings.resolve(la_code=la))
        return replace(self, settings=resolve(la_code))

    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings.warehouse_url)

    @property
    def quality_dir(self) -> Path:
        return landing.owner_only_dir(self.settings.output_dir / "quality" / landing.safe_run(self.run_id))

    def part(self, source: str, entity: str) -> Path:
        return landing.partition(self.settings.landing_dir, source, entity, self.run_id)


# --- extract ----------------------------------------------------------------------------------
def extract_source(source: str, run: Run) -> dict:
    wh = run.warehouse()
    try:
        wh.ensure()
        if source == "stats":
            summary = stats.extract(run.settings.inbox_dir, extract.loaded_hashes(wh, run.run_id),
                                    run.settings.landing_dir, run.run_id)
        elif source == "cms":
            summary = extract.extract_cms(run.settings.cms_url, wh, run.settings.landing_dir, run.run_id, run.full_refresh)
        else:
            summary = extract.extract_files(source, run.settings.inbox_dir, wh, run.settings.landing_dir, run.run_id)
    finally:
        wh.dispose()
    log.info("extracted %s: %s", source, {e: s["rows"] for e, s in summary.items()})
    return summary


def entity_names(source: str) -> list[str]:
    return stats.entity_names() if source == "stats" else [e.name for e in SOURCES[source]]


# --- validate ---------------------------------------------------------------------------------
def validate_source(source: str, run: Run) -> dict:
    """Conform and validate every entity of a source; write accepted rows and quarantine."""
    from .quality import Validator

    wh = run.warehouse()
    docs = None if os.environ.get("SEND_DATA_DOCS", "1") == "0" else landing.owner_only_dir(
        run.quality_dir / "data_docs" / source)  # SEND_DATA_DOCS=0 skips rendering (results are still saved)
    validator = Validator(docs_dir=docs)
    accepted_ids: dict[str, set] = {}
    replaced: set[str] = set()
    key_cache: dict[str, set] = {}  # warehouse keys per parent, read once per task
    summary = {}
    try:
        for name in entity_names(source):
            part = run.part(source, name)
            if not (part / "manifest.json").exists():
                raise SourceUnusable(f"{source}/{name}: nothing was extracted in this run (extract failed?)")
            manifest = landing.read_manifest(part)
            raw = pd.read_parquet(part / "raw.parquet") if source == "stats" or manifest["mode"] == "unchanged" else None
            for old in part.glob("accepted*.parquet"):  # a re-run replaces the last attempt's output
                old.unlink()
            if manifest["mode"] == "unchanged":  # nothing new arrived: nothing to check or load
                landing.write_parquet(raw, part / "accepted.parquet")
                landing.write_owner_only(part / "validated.json", json.dumps(
                    {"rows_extracted": 0, "rows_accepted": 0, "rows_quarantined": 0, "rows_warned": 0,
                     "quarantine": [], "warnings": []}))
                summary[name] = {"rows_extracted": 0, "unchanged": True}
                continue
            if source == "stats":
                summary[name] = _validate_stats(run, validator, name, part, manifest, raw)
                continue
            entity = ENTITIES[name]
            _check_not_emptied(wh, entity, manifest)
            params = _parameters(wh, run, accepted_ids, replaced, key_cache)
            result, keys = _validate_entity(run, validator, entity, part, manifest, params)
            accepted_ids[name] = keys
            if manifest["mode"] == "full" or (manifest["mode"] == "files" and entity.load == "snapshot"):
                replaced.add(name)
            summary[name] = result
        validator.build_docs()
    finally:
        wh.dispose()
    log.info("validated %s: %s", source, summary)
    return summary


# Entities bigger than SEND_VALIDATE_CHUNK_ROWS are validated in partitions (partitions.py: memory
# stays bounded at national scale, and a partitioned run gives exactly the whole-table verdicts).
FK_PARENTS = {"person", "request", "assessment", "plan", "officer", "school"}  # what _parameters reads


def chunk_rows() -> int:
    return max(1, int(os.environ.get("SEND_VALIDATE_CHUNK_ROWS", "1000000")))


def _validate_stats(run: Run, validator, name: str, part: Path, manifest: dict, raw: pd.DataFrame) -> dict:
    frame = raw.drop(columns=["_source_file", "_source_row"])
    outcome = (validator.validate("dfe_statistics", frame, {}, asset=name) if len(raw) else None) or Outcome(name, 0)
    failed_rows, quarantine, warnings = _verdicts(outcome, _Locator(raw))
    accepted = frame.drop(index=failed_rows)
    landing.write_parquet(accepted, part / "accepted.parquet")
    return _record_validation(run, name, part, manifest, quarantine, warnings, len(accepted), outcome.result_json,
                              lambda rows: raw.iloc[rows])


def _verdicts(outcome: Outcome, locate, positions=None) -> tuple[list[int], list[dict], list[dict]]:
    """A validation's quarantined rows (sorted), their records (first failing expectation each) and the
    warnings, located in the raw file; `positions` maps the validated frame's rows to raw rows."""
    at = (lambda r: positions[r]) if positions is not None else (lambda r: r)
    rows = sorted(outcome.quarantine)
    failed = [{**locate(at(r)), "column": f["column"], "value": None, "rule": f["rule"], "reason": f["reason"]}
              for r in rows for f in outcome.quarantine[r][:1]]
    warnings = [{**locate(at(w["row"])), "rule": w["rule"], "column": w["column"], "reason": w["reason"]}
                for w in outcome.warnings]
    return rows, failed, warnings


def _validate_entity(run: Run, validator, entity: Entity, part: Path, manifest: dict, params: dict) -> tuple[dict, set]:
    import pyarrow as pa

    from .partitions import partitions

    pre_quarantine, failed, warnings, results, keys, quarantined_raw = [], [], [], [], set(), []
    accepted_rows = count = 0
    for k, (raw, idx) in enumerate(partitions(entity, part / "raw.parquet", chunk_rows())):
        count += 1
        name = "accepted.parquet" if k == 0 else f"accepted-{k:05d}.parquet"
        checked = None
        if _columnar(raw.num_rows):
            try:
                checked = _check_columnar(validator, entity, raw, params, part / name)
            except NotColumnar as why:
                log.info("%s: validated row-wise (%s)", entity.name, why)
        if checked is None:
            checked = _check_rowwise(validator, entity, raw, params, part / name)
        glob = (lambda i: int(idx[i])) if idx is not None else int
        pre_quarantine += [{**q, "row": glob(q["row"])} for q in checked.pre_quarantine]
        failed += [{**q, "row": glob(q["row"])} for q in checked.failed]
        warnings += [{**w, "row": glob(w["row"])} for w in checked.warnings]
        local = sorted({q["row"] for q in checked.pre_quarantine} | {q["row"] for q in checked.failed})
        if local:  # the raw rows quarantined, kept for the quarantine file (the partition is let go)
            rows = raw.take(pa.array(local, pa.int64())).to_pandas()
            quarantined_raw.append(rows.set_axis([glob(i) for i in local]))
        keys |= checked.keys
        accepted_rows += checked.accepted
        results.append(checked.result_json)
        del raw, checked
    if count > 1:  # the whole-table order: parse failures by row, then expectation failures by row
        pre_quarantine.sort(key=lambda q: q["row"])
        failed.sort(key=lambda q: q["row"])
        warnings.sort(key=lambda w: w["row"])
    result_json = results[0] if len(results) == 1 else {"partitions": results}
    result = _record_validation(run, entity.name, part, manifest, pre_quarantine + failed, warnings, accepted_rows,
                                result_json, lambda rows: pd.concat(quarantined_raw).loc[rows])
    return result, keys


@dataclass
class _Checked:
    """One partition's verdicts; rows are positions in the partition's raw table."""
    pre_quarantine: list[dict]   # conform: parse, required, malformed, duplicate
    failed: list[dict]           # the suite's quarantine (first failing expectation per row)
    warnings: list[dict]
    accepted: int
    keys: set
    result_json: dict


def _columnar(rows: int) -> bool:
    """SEND_VALIDATE_COLUMNAR: `auto` (default) checks partitions of SEND_VALIDATE_COLUMNAR_ROWS
    (default 200,000) rows or more column-wise (columnar.py), `1` every partition, `0` none."""
    mode = os.environ.get("SEND_VALIDATE_COLUMNAR", "auto").strip().lower()
    if mode in ("0", "false", "no"):
        return False
    if mode in ("1", "true", "yes"):
        return True
    return rows >= int(os.environ.get("SEND_VALIDATE_COLUMNAR_ROWS", "200000"))


def _check_rowwise(validator, entity: Entity, table, params: dict, out: Path) -> _Checked:
    """conform.py's typed pandas frame, GX on every row."""
    raw = table.to_pandas()
    conformed = conform(entity, raw)
    frame = conformed.frame.reset_index(drop=True)
    positions = conformed.frame.index.to_numpy()  # position in this partition's raw for each conformed row
    outcome = validator.validate(entity.name, frame, params)
    rows, failed, warnings = _verdicts(outcome, _Locator(raw), positions)
    accepted = frame.drop(index=rows)
    keys = set(accepted[entity.key[0]].dropna().tolist()) if entity.name in FK_PARENTS else set()
    landing.write_parquet(accepted, out)
    return _Checked(conformed.quarantine, failed, warnings, len(accepted), keys, outcome.result_json)


def _check_columnar(validator, entity: Entity, table, params: dict, out: Path) -> _Checked:
    """columnar.py: typed Arrow columns, every row checked column-wise; GX on a sample must agree."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from . import columnar

    conformed = columnar.conform_table(entity, table)
    typed = conformed.table
    gx = columnar.cross_check(validator, entity.name, typed, params, columnar.sample_rows(), entity.name)
    outcome = columnar.check(entity.name, typed, params)
    rows, failed, warnings = _verdicts(outcome, _Locator(table))
    keep = pc.invert(pc.is_in(typed.column(columnar.POS), value_set=pa.array(np.array(rows, dtype=np.int64))))
    accepted = typed.filter(keep).drop_columns([columnar.POS])
    keys = set()
    if entity.name in FK_PARENTS:
        keys = set(pc.unique(accepted.column(entity.key[0])).drop_null().to_pylist())
    landing.write_table(accepted, out)
    record = {**gx.result_json, "columnar": {
        "rows_checked": typed.num_rows, "gx_sample_rows": min(columnar.sample_rows(), typed.num_rows),
        "rows_quarantined": len(rows), "rows_warned": len(warnings),
        "note": "every row checked column-wise (columnar.py); GX ran on the sample and agreed with those checks"}}
    return _Checked(conformed.quarantine, failed, warnings, accepted.num_rows, keys, record)


def _record_validation(run: Run, name: str, part: Path, manifest: dict, quarantine: list[dict], warnings: list[dict],
                       accepted: int, result_json: dict, raw_rows) -> dict:
    _write_quarantine(run, name, raw_rows, quarantine)
    landing.write_owner_only(run.quality_dir / "validation" / f"{name}.json", json.dumps(result_json, indent=1, default=str))
    result = {"rows_extracted": manifest["rows"], "rows_accepted": accepted,
              "rows_quarantined": len(quarantine), "rows_warned": len(warnings)}
    landing.write_owner_only(part / "validated.json", json.dumps(
        {**result, "quarantine": [_no_value(q) for q in quarantine], "warnings": warnings}, default=str))
    return result


def _check_not_emptied(wh: Warehouse, entity: Entity, manifest: dict) -> None:
    """An extract that is empty where it would REPLACE rows the warehouse holds is broken, not quiet.

    Snapshot tables, a CMS table read in full, and a re-sent tracker workbook replace what is there;
    an empty ledger export deletes nothing (rows upsert by Transaction ID), so it simply loads nothing.
    """
    if manifest["mode"] == "unchanged" or manifest.get("source_total_rows", manifest["rows"]) != 0:
        return
    replaces = entity.load in ("snapshot", "by_file") or (entity.source == "cms" and manifest["mode"] == "full")
    if not replaces:
        return
    before = wh.scalar(f"SELECT COUNT(*) FROM {entity.table}")
    if before:
        raise SourceUnusable(
            f"{entity.source}/{entity.name}: the extract is empty but the warehouse holds {before} rows from earlier "
            "runs; the load is stopped to keep them (check the source system or export)")


def _parameters(wh: Warehouse, run: Run, accepted: dict[str, set], replaced: set[str], cache: dict) -> dict:
    """Suite parameters: the as-at bounds and the keys a foreign key may point at."""
    as_at = pd.Timestamp(run.as_at)
    params = {
        "as_at": as_at,
        "earliest_record": pd.Timestamp("2000-01-01"),
        # People stay in the CMS after their plan ends: anyone who held a plan since 2000 (ages 0-25)
        # was born after 1974; an earlier date of birth is a typing error.
        "earliest_dob": pd.Timestamp("1975-01-01"),
        "latest_scheduled": as_at + pd.DateOffset(years=2),
    }
    for param, (parent, column) in {
        "person_ids": ("person", "person_id"), "request_ids": ("request", "request_id"),
        "assessment_ids": ("assessment", "assessment_id"), "plan_ids": ("plan", "plan_id"),
        "officer_ids": ("officer", "officer_id"), "urns": ("school", "urn"),
    }.items():
        ids = set(accepted.get(parent, set()))
        # A parent extracted in full this run replaces its table: only its accepted rows count.
        # Otherwise (incremental, unchanged, or another source) the warehouse's keys count too.
        if parent not in replaced:
            if parent not in cache:
                cache[parent] = wh.column_values(f"core.{parent}", column)
            ids |= cache[parent]
        params[param] = sorted(int(i) for i in ids)
    return params


class _Locator:
    """File and row of a raw row by position: the columns read once (per-row .at on Arrow strings is slow).
    `raw` is a pandas frame or an Arrow table."""

    def __init__(self, raw):
        if isinstance(raw, pd.DataFrame):
            self.files = raw["_source_file"].to_numpy(dtype=object)
            self.rows = raw["_source_row"].to_numpy(dtype=object)
        else:
            self.files = raw.column("_source_file").to_numpy(zero_copy_only=False)
            self.rows = raw.column("_source_row").to_numpy(zero_copy_only=False)

    def __call__(self, pos: int) -> dict:
        row = self.rows[pos]
        return {"row": int(pos), "source_file": self.files[pos],
                "source_row": None if row is None or pd.isna(row) else int(row)}


def _no_value(q: dict) -> dict:
    return {k: v for k, v in q.items() if k != "value"}


def _write_quarantine(run: Run, entity: str, raw_rows, quarantine: list[dict]) -> None:
    """Quarantined rows with their reasons, beside the whole raw row (owner-only: personal data).
    `raw_rows(positions)` gives the raw rows at those positions."""
    path = run.quality_dir / "quarantine" / f"{entity}.csv"
    if not quarantine:
        path.unlink(missing_ok=True)
        return
    reasons = pd.DataFrame(quarantine)
    rows = raw_rows(reasons["row"].tolist()).drop(columns=["_source_file", "_source_row", "_parse_error"], errors="ignore")
    table = pd.concat([reasons.drop(columns=["row"]).reset_index(drop=True), rows.reset_index(drop=True)], axis=1)
    landing.write_owner_only(path, csv_safe(table).to_csv(index=False))


# --- load -------------------------------------------------------------------------------------
def load_source(source: str, run: Run) -> dict:
    """Load every entity of a source in ONE transaction, reconciled, or change nothing."""
    wh = run.warehouse()
    summary = {}
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        wh.ensure()
        with wh.transaction() as conn:
            for name in entity_names(source):
                part = run.part(source, name)
                manifest = landing.read_manifest(part)
                checked = json.loads((part / "validated.json").read_text())
                files = accepted_files(part)
                if source == "stats":
                    frame = pd.read_parquet(files[0])
                    entity = Entity(name, "stats", manifest["origin"], (), ("time_period",), "snapshot")
                    loaded = 0 if manifest["mode"] == "unchanged" else stats.load(wh, conn, name.removeprefix("dfe_"), frame)
                else:
                    entity = ENTITIES[name]
                    loaded = _apply(wh, conn, entity, _prepared(run, entity, files), manifest, run.full_refresh, files)
                rows_in, quarantined = manifest["rows"], checked["rows_quarantined"]
                reconciled = rows_in == loaded + quarantined
                if not reconciled:
                    raise RuntimeError(f"{entity.name}: reconciliation failed: {rows_in} extracted != "
                                       f"{loaded} loaded + {quarantined} quarantined; nothing was written")
                _record(wh, conn, run, entity, manifest, checked, loaded, now)
                summary[entity.name] = {"extracted": rows_in, "loaded": loaded, "quarantined": quarantined,
                                        "warned": checked["rows_warned"], "mode": manifest["mode"]}
    finally:
        wh.dispose()
    log.info("loaded %s: %s", source, summary)
    return summary


def accepted_files(part: Path) -> list[Path]:
    """The validated rows of an entity: accepted.parquet, plus accepted-NNNNN.parquet per further partition."""
    return [part / "accepted.parquet"] + sorted(part.glob("accepted-*.parquet"))


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
                                        _pseudonyms(hasher, table.column(entity.pseudonym)))
        table = table.append_column("run_id", pa.array(np.full(n, run.run_id, dtype=object), pa.string()))
        if not any(c.name == "la_code" for c in entity.columns):
            table = table.append_column("la_code", pa.array(np.full(n, run.settings.la_code, dtype=object), pa.string()))
        yield table.select([c for c in cols if c in table.column_names])


def _pseudonyms(hasher, ids):
    """Each distinct id hashed once (a child has many rows), then taken to every row. Ids hash as
    whole numbers (`12`, never `12.0`); a missing id as pandas' NA did (`<NA>`), as it always has."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    if pa.types.is_floating(ids.type):
        ids = ids.cast(pa.int64())  # raises if a value is not whole: never silently re-keyed
    encoded = pc.dictionary_encode(ids)
    distinct = encoded.dictionary.to_pylist()
    keys = pa.array([hasher(v) for v in distinct] + [hasher(pd.NA)], pa.string())
    return keys.take(encoded.indices.fill_null(len(distinct)))


def _apply(wh: Warehouse, conn, entity: Entity, frames, manifest: dict, full_refresh: bool, files: list[Path]) -> int:
    """Replace or upsert the entity's rows. Deletes come first, then the inserts, so rows of one
    partition never delete another's (keys are unique across partitions: validation checked them)."""
    mode = manifest["mode"]
    if mode == "unchanged":
        return 0
    keyed = True
    if entity.load == "snapshot" or (entity.load == "upsert" and mode == "full" and entity.source == "cms"):
        conn.exec_driver_sql(f"DELETE FROM {entity.table}")
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


def _record(wh: Warehouse, conn, run: Run, entity: Entity, manifest: dict, checked: dict, loaded: int, now) -> None:
    for table in ("run_log", "quarantine", "quality_warning"):
        conn.execute(sa.text(f"DELETE FROM ops.{table} WHERE run_id = :r AND entity = :e"), {"r": run.run_id, "e": entity.name})
    conn.execute(sa.text(
        "INSERT INTO ops.run_log (run_id, source, entity, as_at, extract_mode, rows_extracted, rows_loaded, "
        "rows_quarantined, rows_warned, reconciled, status, message, loaded_at, la_code) VALUES "
        "(:r, :s, :e, :a, :m, :x, :l, :q, :w, :ok, :st, :msg, :t, :la)"),
        {"r": run.run_id, "s": entity.source, "e": entity.name, "a": run.as_at, "m": manifest["mode"],
         "x": manifest["rows"], "l": loaded, "q": checked["rows_quarantined"], "w": checked["rows_warned"],
         "ok": True, "st": "unchanged" if manifest["mode"] == "unchanged" else "loaded", "msg": None, "t": now,
         "la": run.settings.la_code})
    key_col = entity.key[0]
    for table, items in (("quarantine", checked["quarantine"]), ("quality_warning", checked["warnings"])):
        if items:
            frame = pd.DataFrame(items)
            out = pd.DataFrame({
                "run_id": run.run_id, "source": entity.source, "entity": entity.name,
                "source_file": frame.get("source_file"), "source_row": frame.get("source_row"),
                "record_key": frame.get("source_row").astype("Int64").astype(str) if entity.source == "cms" else None,
                "rule": frame.get("rule"), "column_name": frame.get("column"), "reason": frame.get("reason"),
                "la_code": run.settings.la_code,
            })
            out["source_row"] = out["source_row"].astype("Int64")
            wh.insert_frame(conn, f"ops.{table}", out)
    if entity.source == "cms":
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


def _track_open_quarantine(wh: Warehouse, conn, run: Run, entity: Entity, checked: dict, key_col: str) -> None:
    """CMS rows quarantined now are re-extracted by the next incremental run until they load."""
    if not entity.updated_at:
        return
    conn.execute(sa.text("DELETE FROM ops.open_quarantine WHERE entity = :e"), {"e": entity.name})
    keys = sorted({str(q["source_row"]) for q in checked["quarantine"] if q.get("source_row") is not None})
    if keys:
        wh.insert_frame(conn, "ops.open_quarantine",
                        pd.DataFrame({"entity": entity.name, "record_key": keys, "run_id": run.run_id}))


# --- marts ------------------------------------------------------------------------------------
LAYERS = ("staging", "marts")


def model_files() -> list[Path]:
    """Every staging and mart model, ordered so each is built after the models it reads."""
    files = {f"{layer}.{p.stem}": p for layer in LAYERS for p in sorted((SQL_DIR / layer).glob("*.sql"))}
    deps = {name: set(re.findall(r"\b((?:staging|marts)\.[a-z0-9_]+)", path.read_text())) - {name}
            for name, path in files.items()}
    ordered: list[str] = []

    def visit(name: str, stack: tuple = ()) -> None:
        if name in ordered:
            return
        if name in stack:
            raise RuntimeError(f"models depend on each other in a cycle: {' -> '.join(stack + (name,))}")
        for dep in sorted(deps[name] & files.keys()):
            visit(dep, stack + (name,))
        ordered.append(name)

    for name in files:
        visit(name)
    return [files[n] for n in ordered]


def render_model(path: Path, run: Run) -> str:
    """The model's SELECT with the run's parameters bound (values the code controls, never data)."""
    values = {"as_at": f"DATE '{run.as_at.isoformat()}'", "paperwork_days": str(int(run.settings.paperwork_days))}
    sql = split_statements(path.read_text())[0]
    return re.sub(r":(as_at|paperwork_days)\b", lambda m: values[m.group(1)], sql)


def build_marts(run: Run) -> dict:
    """Rebuild every staging and mart table in one transaction: analysts never see a half-built set."""
    wh = run.warehouse()
    built = {}
    try:
        wh.ensure()
        with wh.transaction() as conn:
            for path in model_files():
                table = f"{path.parent.name}.{path.stem}"
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
                select = render_model(path, run)
                if wh.dialect == "postgresql":  # psycopg reads % as a placeholder: LIKE '%x%' needs %%
                    select = select.replace("%", "%%")
                conn.exec_driver_sql(f"CREATE TABLE {table} AS {select}")
                # every staging and mart row carries its LA, so consortium tables can pool LAs' marts
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS la_code VARCHAR "
                                     f"DEFAULT '{run.settings.checked_la_code}'")
                built[table] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
            from .dictionary import load_dictionary_table

            load_dictionary_table(wh, conn)
    finally:
        wh.dispose()
    log.info("built marts: %s", built)
    return built


# --- reconcile the run --------------------------------------------------------------------------
def summarise_run(run: Run, started: float | None = None) -> dict:
    """The run's figures from ops.run_log; fails when a source did not load or did not reconcile."""
    wh = run.warehouse()
    try:
        frame = wh.frame(
            "SELECT source, entity, extract_mode, rows_extracted, rows_loaded, rows_quarantined, rows_warned, "
            "reconciled, status FROM ops.run_log WHERE run_id = :r ORDER BY source, entity", {"r": run.run_id})
    finally:
        wh.dispose()
    from .entities import SOURCE_ORDER

    expected = {name for source in SOURCE_ORDER for name in entity_names(source)}
    missing = sorted(expected - set(frame["entity"])) if len(frame) else sorted(expected)
    lines = [f"{'entity':<28}{'mode':<12}{'extracted':>10}{'loaded':>10}{'quarantined':>12}{'warned':>8}"]
    for row in frame.itertuples():
        lines.append(f"{row.entity:<28}{row.extract_mode:<12}{row.rows_extracted:>10}{row.rows_loaded:>10}"
                     f"{row.rows_quarantined:>12}{row.rows_warned:>8}")
    started = started if started is not None else run.started_at
    # `airflow dags test` reports the logical date as the start: show a duration only when plausible
    if started is not None and 0 <= time.time() - started < 86400:
        lines.append(f"time taken: {time.time() - started:.1f} s")
    text = "\n".join(lines)
    landing.write_owner_only(run.quality_dir / "run_summary.txt", text + "\n")
    log.info("run summary for %s\n%s", run.run_id, text)
    if missing:
        raise RuntimeError(f"run {run.run_id} is incomplete: no load recorded for {', '.join(missing)}")
    if not frame["reconciled"].all():
        raise RuntimeError(f"run {run.run_id}: reconciliation failed for {', '.join(frame.loc[~frame['reconciled'], 'entity'])}")
    return {"entities": len(frame), "summary": text}


def check_health(run: Run, channels=None) -> dict:
    """The health snapshot (SEND_OUTPUT_DIR/health/health.json, read by the UI's SEND data health view)
    and an alert for each data-quality breach: quarantine above SEND_ALERT_QUARANTINE_SHARE of an
    entity, a reconciliation mismatch, a source not loaded within SEND_FRESHNESS_HOURS."""
    from . import alerts, health

    wh = run.warehouse()
    try:
        wh.ensure()
        snapshot = health.collect(wh, run.settings, run.run_id)
    finally:
        wh.dispose()
    health.write_snapshot(run.settings, snapshot)
    channels = channels or (run.channels() if callable(run.channels) else alerts.Channels.resolve())
    found = health.breaches(snapshot)
    for breach in found:
        alerts.send(alerts.Alert(breach["kind"], "send_nightly", "reconcile_run", run.run_id, breach["what"],
                                 alerts.run_link(channels.base_url, "send_nightly", run.run_id)), channels)
    return {"breaches": found, "snapshot": str(health.snapshot_path(run.settings))}


def reconcile_run(run: Run) -> dict:
    """The DAG's reconcile_run: the health snapshot and data-quality alerts, then the reconciliation."""
    health = check_health(run)
    return {**summarise_run(run), "breaches": len(health["breaches"])}


def as_at_from(logical: datetime | None, fallback: datetime | None = None) -> date:
    """The as-at date: the run's logical date in Europe/London."""
    from zoneinfo import ZoneInfo

    moment = logical or fallback or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo("Europe/London")).date()



def purge_expired(run: Run) -> dict:
    """Delete raw landing and quarantine past the retention period (SEND_RETENTION_DAYS), recorded."""
    from .retention import purge

    result = purge(run.settings, run.run_id)
    log.info("retention: %s", result)
    return result


def pool_consortium(run: Run) -> dict:
    """Consortium mode: pool every LA's marts into schema `consortium` (single-LA mode: nothing to do)."""
    if not run.settings.consortium:
        return {"skipped": "single-LA mode (SEND_LAS not set)"}
    from .consortium import pool_marts

    return pool_marts(run.settings, lambda la: run.for_la(la).settings)


def run_nightly(run: Run) -> dict:
    """Every step in DAG order, without Airflow (tests, benchmarks, the CLI); stops at the first failure.
    In consortium mode, every LA in turn, then the pooled consortium tables."""
    from .entities import SOURCE_ORDER

    if run.settings.consortium_level:
        result = {la: run_nightly(run.for_la(la)) for la in run.settings.las()}
        result["consortium"] = pool_consortium(run)
        return result
    started = time.time()
    result = {}
    for source in SOURCE_ORDER:
        extract_source(source, run)
        validate_source(source, run)
        result[source] = load_source(source, run)
    result["marts"] = build_marts(run)
    result["health"] = check_health(run)
    result["summary"] = summarise_run(run, started)
    return result
