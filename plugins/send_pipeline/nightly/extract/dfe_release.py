"""The DfE release zip into the raw landing (declared in nightly/sources/dfe_release.py).

The newest `education-health-and-care-plans_*.zip` is read in memory, never extracted to disk; each
member CSV is size-capped, read as text and landed as entity `dfe_<table>`. A release already loaded
(same sha256) lands every table as `unchanged`.
"""
from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from pathlib import Path

import pandas as pd

from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.kernel.files import sha256_file
from send_pipeline.nightly.extract import landing
from send_pipeline.nightly.extract.files import inbox_files
from send_pipeline.nightly.sources.dfe_release import MEMBERS, PATTERN, REQUIRED, TABLES

MAX_MEMBER_BYTES = 200 * 1024 * 1024
log = logging.getLogger(__name__)


def extract_release(source: str, inbox: Path, seen: dict[str, str], landing_dir: Path, run_id: str) -> dict:
    """Land every table of the newest release (or, when it was loaded before, an unchanged marker)."""
    files = inbox_files(inbox, PATTERN)[-1:]
    summary = {}
    if files and sha256_file(files[0]) not in seen:
        path = files[0]
        digest = sha256_file(path)
        members = _read_zip(path)
        missing = [t for t in REQUIRED if t not in members]
        if missing:
            raise SourceUnusable(f"{path.name}: the release lacks {', '.join(missing)}.csv; the stats load is stopped")
        for table in TABLES:
            frame = members.get(table, pd.DataFrame(columns=["_source_file", "_source_row"]))
            info = [{"name": path.name, "sha256": digest, "rows": int(len(frame))}] if table == TABLES[0] else []
            landing.land(landing_dir, source, f"dfe_{table}", run_id, frame,
                         {"origin": path.name, "mode": "files", "sha256": digest, "files": info})
            summary[f"dfe_{table}"] = {"rows": len(frame), "mode": "files"}
    else:
        for table in TABLES:
            note = [{"name": files[0].name, "loaded_by": seen.get(sha256_file(files[0]))}] if files else []
            landing.land(landing_dir, source, f"dfe_{table}", run_id,
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
            if info.filename != MEMBERS[stem]:  # only the release's own paths (supporting-files/caseload.csv is not the table)
                log.warning("%s: %s is not read (the %s table is read only from %s)", path.name,
                            info.filename, stem, MEMBERS[stem])
                continue
            if stem in out:
                raise SourceUnusable(f"{path.name}: {info.filename} appears twice in the zip; which one is the release "
                                     "is unknown: download the release again")
            if info.file_size > MAX_MEMBER_BYTES:
                raise SourceUnusable(f"{path.name}: {info.filename} unpacks to {info.file_size} bytes, over the limit")
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:  # Bad CRC-32, a truncated member
                raise SourceUnusable(f"{path.name}: {info.filename} cannot be unpacked ({exc}); the download is "
                                     "damaged: download the release again") from None
            out[stem] = _read_csv_bytes(data, f"{path.name}:{info.filename}")
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
