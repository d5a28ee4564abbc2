"""Files that hold personal data: owner-only (directories 0700, files 0600), written atomically (a
temp file, then renamed: readers never see half a file), and where an entity's raw landing lives.

Landing layout: `<landing>/source=<s>/entity=<e>/run=<run>/raw.parquet` + `manifest.json`
(+ `accepted*.parquet` and `validated.json` written by validation); see nightly/extract/landing.py.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path


OWNER_DIR, OWNER_FILE = 0o700, 0o600


def safe_run(run_id: str) -> str:
    """A run id usable as a folder name (Airflow's contain ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)


def landing_path(landing: Path, source: str, entity: str, run_id: str) -> Path:
    """The folder one run lands one entity in."""
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


def write_parquet(frame, path: Path) -> Path:
    """A pandas frame as Parquet, owner-only, atomically."""
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
