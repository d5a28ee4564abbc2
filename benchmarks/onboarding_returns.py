"""Benchmark: reading SEN2 returns for onboarding (onboarding/returns.py) in bounded memory.

    python benchmarks/onboarding_returns.py [--people 350000] [--work /tmp/onb_returns]

Writes a large return with the project's own SEN2 writer (sen2/writer.py, the code path sen2_census
writes with): the tiny hand-built LA's 2026 return (tests/sen2/tiny.py, 11 people, every scope rule)
repeated until it holds `--people` people (each copy's people renamed, UPN/ULN dropped, so every copy is
distinct children matched on name + date of birth). A Kent-size return is about 35,000 people (25,000
active plans); the default is ten times that. Then, each in a fresh process, peak memory (VmHWM) and time of:
  - `iter_return` with each 20,000-person chunk written to Parquet and dropped (what a landing does);
  - `read_return` (the whole return as tables in memory), for comparison.
Not part of the test run.

Measured 2026-12-07 (2 shared cores, another suite running): 1x (35,002 people, 27 MB): chunks 5.9 s,
peak 335 MB; whole 3.8 s, 286 MB. 10x (350,009 people, 271 MB; 318,190 requests, 159,095 plans):
chunks 46.2 s, peak 381 MB; whole 33.2 s, peak 944 MB. Chunked memory stays flat as the file grows
tenfold (it is set by the chunk size); the whole read grows with the file.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return -1


def write_big(work: Path, people: int) -> Path:
    import pandas as pd

    from send_pipeline.sen2 import build, reader, structure, writer
    from tests.sen2 import tiny

    work.mkdir(parents=True, exist_ok=True)
    wh = tiny.build_warehouse(f"duckdb:///{work / 'tiny.duckdb'}")
    try:
        small = build.build_return(wh, 2026, "331", out_dir=work / "tiny_out", now=tiny.FIXED_NOW_DT, dmo="Y", dco="Y", dsco="N")
    finally:
        wh.dispose()
    parsed = reader.read(small["xml"])
    base, copies = parsed.tables, -(-people // len(parsed.tables["person"]))
    n_people, n_requests = len(base["person"]), len(base["requests"])
    tables = {}
    for name, frame in base.items():
        parts = []
        for k in range(copies):
            f = frame.copy()
            f["person_seq"] = f["person_seq"] + k * n_people
            if "request_seq" in f:
                f["request_seq"] = f["request_seq"] + k * n_requests
            if name == "person":
                f["Surname"] = f["Surname"].astype(str) + f"-{k}"
                f["UPN"], f["UniqueLearnerNumber"] = None, None
            parts.append(f)
        tables[name] = pd.concat(parts, ignore_index=True)
    path = work / f"SEN2_331_2026_{len(tables['person'])}.xml"
    t = time.perf_counter()
    writer.write(path, structure.load(2026), parsed.header, tables)
    print(f"wrote {len(tables['person']):,} people, {len(tables['requests']):,} requests "
          f"({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def measure(mode: str, path: str, out: str) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from send_pipeline.onboarding import returns

    t = time.perf_counter()
    rows: dict[str, int] = {}
    if mode == "chunks":
        writers: dict = {}
        for i, chunk in enumerate(returns.iter_return(path, people=20_000)):
            for name, frame in chunk.items():
                rows[name] = rows.get(name, 0) + len(frame)
                pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), f"{out}/{name}_{i:04d}.parquet")
    else:
        got = returns.read_return(path)
        rows = got.counts()
    return {"mode": mode, "seconds": round(time.perf_counter() - t, 1), "peak_mb": peak_mb(), "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=350_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/onb_returns"))
    ap.add_argument("--measure", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    path = write_big(args.work, args.people)
    for mode in ("chunks", "whole"):
        out = args.work / f"landing_{mode}"
        out.mkdir(exist_ok=True)
        res = subprocess.run([sys.executable, __file__, "--measure", mode, str(path), str(out)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        print(res.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
