"""Every source the nightly run reads, declared once: one module per source.

To add a source, write `sources/<name>.py` declaring `SOURCE` (see model.py) and list it in `DECLARED`
below; the DAG's task groups, extract, validation, load, health freshness and the run summary follow.
`DECLARED` is also the load order: references first, so later validations can check keys against
them (the DfE release, GIAS schools, banding, then the CMS, the SEN2 returns (merged with the CMS's rows
after it), the review trackers and the ledger).
"""
from __future__ import annotations

from send_pipeline.nightly.sources import banding, cms, dfe_release, gias, ledger, reviews, sen2_returns
from send_pipeline.nightly.sources.model import Column, Derived, Entity, Source  # noqa: F401 (the types)

DECLARED = (dfe_release, gias, banding, cms, sen2_returns, reviews, ledger)

SOURCES: dict[str, Source] = {m.SOURCE.name: m.SOURCE for m in DECLARED}
SOURCE_ORDER: tuple[str, ...] = tuple(SOURCES)
# Every entity loaded to core.* (GX suite expectations/<name>.json), and the same by source.
ENTITIES: dict[str, Entity] = {e.name: e for s in SOURCES.values() for e in s.entities if e.table.startswith("core.")}
CORE_ENTITIES: dict[str, list[Entity]] = {s: [e for e in SOURCES[s].entities if e.name in ENTITIES] for s in SOURCES}
# The entities whose keys children's foreign-key expectations check: suite parameter -> entity.
KEY_SETS: dict[str, Entity] = {e.key_set: e for e in ENTITIES.values() if e.key_set}
# Staged entities (the SEN2 returns, staging.*): name -> the core entity they feed; their accepted keys
# count as that entity's keys for children's foreign-key checks in the same run.
STAGED: dict[str, Entity] = {e.name: e for s in SOURCES.values() for e in s.entities if e.feeds}


def read_from_database(entity: Entity) -> bool:
    """Whether the entity is a database table (the CMS): its rows are located by their own key, a full
    read replaces the table, and incremental reads track watermarks and open quarantine."""
    return SOURCES[entity.source].reader == "cms"


def entity_names(source: str) -> list[str]:
    """The entities a source lands, validates and loads, in order."""
    return [e.name for e in SOURCES[source].entities]


# names a council may write in SEND_SOURCES for a source (the module's name, or the export's)
ALIASES = {"gias": "schools", "dfe_release": "stats", "blade": "sen2_returns", "sen2": "sen2_returns"}


def selected(settings) -> tuple[str, ...]:
    """The sources a night runs, in load order: SEND_SOURCES (settings.sources), else every source declared
    `by_default` (all but sen2_returns, which runs when named). A name that is no source stops the run
    naming it (a typo must not silently skip a source)."""
    chosen = [ALIASES.get(s, s) for s in settings.sources]
    if not chosen:
        return tuple(s for s in SOURCE_ORDER if SOURCES[s].by_default)
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise ValueError(f"SEND_SOURCES names {', '.join(repr(u) for u in unknown)}, not a source; "
                         f"the sources are {', '.join(SOURCE_ORDER)}")
    return tuple(s for s in SOURCE_ORDER if s in chosen)
