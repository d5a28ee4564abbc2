"""A Coventry-size night under the real scheduler, against `airflow dags test` (issue 17's figures).

    source scripts/env.sh && python benchmarks/stack_night.py [--executors CeleryExecutor,LocalExecutor] [--dags-test]

Generates the Coventry-size synthetic LA once (seed 42, scale 1, in SEND_BENCH_DIR or /tmp/send_bench/la),
then for each executor: `scripts/stack.sh up` on a copy of it (PostgreSQL warehouse), a first night and
the next (incremental) night triggered through the REST API, each run's duration as Airflow recorded
it (start to end), `scripts/stack.sh down`. With --dags-test, the same first night under
`airflow dags test` on the embedded DuckDB. Prints one line per measurement.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import stack as native  # noqa: E402

NIGHTS = ("2026-02-01T02:00:00Z", "2026-02-02T02:00:00Z")


def coventry(folder: Path) -> Path:
    la = folder / "la"
    if not (la / "cms.db").exists():
        from send_synth import generate

        t0 = time.monotonic()
        generate(la, seed=42, scale=1, until=date(2026, 1, 31))
        print(f"generated the Coventry-size LA in {time.monotonic() - t0:.0f} s", flush=True)
    return la


def _seconds(run: dict) -> float:
    start, end = (datetime.fromisoformat(run[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
    return (end - start).total_seconds()


def on_stack(la: Path, executor: str, work: Path) -> list[str]:
    copy = work / "la"
    shutil.copytree(la, copy)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SEND_"))},
           "SEND_STACK_DIR": str(work / "stack"), "SEND_STACK_PORT_BASE": os.environ.get("SEND_BENCH_PORT_BASE", "58700"),
           "SEND_STACK_ENV_FILE": os.devnull, "SEND_STACK_EXECUTOR": executor,
           "SEND_CMS_URI": f"sqlite:///{copy / 'cms.db'}", "SEND_INBOX_HOST_DIR": str(copy / "inbox"),
           "SEND_OUTPUT_HOST_DIR": str(work / "output"), "SEND_LANDING_HOST_DIR": str(work / "landing")}
    work.chmod(0o711)
    up = subprocess.run([str(ROOT / "scripts" / "stack.sh"), "up"], env=env, capture_output=True, text=True)
    if up.returncode:
        raise SystemExit(up.stdout + up.stderr)
    out = []
    try:
        config = native.Stack(env=env)
        values = config.values()
        client = native.Client(config.api_url, values.get("AIRFLOW_ADMIN_USER") or "admin", values["AIRFLOW_ADMIN_PASSWORD"])
        client.wait_for_dags(["send_nightly"])
        for label, night in zip(("first night", "next night (incremental)"), NIGHTS):
            run_id = client.trigger("send_nightly", night)
            run = client.wait_run("send_nightly", run_id, timeout=1800)
            states = client.task_states("send_nightly", run_id)
            line = f"{executor}: {label}: {run['state']} in {_seconds(run):.0f} s ({len(states)} task instances)"
            print(line, flush=True)
            out.append(line)
    finally:
        subprocess.run([str(ROOT / "scripts" / "stack.sh"), "down"], env=env, capture_output=True)
    return out


def dags_test(la: Path, work: Path) -> str:
    env = {**os.environ, "SEND_DEMO": "1", "AIRFLOW_CONN_SEND_CMS": f"sqlite:///{la / 'cms.db'}",
           "AIRFLOW_CONN_SEND_WAREHOUSE": f"duckdb:///{work / 'warehouse.duckdb'}", "SEND_INBOX_DIR": str(la / "inbox"),
           "SEND_OUTPUT_DIR": str(work / "output"), "SEND_LANDING_DIR": str(work / "landing"), "SEND_DATA_DIR": str(work)}
    t0 = time.monotonic()
    done = subprocess.run(["airflow", "dags", "test", "send_nightly", NIGHTS[0][:10]], env=env, capture_output=True, text=True)
    line = f"airflow dags test (embedded DuckDB): first night: {'success' if done.returncode == 0 else 'FAILED'} in " \
           f"{time.monotonic() - t0:.0f} s"
    print(line, flush=True)
    return line


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executors", default="CeleryExecutor,LocalExecutor")
    parser.add_argument("--dags-test", action="store_true")
    args = parser.parse_args()
    base = Path(os.environ.get("SEND_BENCH_DIR", "/tmp/send_bench"))
    base.mkdir(parents=True, exist_ok=True)
    la = coventry(base)
    lines = []
    for executor in [e for e in args.executors.split(",") if e]:
        work = Path(tempfile.mkdtemp(prefix=f"stack_{executor}_"))
        try:
            lines += on_stack(la, executor, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if args.dags_test:
        work = Path(tempfile.mkdtemp(prefix="dags_test_"))
        try:
            lines.append(dags_test(la, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(["== summary", *lines]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
