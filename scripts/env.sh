# Source me: the project's self-contained Airflow environment (local AIRFLOW_HOME, no examples).
SEND_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SEND_ROOT
export AIRFLOW_HOME="${AIRFLOW_HOME:-$SEND_ROOT/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$SEND_ROOT/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$SEND_ROOT/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__CORE__DEFAULT_TIMEZONE=Europe/London
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-127.0.0.1}"
export GX_ANALYTICS_ENABLED=false
# The embedded demo (generated CMS, DuckDB warehouse, demo secret under data/) stands in for missing
# connections only when asked for: the demo, the tests and the local CLI ask; a deployment (the compose
# file, scripts/stack.sh, which strips SEND_* from its Airflow processes) does not, so a missing
# connection stops with its name. `export SEND_DEMO=0` before sourcing this to try production mode.
export SEND_DEMO="${SEND_DEMO:-1}"
export PYTHONPATH="$SEND_ROOT/plugins:$SEND_ROOT/synth${PYTHONPATH:+:$PYTHONPATH}"
export PATH="$SEND_ROOT/.venv/bin:$PATH"
