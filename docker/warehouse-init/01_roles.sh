#!/usr/bin/env bash
# Warehouse roles, created once at first start (docker-entrypoint-initdb.d): the pipeline's writer
# `send_writer`, and a read-only `analyst` that can read the pseudonymised schemas (`marts`, `foi`,
# `consortium`) and the DfE release (`ref`) but not `core`, `staging` or `ops` (personal data and
# record-level operations). Tables the writer creates later (every night) are readable by analyst
# through default privileges.
# TEMP is granted to the writer deliberately: a load deletes the rows it replaces by staging their keys
# in a session temporary table (warehouse.delete_matching: COPY the keys, one set-based DELETE). A
# temporary table is private to the session and gone when it ends, and the writer already owns every
# schema and may create in the database, so TEMP gives it nothing new. PUBLIC (so the analyst) keeps
# no TEMP: REVOKE ALL ON DATABASE below takes it away.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v writer_pw="$WAREHOUSE_WRITER_PASSWORD" -v analyst_pw="$WAREHOUSE_ANALYST_PASSWORD" <<'SQL'
CREATE ROLE send_writer LOGIN PASSWORD :'writer_pw';
CREATE ROLE analyst LOGIN PASSWORD :'analyst_pw';
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO send_writer, analyst;
GRANT CREATE, TEMPORARY ON DATABASE :"db" TO send_writer;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS core AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS staging AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS ops AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS ref AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS marts AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS foi AUTHORIZATION send_writer;
CREATE SCHEMA IF NOT EXISTS consortium AUTHORIZATION send_writer;
REVOKE ALL ON SCHEMA core, staging, ops FROM PUBLIC;
GRANT USAGE ON SCHEMA marts, foi, consortium, ref TO analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA marts, foi, consortium, ref TO analyst;  -- any there already
ALTER ROLE analyst SET default_transaction_read_only = on;                     -- a second lock on writes
ALTER DEFAULT PRIVILEGES FOR ROLE send_writer IN SCHEMA marts GRANT SELECT ON TABLES TO analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE send_writer IN SCHEMA foi GRANT SELECT ON TABLES TO analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE send_writer IN SCHEMA consortium GRANT SELECT ON TABLES TO analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE send_writer IN SCHEMA ref GRANT SELECT ON TABLES TO analyst;
SQL
