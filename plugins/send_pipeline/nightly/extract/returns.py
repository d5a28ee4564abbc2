"""SEN2 returns in the inbox into the raw landing: each XML return (`*.xml`) and each Blade CSV export
(`Blade-Export_<dd-mm-yyyy>_*.csv`, the nine files as one return) not loaded before (by sha256: of the
file, or of the nine files together) is read by onboarding/returns.py or onboarding/blade.py into the
CMS contract's entity shapes (TEXT, with provenance) and landed per entity, `_source_file` = the
return's name, `_source_row` = the row's place among that return's rows of the entity.

An XML return is read one chunk of people at a time (returns.iter_return) and each entity's rows are
written to its Parquet file as they come, so memory holds one chunk, not the return. A file that is no
return we can read (a DOCTYPE or entity declarations, a collection year we have no structure for, a
Blade export missing a module or a link column) stops the source naming the file.
"""
from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import pandas as pd

from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.kernel.files import sha256_file
from send_pipeline.kernel.warehouse import Warehouse
from send_pipeline.nightly.extract import landing
from send_pipeline.nightly.extract.files import inbox_files, loaded_hashes
from send_pipeline.nightly.sources import Source
from send_pipeline.onboarding import blade, returns, shapes

CHUNK_PEOPLE = 20_000


def find_returns(inbox: Path) -> list[tuple[str, str, object]]:
    """(return name, sha256, how to read it) for every return in the inbox, in name order. The inbox
    entries are checked as every file source's are (regular files, UTF-8 names)."""
    found = []
    for path in inbox_files(inbox, "*.xml"):
        found.append((path.name, sha256_file(path), path))
    csvs = inbox_files(inbox, "Blade-Export_*.csv")
    exports: dict[str, dict[str, Path]] = {}
    for path in csvs:
        m = blade.NAME.match(path.name)
        if m and m.group(2).lower() in blade.MODULES:
            exports.setdefault(m.group(1), {})[m.group(2).lower()] = path
    for date, files in exports.items():
        missing = [m for m in blade.MODULES if m not in files]
        if missing:
            raise SourceUnusable(f"Blade-Export_{date}_*.csv: export incomplete, no {', '.join(missing)} file; "
                                 "put all nine files of the export in the inbox")
        digest = hashlib.sha256()
        for m in blade.MODULES:
            digest.update(hashlib.sha256(files[m].read_bytes()).digest())
        found.append((f"Blade-Export_{date}_*.csv", digest.hexdigest(), files))
    return sorted(found, key=lambda f: f[0])


def _chunks(what):
    """A return's entity tables, chunk by chunk."""
    try:
        if isinstance(what, Path):
            yield from returns.iter_return(what, people=CHUNK_PEOPLE)
        else:
            yield blade.read_export(what)
    except (returns.ReturnUnreadable, blade.BladeError) as exc:
        raise SourceUnusable(f"{exc}; the file is not loaded (nothing of this source was)") from None


def extract_returns(source: Source, inbox: Path, warehouse: Warehouse, landing_dir: Path, run_id: str) -> dict:
    """Land the returns not loaded before, every staged entity of them. Returns {entity: summary}."""
    seen = loaded_hashes(warehouse, run_id)
    found = find_returns(inbox)
    new = [(n, d, w) for n, d, w in found if d not in seen]
    skipped = [(n, d) for n, d, _ in found if d in seen]
    counts: dict[str, dict[str, int]] = {e.feeds: {} for e in source.entities}
    writers = _Writers(landing_dir, source, run_id)
    with writers:
        for name, _, what in new:
            rows = {e: 0 for e in counts}
            for chunk in _chunks(what):
                for entity, frame in chunk.items():
                    frame = frame.assign(_source_file=name, _source_row=range(rows[entity] + 1, rows[entity] + 1 + len(frame)))
                    rows[entity] += len(frame)
                    writers.write(entity, frame)
            for entity, n in rows.items():
                counts[entity][name] = n
    summary = {}
    for e in source.entities:
        mode = "files" if new else "unchanged"
        manifest = {"origin": e.origin, "mode": mode,
                    "files": [{"name": n, "sha256": d, "rows": counts[e.feeds].get(n, 0)} for n, d, _ in new],
                    "skipped_already_loaded": [{"name": n, "sha256": d, "loaded_by": seen[d]} for n, d in skipped],
                    "sha256": hashlib.sha256("".join(d for _, d, _ in new).encode()).hexdigest()}
        writers.finish(e, manifest)
        summary[e.name] = {"rows": sum(counts[e.feeds].values()), "mode": mode, "files": [n for n, _, _ in new],
                           "skipped": [n for n, _ in skipped]}
    return summary


class _Writers:
    """One streaming Parquet landing per staged entity, written chunk by chunk (landing.land_batches
    takes one entity's batches; a return yields every entity's rows together)."""

    def __init__(self, landing_dir: Path, source: Source, run_id: str):
        self.landing_dir, self.source, self.run_id = landing_dir, source, run_id
        self.parts: dict[str, list[Path]] = {}
        self.tmp = landing_dir / f".sen2_returns-{run_id.replace('/', '_')}.incoming"

    def __enter__(self):
        import shutil

        from send_pipeline.kernel.files import owner_only_dir

        shutil.rmtree(self.tmp, ignore_errors=True)
        owner_only_dir(self.tmp)
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            import shutil

            shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def write(self, entity: str, frame: pd.DataFrame) -> None:
        from send_pipeline.kernel.files import write_parquet

        cols = shapes.columns(entity) + ["_source_file", "_source_row"]
        part = self.tmp / f"{entity}-{len(self.parts.get(entity, [])):05d}.parquet"
        write_parquet(frame[cols], part)
        self.parts.setdefault(entity, []).append(part)

    def finish(self, e, manifest: dict) -> None:
        import shutil

        parts = self.parts.get(e.feeds, [])

        def batches():
            for p in parts:
                yield pd.read_parquet(p).astype({"_source_row": "int64"})
        try:
            if parts:
                landing.land_batches(self.landing_dir, self.source.name, e.name, self.run_id, batches(), lambda: manifest)
            else:
                empty = pd.DataFrame({c: pd.Series(dtype=object) for c in shapes.columns(e.feeds) + ["_source_file"]})
                landing.land(self.landing_dir, self.source.name, e.name, self.run_id,
                             empty.assign(_source_row=pd.Series(dtype="int64")), manifest)
        finally:
            for p in parts:
                with contextlib.suppress(OSError):
                    p.unlink()
            if e is self.source.entities[-1]:
                shutil.rmtree(self.tmp, ignore_errors=True)
