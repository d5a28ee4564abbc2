"""Validate: type each landed entity and check it with its GX suite, quarantining what fails.

The one public API is `validate_source` (a nightly step) and, beneath it, `check_split`: one split of
an entity's raw rows typed and checked either row-wise (`rowwise.py` types a pandas frame, GX checks
every row) or column-wise (`columnar.py` types Arrow columns and checks every row itself, GX checks a
sample and must agree), with the same verdicts either way. Values are typed by `parsers.py`; big
entities are cut into key-hashed splits first (`split.py`); suites and GX live in `expectations.py`;
verdicts are located in the raw file and written by `record.py`.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from send_pipeline.kernel import files, settings
from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.kernel.run import Run
from send_pipeline.nightly.extract.landing import read_manifest
from send_pipeline.nightly.sources import SOURCES, Entity
from send_pipeline.nightly.validate import columnar
from send_pipeline.nightly.validate.columnar import NotColumnar
from send_pipeline.nightly.validate.expectations import Outcome
from send_pipeline.nightly.validate.record import (Checked, Locator, check_not_emptied, parameters, record_validation,
                                                    verdicts)
from send_pipeline.nightly.validate.rowwise import conform

log = logging.getLogger(__name__)


def validate_source(source: str, run: Run) -> dict:
    """Conform and validate every entity of a source; write accepted rows and quarantine."""
    from send_pipeline.nightly.validate.expectations import Validator

    wh = run.warehouse()
    docs = files.owner_only_dir(run.quality_dir / "data_docs" / source) if settings.data_docs() else None
    validator = Validator(docs_dir=docs)
    accepted_ids: dict[str, set] = {}
    replaced: set[str] = set()
    key_cache: dict[str, set] = {}  # warehouse keys per parent, read once per task
    summary = {}
    try:
        for entity in SOURCES[source].entities:
            name = entity.name
            folder = run.landing(source, name)
            if not (folder / "manifest.json").exists():
                raise SourceUnusable(f"{source}/{name}: nothing was extracted in this run (extract failed?)")
            manifest = read_manifest(folder)
            for old in folder.glob("accepted*.parquet"):  # a re-run replaces the last attempt's output
                old.unlink()
            if manifest["mode"] == "unchanged":  # nothing new arrived: nothing to check or load
                files.write_parquet(pd.read_parquet(folder / "raw.parquet"), folder / "accepted.parquet")
                files.write_owner_only(folder / "validated.json", json.dumps(
                    {"rows_extracted": 0, "rows_accepted": 0, "rows_quarantined": 0, "rows_warned": 0,
                     "quarantine": [], "warnings": []}))
                summary[name] = {"rows_extracted": 0, "unchanged": True}
                continue
            if entity.load == "text_table":  # a published table whose columns vary: checked as text, as it came
                summary[name] = _validate_text(run, validator, entity, folder, manifest)
                continue
            check_not_emptied(wh, entity, manifest)
            params = parameters(wh, run, accepted_ids, replaced, key_cache)
            result, keys = _validate_entity(run, validator, entity, folder, manifest, params)
            accepted_ids[name] = keys
            if manifest["mode"] == "full" or (manifest["mode"] == "files" and entity.load == "snapshot"):
                replaced.add(name)
            summary[name] = result
        validator.build_docs()
    finally:
        wh.dispose()
    log.info("validated %s: %s", source, summary)
    return summary


def check_split(validator, entity: Entity, raw, params: dict, out: Path) -> Checked:
    """One split (an Arrow table of raw rows): typed and checked column-wise when it is big enough
    (settings.columnar) and the suite allows, else row-wise; accepted rows written to `out`."""
    if settings.columnar(raw.num_rows):
        try:
            return _check_columnar(validator, entity, raw, params, out)
        except NotColumnar as why:
            log.info("%s: validated row-wise (%s)", entity.name, why)
    return _check_rowwise(validator, entity, raw, params, out)


def _validate_text(run: Run, validator, entity: Entity, folder: Path, manifest: dict) -> dict:
    """The raw rows as text, the entity's (shared) suite on them: the DfE release's tables."""
    name = entity.name
    raw = pd.read_parquet(folder / "raw.parquet")
    frame = raw.drop(columns=["_source_file", "_source_row"])
    outcome = (validator.validate(entity.suite_name, frame, {}, asset=name) if len(raw) else None) or Outcome(name, 0)
    failed_rows, quarantine, warnings = verdicts(outcome, Locator(raw))
    accepted = frame.drop(index=failed_rows)
    files.write_parquet(accepted, folder / "accepted.parquet")
    return record_validation(run, name, folder, manifest, quarantine, warnings, len(accepted), outcome.result_json,
                             lambda rows: raw.iloc[rows])


def _validate_entity(run: Run, validator, entity: Entity, folder: Path, manifest: dict, params: dict) -> tuple[dict, set]:
    import pyarrow as pa

    from send_pipeline.nightly.validate.split import splits

    pre_quarantine, failed, warnings, results, keys, quarantined_raw = [], [], [], [], set(), []
    accepted_rows = count = 0
    for k, (raw, idx) in enumerate(splits(entity, folder / "raw.parquet", settings.validate_chunk_rows())):
        count += 1
        name = "accepted.parquet" if k == 0 else f"accepted-{k:05d}.parquet"
        checked = check_split(validator, entity, raw, params, folder / name)
        glob = (lambda i: int(idx[i])) if idx is not None else int
        pre_quarantine += [{**q, "row": glob(q["row"])} for q in checked.pre_quarantine]
        failed += [{**q, "row": glob(q["row"])} for q in checked.failed]
        warnings += [{**w, "row": glob(w["row"])} for w in checked.warnings]
        local = sorted({q["row"] for q in checked.pre_quarantine} | {q["row"] for q in checked.failed})
        if local:  # the raw rows quarantined, kept for the quarantine file (the split is let go)
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
    result = record_validation(run, entity.name, folder, manifest, pre_quarantine + failed, warnings, accepted_rows,
                                result_json, lambda rows: pd.concat(quarantined_raw).loc[rows])
    return result, keys


def _check_rowwise(validator, entity: Entity, table, params: dict, out: Path) -> Checked:
    """rowwise.py's typed pandas frame, GX on every row."""
    raw = table.to_pandas()
    conformed = conform(entity, raw)
    frame = conformed.frame.reset_index(drop=True)
    positions = conformed.frame.index.to_numpy()  # position in this partition's raw for each conformed row
    outcome = validator.validate(entity.suite_name, frame, params, asset=entity.name)
    rows, failed, warnings = verdicts(outcome, Locator(raw), positions)
    accepted = frame.drop(index=rows)
    keys = set(accepted[entity.key[0]].dropna().tolist()) if entity.key_set or entity.feeds else set()
    files.write_parquet(accepted, out)
    return Checked(conformed.quarantine, failed, warnings, len(accepted), keys, outcome.result_json)


