#!/usr/bin/env bash
# One command for a newcomer: set up, generate a Coventry-size synthetic LA, run send_nightly on it
# into the embedded DuckDB warehouse, and print the run summary.
#   scripts/demo.sh [AS_AT_DATE]      (default 2026-02-01: after the SEN2 2026 census day)
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
scripts/setup.sh
source scripts/env.sh
AS_AT="${1:-2026-02-01}"
DATA="${SEND_DATA_DIR:-$SEND_ROOT/data}"
if [ ! -f "$DATA/demo/cms.db" ]; then
  echo "== generating the synthetic LA (seed 42, Coventry size) in $DATA/demo"
  python -m send_synth --out "$DATA/demo" --seed 42 --scale 1 --until 2026-01-31
fi
T1=$(date +%s)
echo "== running send_nightly as at $AS_AT"
airflow dags test send_nightly "$AS_AT" > "$AIRFLOW_HOME/demo_run.log" 2>&1 || {
  echo "send_nightly failed: see $AIRFLOW_HOME/demo_run.log" >&2; tail -n 30 "$AIRFLOW_HOME/demo_run.log" >&2; exit 1; }
T2=$(date +%s)
SUMMARY=$(ls -t "${SEND_OUTPUT_DIR:-$DATA/output}"/quality/*/run_summary.txt | head -n 1)
echo "== run summary ($SUMMARY)"
cat "$SUMMARY"
echo "== set-up and data: $((T1 - T0)) s; nightly DAG run: $((T2 - T1)) s; warehouse: $DATA/warehouse.duckdb"
