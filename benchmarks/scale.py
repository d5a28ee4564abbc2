"""Benchmark: how the nightly pipeline's cost grows with the size of the LA (issue 8).

    python benchmarks/scale.py --scale 1 [--scale 10 --scale 150] [--engine duckdb|postgres]
                               [--pg-url postgresql+psycopg://…] [--work /tmp/send_scale] [--fresh]

For each size (a multiple of Coventry: 1 ≈ 3,500 plans, 7 ≈ Kent, 150 ≈ England), generates a synthetic
LA (cached in --work and reused unless --fresh), then rebuilds landing → warehouse → marts from nothing
and runs SEN2 and the FOI tables, each stage in a fresh process so its wall time and peak memory
(VmHWM, the process's own) are its own:

    extract   every source landed as raw Parquet (CMS over SQLAlchemy, files read from the inbox)
    validate  typing, the GX suites, quarantine
    load      one transaction per source into core.*
    marts     staging + marts rebuilt in one transaction
    sen2      the SEN2 return (build, XSD, rules, read-back, report) for January 2026
    foi       the FOI tables built and exported under disclosure control

The floor is the cost of reading every landed Parquet file once (pyarrow, all columns): no stage that
reads its input can beat it, so each stage is also printed as a multiple of the floor. Prints one table
per engine; not part of the test run. Extract, validate, load and marts run in one process in the
DAG's order (each source extracted, validated and loaded before the next, because later sources
check keys against earlier loads); each stage's time is summed over the sources and its peak memory is
the largest of its windows (VmHWM reset between stages). SEN2 and FOI run in their own processes; the
SEN2 XSD check's child process counts towards SEN2's peak.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("extract", "validate", "load", "marts", "sen2", "foi")
AS_AT = date(2026, 2, 1)


def environment(la: Path, work: Path, url: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'plugins'}:{ROOT / 'synth'}",
        "AIRFLOW_CONN_SEND_CMS": f"sqlite:///{la / 'cms.db'}", "AIRFLOW_CONN_SEND_WAREHOUSE": url,
        "SEND_INBOX_DIR": str(la / "inbox"), "SEND_OUTPUT_DIR": str(work / "output"),
        "SEND_LANDING_DIR": str(work / "landing"), "SEND_DATA_DIR": str(work),
        "AIRFLOW_CONN_SEND_PSEUDONYMISATION": "generic://:benchmark@", "SEND_DATA_DOCS": "0",
        "GX_ANALYTICS_ENABLED": "false",
    }


def generate(la: Path, scale: float, seed: int, fresh: bool) -> float | None:
    if (la / "generated.json").exists() and not fresh:
        return None
    shutil.rmtree(la, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "send_synth", "--out", str(la), "--seed", str(seed),
                    "--scale", str(scale), "--until", "2026-01-31"], check=True,
                   env={**os.environ, "PYTHONPATH": f"{ROOT / 'plugins'}:{ROOT / 'synth'}"}, stdout=subprocess.DEVNULL)
    took = time.perf_counter() - t
    (la / "generated.json").write_text(json.dumps({"scale": scale, "seed": seed, "seconds": round(took, 1)}))
    return took


def _reset_peak() -> None:
    """Start a new peak-memory window for this process (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


def stage(name: str) -> dict:
    """Runs in a fresh process: one stage (or, for `pipeline`, landing → marts in the DAG's order)."""
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.nightly.sources import SOURCE_ORDER
    from send_pipeline.kernel.settings import Settings

    run = pipeline.Run(Settings.resolve(), "bench", AS_AT, full_refresh=True)
    out: dict = {}
    if name == "floor":
        import pyarrow.parquet as pq

        rows = 0
        for path in sorted(run.settings.landing_dir.rglob("raw.parquet")):
            rows += pq.read_table(path).num_rows
        out["rows"] = rows
    elif name == "pipeline":
        # As the DAG runs it: each source extracted, validated and loaded before the next (later
        # sources check their keys against the earlier ones' loads). Time and peak memory per stage.
        for key in ("extract", "validate", "load", "marts"):
            out[key] = {"seconds": 0.0, "peak_mb": 0}
        rows = 0

        by_source: dict = {}

        def timed(key, fn, *args):
            _reset_peak()
            t = time.perf_counter()
            result = fn(*args)
            took = time.perf_counter() - t
            out[key]["seconds"] += took
            out[key]["peak_mb"] = max(out[key]["peak_mb"], _peak_mb())
            where = by_source.setdefault(args[0] if isinstance(args[0], str) else "marts", {})
            where[key] = {"seconds": round(took, 1), "peak_mb": _peak_mb()}
            return result

        for source in SOURCE_ORDER:
            timed("extract", pipeline.extract_source, source, run)
            timed("validate", pipeline.validate_source, source, run)
            loaded = timed("load", pipeline.load_source, source, run)
            rows += sum(r.get("loaded", 0) for r in loaded.values())
            by_source[source]["rows"] = sum(r.get("extracted", 0) for r in loaded.values())
        built = timed("marts", pipeline.build_marts, run)
        out["by_source"] = by_source
        pipeline.summarise_run(run)
        out["loaded_rows"] = rows
        out["mart_rows"] = sum(built.values())
    elif name == "sen2":
        from send_pipeline.sen2 import build

        job = build.plan_run(2026, run.settings.la_code)
        target = run.settings.warehouse_url
        sen2_out = run.settings.output_dir
        written = build.write_return(target, job, out_dir=sen2_out)
        checked = build.validate_return(target, job, out_dir=sen2_out, tables=written["_tables"], timings={})
        build.write_report(target, job, out_dir=sen2_out)
        out.update(active_plans=written["counts"]["active_plans"], errors=checked["errors"])
    elif name == "foi":
        from send_pipeline.foi import steps

        out["built"] = steps.build_tables(run)
        out["exported"] = steps.export_tables(None, run)
    return out


MAX_RSS_MB = 20_000  # a stage using more is stopped (the machine has 24 GB): --max-rss-gb


def _rss_mb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def measure(name: str, env: dict) -> dict:
    """Wall time and peak memory of one stage in its own process tree (stopped above MAX_RSS_MB)."""
    import tempfile
    import threading

    t = time.perf_counter()
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([sys.executable, __file__, "--stage", name], env=env, stdout=subprocess.PIPE,
                            stderr=err, text=True)
    over = {"mb": 0}

    def watch():
        while proc.poll() is None:
            rss = _rss_mb(proc.pid)
            if rss > MAX_RSS_MB:
                over["mb"] = rss
                proc.kill()
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    stdout = proc.communicate()[0]
    took = time.perf_counter() - t
    if over["mb"]:
        raise SystemExit(f"stage {name} stopped after {took:.0f} s: {over['mb']} MB resident (limit {MAX_RSS_MB} MB)")
    if proc.returncode:
        err.seek(0)
        sys.stderr.write(err.read()[-4000:])
        raise SystemExit(f"stage {name} failed (exit {proc.returncode})")
    result = json.loads(stdout.strip().splitlines()[-1])
    return {"seconds": took, **result}


def peak_rss_mb() -> int:
    import resource

    own = 0
    for line in Path("/proc/self/status").read_text().splitlines():  # VmHWM: this process image's own peak
        if line.startswith("VmHWM:"):
            own = int(line.split()[1])
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024)


