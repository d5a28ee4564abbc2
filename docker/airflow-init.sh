#!/usr/bin/env bash
# One-off set-up of the Airflow side, run by the compose file's `airflow-init` service (inside the
# image, as root) and by scripts/stack.sh up (natively, as whoever runs the stack): the same steps in
# both. Every path comes from the environment the compose file gives every Airflow container.
#   - the output and landing folders (landing owner-only: raw rows are personal data) and the logs;
#   - the metadata DB migrated (Airflow's tables and the FAB auth manager's);
#   - the one-slot `send_warehouse` pool (one writer to the warehouse at a time);
#   - the admin user (FAB auth manager), unless it exists already.
set -euo pipefail
: "${SEND_OUTPUT_DIR:?}" "${SEND_LANDING_DIR:?}" "${AIRFLOW_ADMIN_USER:?}" "${AIRFLOW_ADMIN_PASSWORD:?}"
LOGS="${AIRFLOW__LOGGING__BASE_LOG_FOLDER:-${AIRFLOW_HOME:-/opt/airflow}/logs}"
mkdir -p "$LOGS" "$SEND_OUTPUT_DIR" "$SEND_LANDING_DIR"
if [ "$(id -u)" = 0 ] && [ -n "${AIRFLOW_UID:-}" ]; then  # the image: folders belong to the airflow user
  chown -R "${AIRFLOW_UID}:0" "$LOGS" "$SEND_OUTPUT_DIR" "$SEND_LANDING_DIR"
fi
chmod 0700 "$SEND_LANDING_DIR"
airflow db migrate
airflow pools set send_warehouse 1 "One writer to the SEND warehouse at a time"
# an existing user is left as it is (Airflow says "already exists" and exits 0)
airflow users create --role Admin --username "$AIRFLOW_ADMIN_USER" --password "$AIRFLOW_ADMIN_PASSWORD" \
  --firstname SEND --lastname Admin --email "${AIRFLOW_ADMIN_EMAIL:-send-data@example.gov.uk}"
