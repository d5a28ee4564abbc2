"""Every source the nightly run reads, declared once: one module per source.

To add a source, write `sources/<name>.py` declaring `SOURCE` (see model.py) and list it in `DECLARED`
below; the DAG's task groups, extract, validation, load, health freshness and the run summary follow.
`DECLARED` is also the load order: references first, so later validations can check keys against
them (the DfE release, GIAS schools, banding, then the CMS, the review trackers and the ledger).
"""
from __future__ import annotations

from send_pipeline.nightly.sources import banding, cms, dfe_release, gias, ledger, reviews
from send_pipeline.nightly.sources.model import Column, Derived, Entity, Source  # noqa: F401 (the types)

DECLARED = (dfe_release, gias, banding, cms, reviews, ledger)

SOURCES: dict[str, Source] = {m.SOURCE.name: m.SOURCE for m in DECLARED}
SOURCE_ORDER: tuple[str, ...] = tuple(SOURCES)
# Every entity loaded to core.* (GX suite expectations/<name>.json), and the same by source.
ENTITIES: dict[str, Entity] = {e.name: e for s in SOURCES.values() for e in s.entities if e.table.startswith("core.")}
CORE_ENTITIES: dict[str, list[Entity]] = {s: [e for e in SOURCES[s].entities if e.name in ENTITIES] for s in SOURCES}
# The entities whose keys children's foreign-key expectations check: suite parameter -> entity.
KEY_SETS: dict[str, Entity] = {e.key_set: e for e in ENTITIES.values() if e.key_set}


def read_from_database(entity: Entity) -> bool:
    """Whether the entity is a database table (the CMS): its rows are located by their own key, a full
    read replaces the table, and incremental reads track watermarks and open quarantine."""
    return SOURCES[entity.source].reader == "cms"


def entity_names(source: str) -> list[str]:
    """The entities a source lands, validates and loads, in order."""
    return [e.name for e in SOURCES[source].entities]
