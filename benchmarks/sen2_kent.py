"""Benchmark: the SEN2 return of a Kent-size LA (about 25,000 active plans).

    python benchmarks/sen2_kent.py [--scale 7] [--work /tmp/sen2_kent] [--fresh]

Generates the synthetic LA at `--scale` (1 = Coventry, ~3,900 plans on the census day; 7 ≈ Kent) and
loads it with the nightly pipeline (both cached in --work and reused unless --fresh), then times, in a
fresh process so peak memory is the return's own: build (scope + XML), then the XSD check (in a second
process, on the other core) beside the business rules, and separately the read-back reconciliation and
the report. Peak memory is the main process's (the XSD process streams the file). Target: build + XSD + rules under 10 s and
under 1 GB peak memory. Not part of the test run.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def prepare(work: Path, scale: float, seed: int, fresh: bool) -> str:
    la, url = work / "la", f"duckdb:///{work / 'warehouse.duckdb'}"
    done = work / "loaded.json"
    if done.exists() and not fresh:
        return url
    from send_pipeline.nightly.steps import Run, run_nightly
    from send_pipeline.kernel.settings import Settings
    from send_synth import generate

    t = time.perf_counter()
    generate(la, seed=seed, scale=scale, defects=0.0, until=date(2026, 1, 31))
    print(f"generated the LA (scale {scale}) in {time.perf_counter() - t:.0f} s", flush=True)
    os.environ.update({
        "AIRFLOW_CONN_SEND_CMS": f"sqlite:///{la / 'cms.db'}", "AIRFLOW_CONN_SEND_WAREHOUSE": url,
        "SEND_INBOX_DIR": str(la / "inbox"), "SEND_OUTPUT_DIR": str(work / "output"),
        "SEND_LANDING_DIR": str(work / "landing"), "SEND_DATA_DIR": str(work),
        "AIRFLOW_CONN_SEND_PSEUDONYMISATION": "generic://:benchmark@",
    })
    (work / "warehouse.duckdb").unlink(missing_ok=True)
    t = time.perf_counter()
    run_nightly(Run(Settings.resolve(), "benchmark_night", date(2026, 2, 1)))
    print(f"loaded the warehouse with run_nightly in {time.perf_counter() - t:.0f} s", flush=True)
    from send_pipeline.kernel.warehouse import Warehouse

    wh = Warehouse(url)  # fold the write-ahead log into the file: the measured run should not replay it
    with wh.engine.connect() as conn:
        conn.exec_driver_sql("CHECKPOINT")
    wh.dispose()
    done.write_text(json.dumps({"scale": scale, "seed": seed}))
    return url


def peak_rss_mb() -> int:
    """This process's peak resident memory. VmHWM belongs to the process image (ru_maxrss would carry the
    parent's peak over fork + exec on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(url: str, out: str) -> dict:
    """Runs in a fresh process: the SEN2 steps, timed; peak RSS of this process."""
    from send_pipeline.sen2 import build

    job = build.plan_run(2026, "331")
    t0 = time.perf_counter()
    written = build.write_return(url, job, out_dir=out)
    t_build = time.perf_counter() - t0
    timings: dict = {}
    checked = build.validate_return(url, job, out_dir=out, tables=written["_tables"], timings=timings)
    t = time.perf_counter()
    result = build.write_report(url, job, out_dir=out)
    t_report = time.perf_counter() - t
    target = t_build + timings["xsd_and_rules"]
    return {
        "active_plans": written["counts"]["active_plans"], "persons": written["counts"]["person"],
        "requests": written["counts"]["requests"], "xml_mb": round(Path(written["xml"]).stat().st_size / 1e6, 1),
        "build_s": round(t_build, 2), "rules_s": timings["rules"], "xsd_and_rules_s": timings["xsd_and_rules"],
        "build_xsd_rules_s": round(target, 2),
        "read_back_and_reconcile_s": timings["read_back_and_reconcile"], "report_s": round(t_report, 2),
        "total_s": round(time.perf_counter() - t0, 2),
        "peak_rss_mb": peak_rss_mb(),
        "errors": checked["errors"], "queries": checked["queries"], "xsd_errors": checked["xsd_errors"],
        "reconciled": checked["reconciled"], "status": result["status"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=7.0)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--work", default="/tmp/sen2_kent")
    ap.add_argument("--fresh", action="store_true", help="regenerate and reload even if cached")
    ap.add_argument("--measure", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.measure:
        print(json.dumps(measure(*a.measure)))
        return 0
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    url = prepare(work, a.scale, a.seed, a.fresh)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'plugins'}:{ROOT / 'synth'}"}
    proc = subprocess.run([sys.executable, __file__, "--measure", url, str(work / "sen2_output")],
                          capture_output=True, text=True, env=env, check=True)
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    for k, v in figures.items():
        print(f"{k:>28}: {v}")
    ok = figures["build_xsd_rules_s"] < 10 and figures["peak_rss_mb"] < 1024
    print(f"{'target (<10 s, <1 GB)':>28}: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "synth")]
    raise SystemExit(main())
