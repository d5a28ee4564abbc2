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
