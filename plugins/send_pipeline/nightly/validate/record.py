"""A validation's verdicts where they belong: located in the raw file, written beside the landing
(`validated.json`, read by the load), to the run's quality folder (results and quarantined rows,
owner-only), and the suite parameters each entity is checked with.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from send_pipeline.kernel import files
from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.kernel.safe_cells import csv_safe
from send_pipeline.kernel.run import Run
from send_pipeline.kernel.warehouse import Warehouse
from send_pipeline.nightly.sources import KEY_SETS, STAGED, Entity, read_from_database
from send_pipeline.nightly.validate.expectations import Outcome


@dataclass
class Checked:
    """One split's verdicts; rows are positions in the split's raw table."""
    pre_quarantine: list[dict]   # conform: parse, required, malformed, duplicate
    failed: list[dict]           # the suite's quarantine (first failing expectation per row)
    warnings: list[dict]
    accepted: int
    keys: set
    result_json: dict


def verdicts(outcome: Outcome, locate, positions=None) -> tuple[list[int], list[dict], list[dict]]:
    """A validation's quarantined rows (sorted), their records (first failing expectation each) and the
    warnings, located in the raw file; `positions` maps the validated frame's rows to raw rows."""
    at = (lambda r: positions[r]) if positions is not None else (lambda r: r)
    rows = sorted(outcome.quarantine)
    failed = [{**locate(at(r)), "column": f["column"], "value": None, "rule": f["rule"], "reason": f["reason"]}
              for r in rows for f in outcome.quarantine[r][:1]]
    warnings = [{**locate(at(w["row"])), "rule": w["rule"], "column": w["column"], "reason": w["reason"]}
                for w in outcome.warnings]
    return rows, failed, warnings


def record_validation(run: Run, name: str, folder: Path, manifest: dict, quarantine: list[dict], warnings: list[dict],
                       accepted: int, result_json: dict, raw_rows) -> dict:
    _write_quarantine(run, name, raw_rows, quarantine)
    files.write_owner_only(run.quality_dir / "validation" / f"{name}.json", json.dumps(result_json, indent=1, default=str))
    result = {"rows_extracted": manifest["rows"], "rows_accepted": accepted,
              "rows_quarantined": len(quarantine), "rows_warned": len(warnings)}
    files.write_owner_only(folder / "validated.json", json.dumps(
        {**result, "quarantine": [_no_value(q) for q in quarantine], "warnings": warnings}, default=str))
    return result


def check_not_emptied(wh: Warehouse, entity: Entity, manifest: dict) -> None:
    """An extract that is empty where it would REPLACE rows the warehouse holds is broken, not quiet.

    Snapshot tables, a CMS table read in full, and a re-sent tracker workbook replace what is there;
    an empty ledger export deletes nothing (rows upsert by Transaction ID), so it simply loads nothing.
    """
    if manifest["mode"] == "unchanged" or manifest.get("source_total_rows", manifest["rows"]) != 0:
        return
    if entity.feeds:  # a return with no reviews (say) replaces nothing of another return's
        return
    replaces = entity.load in ("snapshot", "by_file") or (read_from_database(entity) and manifest["mode"] == "full")
    if not replaces:
        return
    before = wh.scalar(f"SELECT COUNT(*) FROM {entity.table}")
    if before:
        raise SourceUnusable(
            f"{entity.source}/{entity.name}: the extract is empty but the warehouse holds {before} rows from earlier "
            "runs; the load is stopped to keep them (check the source system or export)")


def parameters(wh: Warehouse, run: Run, accepted: dict[str, set], replaced: set[str], cache: dict) -> dict:
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
    for param, entity in KEY_SETS.items():  # the keys each declared parent offers its children
        parent, column = entity.name, entity.key[0]
        ids = set(accepted.get(parent, set()))
        for name, staged in STAGED.items():  # a return's children point at that return's staged parents
            if staged.feeds == parent:
                ids |= accepted.get(name, set())
        # A parent extracted in full this run replaces its table: only its accepted rows count.
        # Otherwise (incremental, unchanged, or another source) the warehouse's keys count too.
        if parent not in replaced:
            if parent not in cache:
                cache[parent] = wh.column_values(entity.table, column)
            ids |= cache[parent]
        params[param] = sorted(int(i) for i in ids)
    return params


class Locator:
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
    files.write_owner_only(path, csv_safe(table).to_csv(index=False))
