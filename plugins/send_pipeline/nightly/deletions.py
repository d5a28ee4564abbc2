"""Deletions and merges in the CMS, seen every night by a key scan (issue 16).

An incremental read by `updated_at` never sees a row that is gone. So each night the CMS reader also
reads every key of each upsert table (`SELECT <key>, <parent key> FROM ...`: one narrow column pair,
cheap even nationally) and lands it as `keys.parquet` beside the extract. At load:

- **deleted**: a key in `core.<entity>` that the scan no longer has is deleted, and with it every row
  that hangs off it in the conformed model (`CHILDREN`): a deleted person's requests, plans,
  consultations and tracker reviews go, a deleted plan's placements, needs and co-ordinator
  assignments, a deleted request's assessments. Counted per entity in `ops.run_log.rows_deleted`.
- **merged**: the CMS contract (shared/contracts/sources.md) has no merge marker, so a merge is what a
  CMS leaves behind: the duplicate person deleted and its records re-pointed to the survivor. The scan
  carries each row's parent key, and a row whose parent changed is read again that night even when
  the CMS did not touch its `updated_at` (`moved_keys`); it then loads under the survivor before the
  duplicate's deletion cascades, so nothing of the survivor's is lost.

Both modes agree: the deleted keys are computed from the warehouse before the load (a full refresh
replaces the tables anyway; the count and the cascade to other sources' tables are the same). The
share guard (SEND_MAX_LOSS_SHARE) counts deletions: a CMS that suddenly lacks most of a table stops.

Rows merged from SEN2 returns (`return_file` set: onboarding/merge.py) are not the CMS's: the scan
compares and deletes only the CMS's own rows (`return_file IS NULL`); the next merge re-derives the rest.
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from send_pipeline.kernel.warehouse import ident

# entity -> the parent it hangs off and the column that points at it (the conformed model's names)
PARENTS = {
    "request": ("person", "person_id"),
    "plan": ("person", "person_id"),
    "consultation": ("person", "person_id"),
    "review": ("person", "person_id"),
    "assessment": ("request", "request_id"),
    "placement": ("plan", "plan_id"),
    "need": ("plan", "plan_id"),
    "coordinator_assignment": ("plan", "plan_id"),
}
CHILDREN: dict[str, list[tuple[str, str]]] = {}
for _child, (_parent, _column) in PARENTS.items():
    CHILDREN.setdefault(_parent, []).append((_child, _column))
KEYS_FILE = "keys.parquet"


def scan_columns(entity) -> list[str]:
    """The key scan's columns: the entity's key, and its parent key where it has one."""
    parent = PARENTS.get(entity.name)
    return [entity.key[0]] + ([parent[1]] if parent and parent[1] != entity.key[0] else [])


def scans_keys(entity) -> bool:
    """Upsert CMS tables are read incrementally, so only a key scan sees their deletions (snapshot
    tables are replaced whole every night)."""
    return entity.load == "upsert" and bool(entity.updated_at)


def moved_keys(scan: pd.DataFrame, current: pd.DataFrame, entity) -> set:
    """Keys whose parent key in the CMS differs from the warehouse's (a merged person's records)."""
    cols = scan_columns(entity)
    if len(cols) < 2 or current.empty or scan.empty:
        return set()
    key, parent = cols
    joined = scan.merge(current, on=key, suffixes=("", "_core"))
    changed = joined[joined[parent].astype(str) != joined[f"{parent}_core"].astype(str)]
    return set(changed[key].astype(str))


def deleted_keys(conn, entity, scan: pd.DataFrame) -> list:
    """Keys the warehouse holds that the CMS no longer has (before this night's load)."""
    key = entity.key[0]
    held = pd.read_sql_query(sa.text(f"SELECT {ident(key)} FROM {ident(entity.table)}{_own(entity.name)}"), conn)[key]
    present = set(scan[key].astype(str))
    return sorted({k for k in held.dropna().astype("int64").astype(str) if k not in present}, key=int)


def apply(conn, planned: dict[str, list]) -> dict[str, int]:
    """Delete the planned keys and everything that hangs off them; returns rows deleted per entity
    (including tables of other sources, e.g. the tracker's reviews). A planned key counts whether this
    step deletes it or a full refresh's replace already did, so both modes report the same counts."""
    from send_pipeline.nightly.sources import ENTITIES

    gone: dict[str, set] = {name: {str(k) for k in keys} for name, keys in planned.items() if keys}
    rows: dict[str, int] = {}

    def drop(name: str, column: str, keys: list) -> None:
        entity = ENTITIES[name]
        if not keys or not _exists(conn, entity.table):
            return
        single = len(entity.key) == 1
        own = _select(conn, entity.table, entity.key[0], column, keys, _own(name, "AND")) if single else []
        if column == entity.key[0]:  # the planned keys themselves (a full refresh's replace removed them already)
            own = sorted(set(own) | {str(k) for k in keys}, key=int)
        deleted = _delete(conn, entity.table, column, keys, own_rows=_own(name, "AND"))
        if single:
            gone.setdefault(name, set()).update(own)
        else:
            rows[name] = rows.get(name, 0) + deleted
        for child, child_column in CHILDREN.get(name, []):
            drop(child, child_column, own)

    for name, keys in planned.items():
        drop(name, ENTITIES[name].key[0], keys)
    counts = {name: len(keys) for name, keys in gone.items()} | rows
    return {name: n for name, n in counts.items() if n}


def _own(name: str, word: str = "WHERE") -> str:
    """The condition selecting the CMS's (and trackers') own rows of a table SEN2 returns also feed."""
    from send_pipeline.nightly.sources.model import FED_BY_RETURNS

    return f" {word} return_file IS NULL" if name in FED_BY_RETURNS else ""


def _delete(conn, table: str, column: str, keys: list, chunk: int = 1000, own_rows: str = "") -> int:
    total = 0
    for start in range(0, len(keys), chunk):
        part = [int(k) for k in keys[start:start + chunk]]
        marks = ", ".join(f":k{i}" for i in range(len(part)))
        params = {f"k{i}": k for i, k in enumerate(part)}
        where = f"FROM {ident(table)} WHERE {ident(column)} IN ({marks}){own_rows}"
        total += int(conn.execute(sa.text(f"SELECT COUNT(*) {where}"), params).scalar())  # rowcount is -1 on DuckDB
        conn.execute(sa.text(f"DELETE {where}"), params)
    return total


def _select(conn, table: str, key: str, column: str, keys: list, own_rows: str = "") -> list:
    out = []
    for start in range(0, len(keys), 1000):
        part = [int(k) for k in keys[start:start + 1000]]
        marks = ", ".join(f":k{i}" for i in range(len(part)))
        out += [str(r[0]) for r in conn.execute(sa.text(
            f"SELECT {ident(key)} FROM {ident(table)} WHERE {ident(column)} IN ({marks}){own_rows}"),
            {f"k{i}": k for i, k in enumerate(part)})]
    return out


def _exists(conn, table: str) -> bool:
    schema, _, name = table.rpartition(".")
    return bool(conn.execute(sa.text("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = :n "
                                     "AND table_schema = :s"), {"n": name, "s": schema}).scalar())