def run_size(scale: float, engine: str, pg_url: str | None, work: Path, seed: int, fresh: bool) -> dict:
    la = work / f"la_x{scale:g}"
    gen = generate(la, scale, seed, fresh)
    run_dir = work / f"run_x{scale:g}_{engine}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    if engine == "duckdb":
        url = f"duckdb:///{run_dir / 'warehouse.duckdb'}"
    else:
        import sqlalchemy as sa

        name = f"send_bench_x{str(scale).replace('.', '_')}"
        admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    env = environment(la, run_dir, url)
    figures = {"generate_s": gen}
    whole = measure("pipeline", env)
    for name in ("extract", "validate", "load", "marts"):
        figures[name] = whole[name]
    figures["pipeline_wall_s"] = whole["seconds"]
    figures["pipeline_peak_mb"] = max(whole[n]["peak_mb"] for n in ("extract", "validate", "load", "marts"))
    figures["by_source"] = whole["by_source"]
    for name in ("sen2", "foi"):
        figures[name] = measure(name, env)
    for name in STAGES:
        print(f"  x{scale:g} {engine} {name}: {figures[name]['seconds']:.1f} s, {figures[name]['peak_mb']} MB",
              flush=True)
    figures["floor"] = measure("floor", env)
    figures["landed_mb"] = round(sum(p.stat().st_size for p in (run_dir / "landing").rglob("raw.parquet")) / 1e6, 1)
    return figures


