#!/usr/bin/env bash
# The compose stack's services natively on one machine (no Docker): PostgreSQL metadata DB and
# warehouse (set up by docker/warehouse-init), Redis, and Airflow's api-server, scheduler,
# dag-processor, triggerer and Celery worker, with the compose file's settings and auth manager.
#   scripts/stack.sh up | down | status | env
# Settings: SEND_STACK_DIR (.stack/), SEND_STACK_PORT_BASE (58100), SEND_STACK_ENV_FILE (.env),
# and every variable of docker-compose.yaml / .env.example (the environment wins over the file).
# See scripts/stack.py for how the compose file is read.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
source scripts/env.sh
exec python scripts/stack.py "$@"
