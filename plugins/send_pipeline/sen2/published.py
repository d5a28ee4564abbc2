"""marts.dfe_measures_published: the LA's DfE measures (marts.dfe_measures) beside what the DfE published.

For each measure, breakdown and period the warehouse computes: the DfE's published figure for the same
LA, period, breakdown and column (`published_value`, as published: a number or a symbol such as x or c),
the difference from it, and last year's published figure for the same measure (`previous_*`), so a
broken extract or a definition that drifted from the DfE's shows at a glance. The release is the one
loaded into ref.dfe_<table> (text columns, names lower-cased); a table not loaded leaves those columns
NULL. Built in Python because the release's columns vary by table and year (annual_reviews names its
years: our review_meeting_26 is last year's review_meeting_25), at the end of every marts build.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .figures import ACADEMIC, TABLES, previous_name

TABLE = "marts.dfe_measures_published"
COLUMNS = {
    "dfe_table": "VARCHAR", "time_period": "INTEGER", "time_identifier": "VARCHAR", "breakdown_topic": "VARCHAR",
    "breakdown": "VARCHAR", "measure": "VARCHAR", "value": "DOUBLE PRECISION", "published_value": "VARCHAR",
    "difference": "DOUBLE PRECISION", "previous_time_period": "INTEGER", "previous_published_value": "VARCHAR",
    "change_from_previous": "DOUBLE PRECISION", "la_code": "VARCHAR",
}
ID_COLUMNS = {"time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "new_la_code", "old_la_code", "la_name", "breakdown_topic", "breakdown"}


def previous_period(table: str, time_period: int) -> int:
    """The period a year before: 2024 -> 2023; academic 202425 -> 202324."""
    if table in ACADEMIC:
        start = time_period // 100
        return (start - 1) * 100 + start % 100
    return time_period - 1


def _published(conn, la_code: str, tables: set[str]) -> pd.DataFrame:
    """The LA's rows of every loaded release table, long: (dfe_table, time_period, topic, breakdown, column, value)."""
    frames = []
    for table in TABLES:
        ref = f"dfe_{table}"
        if ref not in tables:
            continue
        result = conn.exec_driver_sql(f"SELECT * FROM ref.{ref} WHERE geographic_level = 'Local authority' "
                                      f"AND old_la_code = '{la_code}'")
        wide = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        if wide.empty or not {"time_period", "breakdown_topic", "breakdown"} <= set(wide.columns):
            continue
        measures = [c for c in wide.columns if c not in ID_COLUMNS]
        long = wide.melt(id_vars=["time_period", "breakdown_topic", "breakdown"], value_vars=measures,
                         var_name="column", value_name="published_value")
        long["time_period"] = pd.to_numeric(long["time_period"], errors="coerce")
        frames.append(long.dropna(subset=["time_period"]).assign(dfe_table=table))
    if not frames:
        return pd.DataFrame({"dfe_table": pd.Series(dtype=object), "time_period": pd.Series(dtype="int64"),
                             "breakdown_topic": pd.Series(dtype=object), "breakdown": pd.Series(dtype=object),
                             "column": pd.Series(dtype=object), "published_value": pd.Series(dtype=object)})
    out = pd.concat(frames, ignore_index=True)
    out["time_period"] = out["time_period"].astype("int64")
    return out.drop_duplicates(["dfe_table", "time_period", "breakdown_topic", "breakdown", "column"])


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def build(wh, conn, la_code: str) -> int:
    """(Re)create marts.dfe_measures_published inside the marts build's transaction."""
    la_code = f"{int(la_code):03d}"
    result = conn.exec_driver_sql("SELECT dfe_table, time_period, time_identifier, breakdown_topic, breakdown, measure, "
                                  "value FROM marts.dfe_measures")
    ours = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
    conn.exec_driver_sql(f"CREATE TABLE {TABLE} ({', '.join(f'{c} {t}' for c, t in COLUMNS.items())})")
    if ours.empty:
        return 0
    tables = {r[0] for r in conn.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ref'")}
    published = _published(conn, la_code, tables)
    keys = ["dfe_table", "time_period", "breakdown_topic", "breakdown", "column"]
    ours["time_period"] = pd.to_numeric(ours["time_period"]).astype("int64")
    ours["value"] = pd.to_numeric(ours["value"], errors="coerce").astype("float64")
    ours["column"] = ours["measure"].str.lower()
    ours["previous_time_period"] = pd.Series([previous_period(t, p) for t, p in zip(ours["dfe_table"], ours["time_period"])],
                                             index=ours.index, dtype="int64")
    ours["previous_column"] = [previous_name(t, m) for t, m in zip(ours["dfe_table"], ours["measure"])]
    frame = ours.merge(published, on=keys, how="left")
    previous = published.rename(columns={"time_period": "previous_time_period", "column": "previous_column",
                                         "published_value": "previous_published_value"})
    frame = frame.merge(previous, on=["dfe_table", "previous_time_period", "breakdown_topic", "breakdown",
                                      "previous_column"], how="left")
    frame["difference"] = frame["value"] - _number(frame["published_value"])
    frame["change_from_previous"] = frame["value"] - _number(frame["previous_published_value"])
    frame["la_code"] = la_code
    for col in ("published_value", "previous_published_value"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    for col in ("difference", "change_from_previous", "value"):
        frame[col] = frame[col].astype("float64").replace({np.nan: None}).astype(object)
    frame["time_period"] = frame["time_period"].astype("Int64")
    frame["previous_time_period"] = frame["previous_time_period"].astype("Int64")
    return wh.insert_frame(conn, TABLE, frame[list(COLUMNS)])
