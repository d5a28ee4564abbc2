"""Files that hold personal data: owner-only (directories 0700, files 0600), written atomically (a
temp file, then renamed: readers never see half a file), and where an entity's raw landing lives.

Landing layout: `<landing>/source=<s>/entity=<e>/run=<run>/raw.parquet` + `manifest.json`
(+ `accepted*.parquet` and `validated.json` written by validation); see nightly/extract/landing.py.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
from pathlib import Path

from send_pipeline.kernel.errors import StorageFull


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
    with disk_errors(path, tmp):
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
    with disk_errors(path, tmp):
        write(tmp)
        os.chmod(tmp, OWNER_FILE)
        os.replace(tmp, path)
    return path


@contextlib.contextmanager
def disk_errors(path: Path, tmp: Path):
    """Any failure removes the half-written `tmp`; a full disk or quota (ENOSPC, EDQUOT) becomes a
    StorageFull naming the file, the folder and what to do, instead of a bare `OSError: [Errno 28]`."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(f"cannot write {path.name} in {path.parent}: {exc.strerror} (errno {exc.errno}); "
                              "the half-written file was removed and nothing was loaded: free space on that disk "
                              "and re-run") from None
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
