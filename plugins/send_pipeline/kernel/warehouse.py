"""The warehouse through SQLAlchemy: embedded DuckDB by default, PostgreSQL by URI.

Every write happens inside one transaction per load, so a failure leaves the previous good state.
Bulk rows go in through each engine's fast path (an Arrow view on DuckDB, COPY on PostgreSQL).
Table and column names come only from the code's own model, never from data.
"""
from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd
import sqlalchemy as sa

from send_pipeline.kernel import settings
from send_pipeline.kernel.settings import SQL_DIR

SCHEMAS = ("core", "ops", "staging", "marts", "ref")
SQL_TYPES = {
    "int": "BIGINT", "flag": "SMALLINT", "text": "VARCHAR", "code": "VARCHAR", "label": "VARCHAR", "fy": "VARCHAR",
    "date": "DATE", "timestamp": "TIMESTAMP", "amount": "DECIMAL(14,2)", "decimal": "DOUBLE PRECISION",
}
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


def ident(name: str) -> str:
    """Guard for identifiers built into SQL: only the model's own lower-case names pass."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def read_sql_file(relative: str) -> str:
    return (SQL_DIR / relative).read_text()


def split_statements(sql: str) -> list[str]:
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


DUCKDB_MEMORY_LIMIT = "4GB"  # SEND_DUCKDB_MEMORY_LIMIT: DuckDB's own default is 80% of the machine


def _limit_memory(dbapi_conn, _record) -> None:
    """Cap DuckDB's memory (a national load in one transaction would otherwise hold gigabytes of
    uncommitted rows and buffers); past the cap DuckDB writes to disk beside the warehouse file."""
    limit = (settings.setting("SEND_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, flags=re.I):
        raise ValueError(f"SEND_DUCKDB_MEMORY_LIMIT {limit!r} is not a size like 4GB or 512MB")
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"SET memory_limit = '{limit}'")
    finally:
        cursor.close()


LOCK_WAIT_SECONDS = 600  # how long a DuckDB writer waits for another process to release the file


class Warehouse:
    def __init__(self, url: str, lock_wait: float = LOCK_WAIT_SECONDS):
        self.url = url
        self.lock_wait = lock_wait
        kwargs = {"poolclass": sa.pool.NullPool} if url.startswith("duckdb") else {"pool_pre_ping": True}
        self.path = Path(url.removeprefix("duckdb:///")) if url.startswith("duckdb:///") else None
        if self.path is not None:
            if self.path.stem in SCHEMAS + ("foi", "consortium", "main"):
                # DuckDB names the catalog after the file: `marts.duckdb` would make `marts.x` ambiguous
                raise ValueError(f"a DuckDB warehouse file may not be named after a schema: {self.path.name}")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(url, **kwargs)
        self.dialect = self.engine.dialect.name  # 'duckdb' | 'postgresql'
        if self.path is not None:
            sa.event.listen(self.engine, "connect", self._owner_only)
        if self.dialect == "duckdb":
            sa.event.listen(self.engine, "connect", _limit_memory)

    def _owner_only(self, *_args) -> None:
        """The embedded warehouse holds personal data (core schema): owner-only, like the landing."""
        if self.path is not None and self.path.exists():
            os.chmod(self.path, 0o600)

    def connect(self) -> sa.Connection:
        """A connection; on DuckDB, wait (with back-off) while another process holds the file lock.

        The DAGs' one-slot `send_warehouse` pool already serialises writers; this covers anything
        outside Airflow (a CLI run, an analyst's session) so it queues instead of failing at once.
        """
        deadline = time.monotonic() + self.lock_wait
        delay = 0.2
        while True:
            try:
                return self.engine.connect()
            except Exception as exc:  # duckdb raises IOException "Could not set lock on file"
                if self.dialect != "duckdb" or "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        with self.connect() as conn, conn.begin():
            if self.dialect == "postgresql":
                # Writers queue on one advisory lock rather than deadlock (see DAG pool for DuckDB).
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242)")
            yield conn

    # --- schema -----------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create schemas and tables that are missing; add model columns that are new."""
        with self.transaction() as conn:
            for schema in SCHEMAS:
                conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for statement in split_statements(read_sql_file("ops/ops_tables.sql")):
                conn.exec_driver_sql(statement)
            from send_pipeline.nightly.sources import ENTITIES, STAGED  # the conformed model's core (and staged) tables

            for entity in [*ENTITIES.values(), *STAGED.values()]:
                self._ensure_table(conn, entity)
            _load_reference(conn)

    def _ensure_table(self, conn: sa.Connection, entity) -> None:
        cols = entity.model_columns()
        ddl = ", ".join(f"{ident(n)} {SQL_TYPES[t]}" for n, t in cols)
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {ident(entity.table)} ({ddl})")
        schema, table = entity.table.split(".")
        existing = {
            r[0] for r in conn.execute(
                sa.text("SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t"),
                {"s": schema, "t": table},
            )
        }
        for name, type_ in cols:
            if name not in existing:
                conn.exec_driver_sql(f"ALTER TABLE {entity.table} ADD COLUMN {ident(name)} {SQL_TYPES[type_]}")

    # --- rows -------------------------------------------------------------------------------
    def insert_frame(self, conn: sa.Connection, table: str, frame) -> int:
        """Insert a pandas frame or an Arrow table (DuckDB scans Arrow as it is; PostgreSQL gets COPY)."""
        import pyarrow as pa

        if isinstance(frame, pa.Table):
            if frame.num_rows == 0:
                return 0
            if self.dialect != "duckdb":
                frame = _pandas(frame)
        elif frame.empty:
            return 0
        names = frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)
        cols = ", ".join(ident(c) for c in names)
        if self.dialect == "duckdb":
            raw = conn.connection.driver_connection
            view = f"_stage_{table.replace('.', '_')}"
            # a relation over the Arrow data, not register(): DuckDB keeps a registered object alive
            # until the transaction commits (a national load would hold every batch in memory)
            rows = frame if isinstance(frame, pa.Table) else _arrow(frame)
            raw.from_arrow(rows).query(view, f"INSERT INTO {ident(table)} ({cols}) SELECT {cols} FROM {view}")
        else:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY {ident(table)} ({cols}) FROM STDIN") as copy:
                for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None):
                    copy.write_row(row)
        return len(frame) if not isinstance(frame, pa.Table) else frame.num_rows

    def delete_matching(self, conn: sa.Connection, table: str, frame, key: tuple[str, ...]) -> None:
        """Delete rows of `table` whose key appears in `frame` (pandas or Arrow; NULLs in a key match NULLs)."""
        import pyarrow as pa

        if isinstance(frame, pa.Table):
            frame = _pandas(frame.select(list(key)))
        if frame.empty:
            return
        stage = f"stage_{table.replace('.', '_')}"
        keys = frame[list(key)].drop_duplicates()
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {stage}")
        # the stage copies the target's column types (a key column that is all NULL has no type of its own)
        key_cols = ", ".join(ident(c) for c in key)
        conn.exec_driver_sql(f"CREATE TEMP TABLE {stage} AS SELECT {key_cols} FROM {ident(table)} WHERE 1 = 0")
        self.insert_frame(conn, stage, keys)
        short = table.split(".")[-1]
        match = " AND ".join(f"s.{ident(c)} IS NOT DISTINCT FROM {short}.{ident(c)}" for c in key)
        conn.exec_driver_sql(f"DELETE FROM {ident(table)} WHERE EXISTS (SELECT 1 FROM {stage} s WHERE {match})")
        conn.exec_driver_sql(f"DROP TABLE {stage}")

    def frame(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        with self.connect() as conn:
            result = conn.execute(sa.text(sql), params or {})
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def scalar(self, sql: str, params: dict | None = None):
        with self.connect() as conn:
            return conn.execute(sa.text(sql), params or {}).scalar()

    def column_values(self, table: str, column: str) -> set:
        with self.connect() as conn:
            rows = conn.exec_driver_sql(f"SELECT DISTINCT {ident(column)} FROM {ident(table)} WHERE {ident(column)} IS NOT NULL")
            return {r[0] for r in rows}


def _pandas(table) -> pd.DataFrame:
    """An Arrow table as pandas with whole numbers as Int64 (not float64 wherever a value is missing)."""
    import pyarrow as pa

    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def _arrow(frame: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


REFERENCE_DIR = SQL_DIR.parent / "reference"


def _load_reference(conn: sa.Connection) -> None:
    """ref.account_code from include/reference/account_codes.csv, replaced every time (the CSV is the
    truth): the ledger's account codes and what the SQL groups them by (high needs, banded top-up, the
    provision type of a line without a school)."""
    import csv

    with open(REFERENCE_DIR / "account_codes.csv", newline="", encoding="utf-8") as handle:
        rows = [{**r, "high_needs": r["high_needs"] == "true", "banded_topup": r["banded_topup"] == "true",
                 "provision_type": r["provision_type"] or None} for r in csv.DictReader(handle)]
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS ref.account_code (account_code VARCHAR NOT NULL, "
                         "description VARCHAR, high_needs BOOLEAN, banded_topup BOOLEAN, provision_type VARCHAR)")
    conn.exec_driver_sql("DELETE FROM ref.account_code")
    conn.execute(sa.text("INSERT INTO ref.account_code VALUES (:account_code, :description, :high_needs, "
                         ":banded_topup, :provision_type)"), rows)
