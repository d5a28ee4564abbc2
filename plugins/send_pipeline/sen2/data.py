"""Reading the warehouse for SEN2: the SQL lives in include/sql/sen2/*.sql (portable DuckDB / PostgreSQL).

`Session` keeps one connection for a step's reads (opening an embedded DuckDB file costs tens of ms).
"""
from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from ..kernel.settings import SQL_DIR
from ..kernel.warehouse import Warehouse, ident

SEN2_SQL = SQL_DIR / "sen2"
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def sql(name: str) -> str:
    body = (SEN2_SQL / f"{name}.sql").read_text()
    return "\n".join(line for line in body.splitlines() if not line.strip().startswith("--")).strip().rstrip(";")


class Session:
    def __init__(self, wh: Warehouse):
        self.wh = wh
        self.conn = None

    def __enter__(self) -> "Session":
        self.conn = self.wh.engine.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.conn.close()

    def query(self, text: str, params: dict | None = None) -> pd.DataFrame:
        """Rows as a DataFrame; DuckDB hands over Arrow directly (fast for the largest LAs)."""
        params = params or {}
        if self.wh.dialect == "duckdb":
            raw = self.conn.connection.driver_connection
            used = {k: params[k] for k in set(_PARAM.findall(text))}
            return raw.execute(_PARAM.sub(r"$\1", text), used).df()
        result = self.conn.execute(sa.text(text), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def read(self, name: str, params: dict | None = None) -> pd.DataFrame:
        return self.query(sql(name), params)

    def tables_in(self, schema: str) -> set[str]:
        frame = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = :s", {"s": schema})
        return set(frame["table_name"])

    def ref_row(self, table: str, la_code: str, time_period: str, existing: set[str] | None = None) -> dict | None:
        """The LA's all-topics row of a DfE statistics table (ref.dfe_*), or None when not loaded."""
        if existing is not None and table not in existing:
            return None
        frame = self.query(f"SELECT * FROM {ident('ref.' + table)} WHERE old_la_code = :la AND time_period = :tp "
                           "AND breakdown_topic = breakdown AND geographic_level = 'Local authority'",
                           {"la": str(la_code), "tp": str(time_period)})
        return None if frame.empty else frame.iloc[0].to_dict()


def read(wh: Warehouse, name: str, params: dict | None = None) -> pd.DataFrame:
    with Session(wh) as s:
        return s.read(name, params)
