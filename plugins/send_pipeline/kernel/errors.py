"""The pipeline's own failures: what stopped, said without personal data (alerts show these messages)."""
from __future__ import annotations


class SourceUnusable(RuntimeError):
    """A whole source cannot be loaded this run (missing column, unreadable file, empty extract)."""


class StorageFull(SourceUnusable):
    """A write failed because the disk (or the owner's quota) is full; the partial file was removed."""


class FilesStopped(SourceUnusable):
    """Files of a many-file source could not be read: the others loaded; these wait in the inbox."""

    def __init__(self, message: str, names: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.names = tuple(names)


class ParseError(ValueError):
    """A value that cannot be read; the message says what was wrong (a quarantine reason)."""


class QualityError(RuntimeError):
    """The validation itself failed to run (not a data failure)."""


class NotConfigured(RuntimeError):
    """A connection or setting the deployment must define is missing (production mode, SEND_DEMO unset)."""


class MartsRefused(RuntimeError):
    """The night did not load or reconcile every entity: the marts are not rebuilt (they stay as at
    their last good date), so nothing downstream publishes a half-loaded night."""


# --- permanent or transient: does retrying the task have any chance of helping? --------------------
# Plain Python (no Airflow): orchestration/runtime.py ends a task at once on a permanent error and lets
# Airflow retry a transient one.
_TRANSIENT_TEXT = ("could not set lock", "connection refused", "timeout", "timed out", "server closed the connection",
                   "connection reset", "could not connect", "the database system is starting up",
                   "too many connections", "deadlock detected", "could not serialize access",
                   "temporarily unavailable", "resource temporarily unavailable")
_TRANSIENT_ERRNO = {"EAGAIN", "EWOULDBLOCK", "EBUSY", "EINTR", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET",
                    "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"}
# PostgreSQL SQLSTATE classes that no retry mends: 0A feature not supported, 22 data exception,
# 23 integrity constraint, 28 invalid authorisation (wrong password), 3D no such database,
# 42 syntax error or access rule violation (42501 permission denied, 42P01 no such table)
_PERMANENT_SQLSTATE = ("0A", "22", "23", "28", "3D", "42")
_PERMANENT_TYPES = (ValueError, LookupError, TypeError, AttributeError, NameError, ImportError, NotImplementedError,
                    AssertionError, ArithmeticError, FileNotFoundError, PermissionError, IsADirectoryError,
                    NotADirectoryError, SourceUnusable, MartsRefused, NotConfigured)


def _chain(exc: BaseException):
    """The exception, the DB-API error a SQLAlchemy error wraps (`orig`), and its causes."""
    seen, todo = [], [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [getattr(e, "orig", None), e.__cause__]
    return seen


def is_permanent(exc: BaseException) -> bool:
    """True when running the task again cannot help (a permission, a missing file or setting, a bug, a
    refused input); False for what passes (a refused or dropped connection, a timeout, a busy file, the
    DuckDB file locked by another process), which Airflow retries. Unknown errors are transient."""
    import errno as errno_mod

    chain = _chain(exc)
    text = " ".join(str(e).splitlines()[0].lower() for e in chain if str(e).strip())
    if any(t in text for t in _TRANSIENT_TEXT):
        return False
    for e in chain:
        code = getattr(e, "errno", None)
        if isinstance(e, OSError) and code is not None and errno_mod.errorcode.get(code) in _TRANSIENT_ERRNO:
            return False
    for e in chain:
        state = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            return state.startswith(_PERMANENT_SQLSTATE)
    for e in chain:
        module, name = type(e).__module__.split(".")[0].lstrip("_"), type(e).__name__  # duckdb's are _duckdb.*
        if module == "sqlalchemy" and name in ("ProgrammingError", "IntegrityError", "DataError", "NotSupportedError",
                                               "ArgumentError", "NoSuchModuleError", "CompileError"):
            return True
        if module == "duckdb" and name in ("CatalogException", "ParserException", "BinderException",
                                           "PermissionException", "ConversionException", "InvalidInputException",
                                           "ConstraintException", "NotImplementedException"):
            return True
        if module == "psycopg" and name in ("ProgrammingError", "IntegrityError", "DataError", "NotSupportedError"):
            return True
    return isinstance(exc, _PERMANENT_TYPES)
