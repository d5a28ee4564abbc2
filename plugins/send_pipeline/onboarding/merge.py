"""The staged SEN2 returns into core: every return held (staging.sen2_*) and the CMS's own rows matched
by onboarding/matching.combine, and the returns' winning records written to core.person, request,
assessment, plan, placement, need and review with `return_file` and `return_year`.

THE DESIGN (docs/onboarding.md): returns are staged in their own tables, checked by the CMS entities'
suites, then merged into core in one step after the CMS load, inside the sen2_returns load's
transaction. Core rows with `return_file` NULL are the CMS's (and the review trackers') own and are
never touched here; rows with it set are the merge's and are replaced whole by every merge (each night
the source runs), so a new return, a CMS that now holds a record, or a re-sent return takes effect the
same night, and nothing is counted twice:
- one person is one person (the match rule in matching.py); a person the CMS holds keeps the CMS's id;
- a record (request by person + received date, plan by person + start date) comes from one origin:
  the CMS for what it holds and, with SEND_CMS_FROM, for everything dated from then on; otherwise the
  return with the latest census day; its children (assessment, placements, needs, review) from the
  same origin;
- an ambiguous person (matching's reasons) is quarantined: nothing of them loads, the reason goes to
  ops.quarantine (entity sen2_person, rule person_match, no values) and the values an officer needs to
  the owner-only quarantine file `person_match.csv`.
The counts (per return and the CMS's) go in each staged entity's ops.run_log message and the run summary.
"""
from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from send_pipeline.kernel import files, pseudonym
from send_pipeline.kernel.safe_cells import csv_safe
from send_pipeline.kernel.run import Run
from send_pipeline.kernel.warehouse import Warehouse, ident
from send_pipeline.onboarding import matching, shapes

log = logging.getLogger(__name__)
CMS = matching.CMS
RULE = "person_match"


def _text(conn, table: str, columns: list[str], where: str = "") -> pd.DataFrame:
    """A table's columns as text (dates ISO, numbers as digits), None for missing: the readers' shapes."""
    have = {r[0] for r in conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t"),
        {"s": table.split(".")[0], "t": table.split(".")[1]})}
    picked = [c for c in columns if c in have]
    if not picked:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    sql = f"SELECT {', '.join(f'CAST({ident(c)} AS VARCHAR) AS {ident(c)}' for c in picked)} FROM {ident(table)}{where}"
    frame = pd.read_sql_query(sa.text(sql), conn).astype(object)
    frame = frame.where(frame.notna(), None)
    for c in columns:
        if c not in frame:
            frame[c] = pd.Series([None] * len(frame), dtype=object)
    return frame[columns]


def origins_from(conn, with_cms: bool = True) -> dict[str, dict[str, pd.DataFrame]]:
    """Every staged return (by return_file) and, when it has rows, the CMS's own rows ("cms")."""
    from send_pipeline.nightly.sources import STAGED

    staged = {}
    for entity in STAGED.values():
        cols = shapes.columns(entity.feeds) + [d.name for d in entity.derived]
        staged[entity.feeds] = _text(conn, entity.table, cols)
    names = sorted(set(staged["person"]["return_file"].dropna()))
    out = {n: {e: f[f["return_file"] == n].reset_index(drop=True) for e, f in staged.items()} for n in names}
    if with_cms:
        cms = {e: _text(conn, f"core.{e}", shapes.columns(e), " WHERE return_file IS NULL")
               for e in shapes.ENTITIES if e != "review"}
        if len(cms["person"]):
            cms["review"] = staged["review"].iloc[0:0]  # the trackers' reviews are not matched: they stay as loaded
            out[CMS] = cms
    return out


def merge_returns(run: Run, wh: Warehouse, conn) -> dict:
    """Replace the returns' rows in core with a fresh merge of every staged return and the CMS. Returns
    {entity: {origin: rows kept}} plus the people quarantined by the match."""
    from send_pipeline.nightly.sources import ENTITIES, selected

    origins = origins_from(conn)
    for entity in shapes.ENTITIES:  # the last merge's rows go; the CMS's and trackers' own stay
        conn.exec_driver_sql(f"DELETE FROM {ident(ENTITIES[entity].table)} WHERE return_file IS NOT NULL")
    if not [o for o in origins if o != CMS]:
        return {}
    cms_from = run.settings.cms_from if "cms" in selected(run.settings) else None
    matched = matching.combine(origins, cms_from=cms_from)
    for entity in shapes.ENTITIES:
        frame = matched.tables[entity]
        rows = frame[frame[matching.FROM] != CMS]
        if entity == "review":  # a review the tracker holds is the tracker's (it loads after, by the same key)
            rows = _not_in_trackers(conn, rows)
            matched.counts = {o: {**c, "review": int((rows[matching.FROM] == o).sum())} for o, c in matched.counts.items()}
        wh.insert_frame(conn, ENTITIES[entity].table, _typed(run, ENTITIES[entity], rows))
    quarantined = _record_quarantine(run, wh, conn, matched, origins)
    counts = {e: {o: matched.counts[o][e] for o in matched.counts} for e in shapes.ENTITIES}
    rows_in = {e: sum(matched.rows_in[o][e] for o in matched.rows_in if o != CMS) for e in shapes.ENTITIES}
    for entity in shapes.ENTITIES:
        conn.execute(sa.text("UPDATE ops.run_log SET message = :m WHERE run_id = :r AND entity = :e"),
                     {"m": message(entity, counts[entity], rows_in[entity],
                                   len(origins[CMS][entity]) if CMS in origins and entity != "review" else None,
                                   quarantined.get(entity, 0)),
                      "r": run.run_id, "e": f"sen2_{entity}"})
    log.info("merged the SEN2 returns into core: %s; %s people quarantined by the match",
             {e: c for e, c in counts.items()}, quarantined.get("person", 0))
    return {"counts": counts, "quarantined_people": quarantined.get("person", 0)}


