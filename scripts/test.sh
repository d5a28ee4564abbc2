#!/usr/bin/env bash
# Run the test suite: sets up if needed, starts a throwaway PostgreSQL on loopback for the
# PostgreSQL tests, runs pytest (slow-marked tests excluded unless you pass -m slow or "-m ''").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
source scripts/env.sh
if SEND_TEST_PG_URL=$(scripts/pg_test_server.sh start); then
  export SEND_TEST_PG_URL
else
  echo "warning: no PostgreSQL server; PostgreSQL tests will be skipped" >&2
fi
if SEND_TEST_CHROMIUM=$(scripts/ensure_chromium.sh); then
  export SEND_TEST_CHROMIUM
else
  echo "warning: no Chromium; the browser test will be skipped (it fails under CI=true)" >&2
fi
python -m pytest "$@"