def report(results: dict) -> None:
    for (engine, scale), f in results.items():
        floor = f["floor"]["seconds"]
        print(f"\n{engine}, x{scale:g} Coventry: {f['floor']['rows']:,} landed rows, {f['landed_mb']} MB of Parquet; "
              f"floor (read all landed Parquet once) {floor:.2f} s")
        print(f"{'stage':<10}{'wall s':>9}{'peak MB':>9}{'x floor':>9}")
        total = 0.0
        for name in STAGES:
            s = f[name]["seconds"]
            total += s
            print(f"{name:<10}{s:>9.1f}{f[name]['peak_mb']:>9}{s / floor:>9.0f}")
        land_to_marts = sum(f[n]["seconds"] for n in ("extract", "validate", "load", "marts"))
        peak = max(f[n]["peak_mb"] for n in ("extract", "validate", "load", "marts"))
        print(f"\n{'source':<10}{'rows':>12}" + "".join(f"{k + ' s':>11}{'MB':>7}" for k in ("extract", "validate", "load")))
        for source, row in f.get("by_source", {}).items():
            if source == "marts":
                continue
            print(f"{source:<10}{row.get('rows', 0):>12,}" + "".join(
                f"{row[k]['seconds']:>11.1f}{row[k]['peak_mb']:>7}" for k in ("extract", "validate", "load")))
        print(f"{'landing→marts':<14}{land_to_marts:>5.1f} s in stages, {f['pipeline_wall_s']:.1f} s wall incl. "
              f"start-up, peak {f['pipeline_peak_mb']} MB;  all stages {total:.1f} s")
    scales = sorted({s for _, s in results})
    for engine in sorted({e for e, _ in results}):
        have = [s for s in scales if (engine, s) in results]
        for a, b in zip(have, have[1:]):
            ta = sum(results[(engine, a)][n]["seconds"] for n in ("extract", "validate", "load", "marts"))
            tb = sum(results[(engine, b)][n]["seconds"] for n in ("extract", "validate", "load", "marts"))
            print(f"{engine}: x{a:g} → x{b:g}: size x{b / a:g}, landing→marts time x{tb / ta:.1f} "
                  f"({'no worse than linear' if tb / ta <= b / a else 'WORSE than linear'})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, action="append")
    ap.add_argument("--engine", choices=["duckdb", "postgres"], action="append")
    ap.add_argument("--pg-url", default=os.environ.get("SEND_TEST_PG_URL"))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--work", default="/tmp/send_scale")
    ap.add_argument("--fresh", action="store_true", help="regenerate the LAs even if cached")
    ap.add_argument("--max-rss-gb", type=float, default=20.0, help="stop a stage using more memory than this")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.stage:
        import logging

        logging.basicConfig(level=logging.WARNING)
        result = stage(a.stage)
        print(json.dumps({**result, "peak_mb": peak_rss_mb()}, default=str))
        return 0
    global MAX_RSS_MB
    MAX_RSS_MB = int(a.max_rss_gb * 1024)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    for engine in a.engine or ["duckdb"]:
        if engine == "postgres" and not a.pg_url:
            raise SystemExit("--pg-url (or SEND_TEST_PG_URL) is needed for --engine postgres")
        for scale in a.scale or [1.0]:
            results[(engine, scale)] = run_size(scale, engine, a.pg_url, work, a.seed, a.fresh)
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
