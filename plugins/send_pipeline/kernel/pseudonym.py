"""Pseudonyms: keyed hashes (HMAC-SHA256) of CMS ids, the only way people and officers appear in marts.

The secret is connection `send_pseudonymisation` (its password), or for the embedded demo a random
secret kept in an owner-only file. In a consortium the LA is part of what is hashed, so pooled marts
never give two children one key.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path


def person_key(secret: bytes, scope: str, person_id: object) -> str:
    return hmac.new(secret, f"person:{scope}{person_id}".encode(), hashlib.sha256).hexdigest()[:20]


def officer_key(secret: bytes, scope: str, officer_id: object) -> str:
    return hmac.new(secret, f"officer:{scope}{officer_id}".encode(), hashlib.sha256).hexdigest()[:12]


def keys_for(hasher, ids):
    """An Arrow column of ids as pseudonyms: each distinct id hashed once (a child has many rows), then
    taken to every row. Ids hash as whole numbers (`12`, never `12.0`); a missing id as pandas' NA did
    (`<NA>`), as it always has."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    if pa.types.is_floating(ids.type):
        ids = ids.cast(pa.int64())  # raises if a value is not whole: never silently re-keyed
    encoded = pc.dictionary_encode(ids)
    distinct = encoded.dictionary.to_pylist()
    keys = pa.array([hasher(v) for v in distinct] + [hasher(pd.NA)], pa.string())
    return keys.take(encoded.indices.fill_null(len(distinct)))


def secret_from(value: str) -> bytes:
    # A connection URI such as `generic://:s3cret@` carries the secret as its password.
    match = re.match(r"^[a-z0-9+\-]*://[^:@/]*:([^@]+)@", value)
    return (match.group(1) if match else value).encode()


def demo_secret(base: Path) -> str:
    """The embedded demo keeps a random secret in an owner-only file, created on first use."""
    path = base / ".pseudonym_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
