#!/usr/bin/env bash
# Set up on a fresh machine: virtual environment, pinned dependencies, local AIRFLOW_HOME with a
# migrated metadata DB and the warehouse pool. Safe to run again (does only what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ] || ! cmp -s requirements.txt .venv/.requirements 2>/dev/null; then
  echo "== creating virtual environment (.venv) and installing pinned dependencies"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
  cp requirements.txt .venv/.requirements
fi
# dbt (the SQL layer, issue 18) in its own venv: dbt-core does not resolve beside Airflow's constraints
if [ ! -x .venv-dbt/bin/dbt ] || ! cmp -s requirements-dbt.txt .venv-dbt/.requirements 2>/dev/null; then
  echo "== creating the dbt virtual environment (.venv-dbt) and installing pinned dependencies"
  [ -x .venv-dbt/bin/python ] || "$PY" -m venv .venv-dbt
  .venv-dbt/bin/pip install -q --disable-pip-version-check -r requirements-dbt.txt
  cp requirements-dbt.txt .venv-dbt/.requirements
fi
source scripts/env.sh
mkdir -p "$AIRFLOW_HOME"
if [ ! -f "$AIRFLOW_HOME/.migrated" ]; then
  echo "== migrating the Airflow metadata DB in $AIRFLOW_HOME"
  airflow db migrate >/dev/null
  touch "$AIRFLOW_HOME/.migrated"
fi
airflow pools set send_warehouse 1 "One writer to the SEND warehouse at a time" >/dev/null
echo "== set up: $(airflow version) in $AIRFLOW_HOME"
