"""The DfE "Education, health and care plans" release: benchmarking data for England, regions, LAs.

The newest `education-health-and-care-plans_*.zip` in the inbox is read in memory (never extracted to
disk, members size-capped), each CSV landed as its own entity `dfe_<table>`, checked with the shared
`dfe_statistics` suite and loaded as text into `ref.dfe_<table>` (published cells hold `c`, `x`, `z`
symbols, so marts cast what they use). A release already loaded is not loaded again.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from send_pipeline.kernel import files as landing
from send_pipeline.nightly.validate.parsers import SourceUnusable

PATTERN = "education-health-and-care-plans_*.zip"
REQUIRED = ("timeliness_20_week", "caseload", "requests", "annual_reviews", "newplans")
OPTIONAL = ("assessments", "ceased_plans", "personal_budgets", "residential_settings", "sen_need_newplans",
            "sen_needs_all_plans", "work_based_placements", "sen2_dmo_dco")
TABLES = REQUIRED + OPTIONAL
MAX_MEMBER_BYTES = 200 * 1024 * 1024


def entity_names() -> list[str]:
    return [f"dfe_{t}" for t in TABLES]


def extract(inbox: Path, seen: dict[str, str], landing_dir: Path, run_id: str) -> dict:
    from send_pipeline.nightly.extract.files import inbox_files

    files = inbox_files(inbox, PATTERN)[-1:]
    summary = {}
    if files and landing.sha256_file(files[0]) not in seen:
        path = files[0]
        digest = landing.sha256_file(path)
        members = _read_zip(path)
        missing = [t for t in REQUIRED if t not in members]
        if missing:
            raise SourceUnusable(f"{path.name}: the release lacks {', '.join(missing)}.csv; the stats load is stopped")
        for table in TABLES:
            frame = members.get(table, pd.DataFrame(columns=["_source_file", "_source_row"]))
            info = [{"name": path.name, "sha256": digest, "rows": int(len(frame))}] if table == TABLES[0] else []
            landing.land(landing_dir, "stats", f"dfe_{table}", run_id, frame,
                         {"origin": path.name, "mode": "files", "sha256": digest, "files": info})
            summary[f"dfe_{table}"] = {"rows": len(frame), "mode": "files"}
    else:
        for table in TABLES:
            note = [{"name": files[0].name, "loaded_by": seen.get(landing.sha256_file(files[0]))}] if files else []
            landing.land(landing_dir, "stats", f"dfe_{table}", run_id,
                         pd.DataFrame(columns=["_source_file", "_source_row"]),
                         {"origin": PATTERN, "mode": "unchanged", "sha256": None, "skipped_already_loaded": note})
            summary[f"dfe_{table}"] = {"rows": 0, "mode": "unchanged"}
    return summary


def _read_zip(path: Path) -> dict[str, pd.DataFrame]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SourceUnusable(f"{path.name}: not a readable zip file") from None
    out = {}
    with archive:
        for info in archive.infolist():
            stem = Path(info.filename).stem
            if stem not in TABLES or not info.filename.lower().endswith(".csv"):
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                raise SourceUnusable(f"{path.name}: {info.filename} unpacks to {info.file_size} bytes, over the limit")
            out[stem] = _read_csv_bytes(archive.read(info), f"{path.name}:{info.filename}")
            continue
    return out


def _read_csv_bytes(data: bytes, where: str) -> pd.DataFrame:
    """One release CSV as text columns (pyarrow's reader: ~5x faster than the csv module here)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    try:
        text_head = data[:65536].decode("utf-8-sig").splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        raise SourceUnusable(f"{where}: not UTF-8 text with a header row") from None
    header = _unique([_column(h) for h in next(csv.reader([text_head]))])
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=True, null_values=[""]),
        )
    except pa.ArrowInvalid as exc:
        raise SourceUnusable(f"{where}: {str(exc).splitlines()[0]}") from None
    frame = table.to_pandas().astype(object)
    frame = frame.where(frame.notna(), None)
    frame["_source_file"] = where
    frame["_source_row"] = range(2, len(frame) + 2)
    return frame


def _unique(names: list[str]) -> list[str]:
    """The release repeats some column names (annual_reviews: review_meeting_prior_24): suffix repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _column(name: str) -> str:
    clean = re.sub(r"[^a-z0-9_]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")
    return clean if re.match(r"^[a-z_]", clean) else f"c_{clean}"


def validate(frame: pd.DataFrame, validator, table: str, params: dict):
    data = frame.drop(columns=["_source_file", "_source_row"], errors="ignore")
    return validator.validate("dfe_statistics", data.reset_index(drop=True), params, asset=f"dfe_{table}")


def load(wh, conn, table: str, frame: pd.DataFrame) -> int:
    """Replace ref.dfe_<table> with the release's rows (all text columns)."""
    from send_pipeline.kernel.warehouse import ident

    name = ident(f"ref.dfe_{table}")
    cols = [c for c in frame.columns if c not in ("_source_file", "_source_row")]
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    conn.exec_driver_sql(f"CREATE TABLE {name} ({', '.join(f'{ident(c)} VARCHAR' for c in cols)})")
    return wh.insert_frame(conn, name, frame[cols].astype(object).where(frame[cols].notna(), None))

