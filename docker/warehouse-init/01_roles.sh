#!/usr/bin/env bash
# Warehouse roles, created once at first start: the pipeline's writer, and a read-only `analyst`
# that can read the pseudonymised `marts` and `foi` schemas but not `core`/`ops` (personal data).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v writer_pw="$WAREHOUSE_WRITER_PASSWORD" -v analyst_pw="$WAREHOUSE_ANALYST_PASSWORD" <<'SQL'
CREATE ROLE send_writer LOGIN PASSWORD :'writer_pw';
CREATE ROLE analyst LOGIN PASSWORD :'analyst_pw';
GRANT CONNECT ON DATABASE send TO send_writer, analyst;
GRANT CREATE ON DATABASE send TO send_writer;
CREATE SCHEMA IF NOT EXISTS core AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS ops AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS ref AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS marts AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS foi AUTHORIZATION send_writer;
REVOKE ALL ON SCHEMA core, ops FROM PUBLIC;
GRANT USAGE ON SCHEMA marts, foi, ref TO analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE send_writer IN SCHEMA marts GRANT SELECT ON TABLES TO analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE send_writer IN SCHEMA foi GRANT SELECT ON TABLES TO analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE send_writer IN SCHEMA ref GRANT SELECT ON TABLES TO analyst;
SQL
