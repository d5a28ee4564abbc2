"""Permanent errors end a task at once; transient ones are retried (kernel/errors.is_permanent), with
real exception objects: PostgreSQL refusing a role its rights, a closed port, DuckDB's file lock."""
from __future__ import annotations

import errno
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from send_pipeline.kernel.errors import MartsRefused, NotConfigured, SourceUnusable, StorageFull, is_permanent


def _raised(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError("did not raise")


@pytest.mark.parametrize("exc", [
    ValueError("the marts are as at 2026-01-31"), KeyError("la_code"), TypeError("unsupported operand"),
    FileNotFoundError(errno.ENOENT, "No such file or directory"), PermissionError(errno.EACCES, "Permission denied"),
    SourceUnusable("reviews: column missing"), StorageFull("disk full"), MartsRefused("not reconciled"),
    NotConfigured("connection send_cms is not defined"), AttributeError("x"), ZeroDivisionError("division by zero"),
], ids=lambda e: type(e).__name__)
def test_bugs_refusals_and_missing_files_are_permanent(exc):
    assert is_permanent(exc)


@pytest.mark.parametrize("exc", [
    OSError(errno.EAGAIN, "Resource temporarily unavailable"), BlockingIOError(errno.EWOULDBLOCK, "busy"),
    ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), TimeoutError("timed out"),
    OSError(errno.EIO, "Input/output error"), RuntimeError("something we do not know"),
], ids=lambda e: f"{type(e).__name__}-{e}")
def test_what_passes_and_what_is_unknown_is_retried(exc):
    assert not is_permanent(exc)


def test_a_sqlalchemy_wrapped_error_is_judged_by_what_it_wraps():
    wrapped = sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert not is_permanent(wrapped)
    bug = sa.exc.ProgrammingError("SELECT nope", {}, Exception("syntax error at or near nope"))
    assert is_permanent(bug)


def test_postgresql_closed_port_is_transient():
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = sa.create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/none", connect_args={"connect_timeout": 2})
    exc = _raised(lambda: engine.connect())
    engine.dispose()
    assert isinstance(exc, sa.exc.OperationalError)
    assert not is_permanent(exc)


def test_postgresql_permission_denied_is_permanent(pg_database):
    """The issue's case: send_writer without TEMP cannot create the load's temporary table."""
    import psycopg

    admin = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT")
    db = pg_database.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP ROLE IF EXISTS send_norights")
        conn.exec_driver_sql("CREATE ROLE send_norights LOGIN")
        conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {db} TO send_norights")
        conn.exec_driver_sql("CREATE TABLE public.secret_rows (v text)")
    url = pg_database.replace("postgres@", "send_norights@", 1)
    engine = sa.create_engine(url)
    try:
        temp = _raised(lambda: engine.connect().exec_driver_sql("CREATE TEMP TABLE t (v int)"))
        read = _raised(lambda: engine.connect().exec_driver_sql("SELECT * FROM public.secret_rows"))
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP TABLE public.secret_rows")
            conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {db} FROM send_norights")
            conn.exec_driver_sql("DROP ROLE send_norights")
        admin.dispose()
    for exc in (temp, read):
        assert isinstance(exc, sa.exc.ProgrammingError) and isinstance(exc.orig, psycopg.errors.InsufficientPrivilege)
        assert "permission denied" in str(exc)
        assert is_permanent(exc)
        assert is_permanent(exc.orig)


def test_duckdb_locked_by_another_process_is_transient(tmp_path):
    import duckdb

    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("held", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        exc = _raised(lambda: duckdb.connect(str(path)))
        engine = sa.create_engine(f"duckdb:///{path}")
        wrapped = _raised(lambda: engine.connect())
        engine.dispose()
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert "Could not set lock" in str(exc)
    assert not is_permanent(exc) and not is_permanent(wrapped)


def test_duckdb_missing_table_is_permanent():
    import duckdb

    exc = _raised(lambda: duckdb.connect().execute("SELECT * FROM core.nothing"))
    assert type(exc).__name__ == "CatalogException"
    assert is_permanent(exc)
