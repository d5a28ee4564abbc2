"""The shapes the readers produce: the CMS contract's entities (../shared/contracts/sources.md, as
declared in nightly/sources/cms.py), every value TEXT as a landing holds it, plus provenance.

Every row carries where it came from: `origin` (`sen2_xml` or `blade_csv`), `return_file` (the file's
name, no folder), `return_year` (the collection year), `return_reference_date` (the census day the
return describes) and `return_sha256` (of the file, or of the nine Blade files together).
"""
from __future__ import annotations

import pandas as pd

from ..nightly.sources import cms

ENTITIES = ("person", "request", "assessment", "plan", "placement", "need", "review")
PROVENANCE = ("origin", "return_file", "return_year", "return_reference_date", "return_sha256")
# the review items a return carries (ActivePlans), in the review tracker entity's names
REVIEW_COLUMNS = ("person_id", "plan_id", "review_type", "meeting_date", "decision_date", "outcome",
                  "draft_amended_date", "due_date", "final_amended_date")
_BY_NAME = {e.name: e for e in cms.SOURCE.entities}


def columns(entity: str) -> list[str]:
    """The contract's columns of `entity` (the CMS table's own names), then the provenance columns."""
    own = list(REVIEW_COLUMNS) if entity == "review" else [c.source for c in _BY_NAME[entity].columns]
    return own + list(PROVENANCE)


def text_frame(entity: str, data: dict, provenance: dict) -> pd.DataFrame:
    """A TEXT table of `entity`: every contract column (absent ones null), values as str or None."""
    n = len(next(iter(data.values()))) if data else 0
    out = {}
    for col in columns(entity):
        if col in provenance:
            out[col] = pd.Series([provenance[col]] * n, dtype=object)
        elif col in data:
            out[col] = pd.Series([_text(v) for v in data[col]], dtype=object)
        else:
            out[col] = pd.Series([None] * n, dtype=object)
    return pd.DataFrame(out)


def text_frames(rows: dict, provenance: dict) -> dict[str, pd.DataFrame]:
    """Every entity's TEXT table from row dicts ({entity: [{column: value}, ...]}; entities not given are empty)."""
    out = {}
    for entity in ENTITIES:
        given = rows.get(entity, [])
        own = [c for c in columns(entity) if c not in PROVENANCE]
        out[entity] = text_frame(entity, {c: [r.get(c) for r in given] for c in own} if given else {}, provenance)
    return out


def _text(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    s = str(v).strip()
    return s or None