def _not_in_trackers(conn, rows: pd.DataFrame) -> pd.DataFrame:
    key = ["person_id", "meeting_date", "review_type"]
    own = _text(conn, "core.review", key, " WHERE return_file IS NULL")
    if not len(own) or not len(rows):
        return rows
    held = set(own.itertuples(index=False, name=None))
    keep = [tuple(None if v is None or v != v else str(v) for v in r) not in held for r in rows[key].itertuples(index=False)]
    return rows[keep]


def message(entity: str, counts: dict[str, int], staged: int, cms_rows: int | None, held: int) -> str:
    """What the run log says of one core entity: rows from each return, the CMS's own rows (as the CMS
    loaded them), and the staged rows not used. No values."""
    returns = {o: n for o, n in counts.items() if o != CMS}
    used = sum(returns.values())
    parts = ", ".join(f"{o} {n}" for o, n in sorted(returns.items()))
    text = f"core.{entity}: {used} from the returns ({parts or 'none'})"
    if cms_rows is not None:
        text += f", {cms_rows} the CMS's own"
    text += (f"; {staged - used} of {staged} staged rows not used (a later return or the CMS has the record, "
             "or its person is held back by the match")
    return text + (f": {held} people quarantined)" if held else ")")


def _typed(run: Run, entity, rows: pd.DataFrame) -> pd.DataFrame:
    """Text rows → the core table's model columns and types, with lineage and the person pseudonym."""
    out = {}
    n = len(rows)
    for name, type_ in entity.model_columns():
        if name in ("source_file", "return_file"):
            values = rows[matching.FROM].tolist()
        elif name == "return_year":
            values = rows["return_year"].tolist() if "return_year" in rows else [None] * n
        elif name == "run_id":
            values = [run.run_id] * n
        elif name == "la_code":
            values = [run.settings.la_code] * n
        elif name == "person_key":
            import pyarrow as pa

            ids = pa.array([None if v is None else int(v) for v in rows["person_id"]], pa.int64())
            values = pseudonym.keys_for(run.settings.person_key, ids).to_pylist()
        elif name in rows:
            values = rows[name].tolist()
        else:
            values = [None] * n
        out[name] = _cast(values, type_)
    return pd.DataFrame(out)


def _cast(values: list, type_: str) -> pd.Series:
    def missing(v):
        return v is None or v is pd.NA or (isinstance(v, float) and v != v)

    if type_ in ("int", "flag"):
        return pd.Series(pd.array([None if missing(v) else int(str(v)) for v in values], dtype="Int64"))
    if type_ == "date":
        return pd.Series([None if missing(v) else date.fromisoformat(str(v)[:10]) for v in values], dtype=object)
    if type_ in ("amount", "decimal"):
        return pd.Series([np.nan if missing(v) else float(v) for v in values], dtype="float64")
    return pd.Series([None if missing(v) else str(v) for v in values], dtype=object)


def _record_quarantine(run: Run, wh: Warehouse, conn, matched, origins) -> dict[str, int]:
    """The people the match holds back: ops.quarantine (no values) and person_match.csv (owner-only)."""
    q = matched.quarantine
    q = q[q["origin"] != CMS] if len(q) else q
    path = run.quality_dir / "quarantine" / f"{RULE}.csv"
    if not len(q):
        path.unlink(missing_ok=True)
        return {}
    wh.insert_frame(conn, "ops.quarantine", pd.DataFrame({
        "run_id": run.run_id, "source": "sen2_returns", "entity": "sen2_person", "source_file": q["origin"].tolist(),
        "source_row": pd.array([None] * len(q), dtype="Int64"), "record_key": None, "rule": RULE,
        "column_name": None, "reason": q["reason"].tolist(), "la_code": run.settings.la_code}))
    people = pd.concat([origins[o]["person"] for o in origins if o != CMS], ignore_index=True)
    detail = q.merge(people, left_on=["origin", "person_id"], right_on=["return_file", "person_id"], how="left")
    files.write_owner_only(path, csv_safe(detail.drop(columns=["entity"])).to_csv(index=False))
    return {"person": int(len(q))}