def _check_columnar(validator, entity: Entity, table, params: dict, out: Path) -> Checked:
    """columnar.py: typed Arrow columns, every row checked column-wise; GX on a sample must agree."""
    import pyarrow as pa
    import pyarrow.compute as pc

    conformed = columnar.conform_table(entity, table)
    typed = conformed.table
    gx = columnar.cross_check(validator, entity.suite_name, typed, params, columnar.sample_rows(), entity.name)
    outcome = columnar.check(entity.suite_name, typed, params)
    rows, failed, warnings = verdicts(outcome, Locator(table))
    keep = pc.invert(pc.is_in(typed.column(columnar.POS), value_set=pa.array(np.array(rows, dtype=np.int64))))
    accepted = typed.filter(keep).drop_columns([columnar.POS])
    keys = set()
    if entity.key_set or entity.feeds:
        keys = set(pc.unique(accepted.column(entity.key[0])).drop_null().to_pylist())
    files.write_table(accepted, out)
    record = {**gx.result_json, "columnar": {
        "rows_checked": typed.num_rows, "gx_sample_rows": min(columnar.sample_rows(), typed.num_rows),
        "rows_quarantined": len(rows), "rows_warned": len(warnings),
        "note": "every row checked column-wise (columnar.py); GX ran on the sample and agreed with those checks"}}
    return Checked(conformed.quarantine, failed, warnings, accepted.num_rows, keys, record)
