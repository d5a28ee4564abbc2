"""What the forecast reads from the warehouse (include/sql/forecast/): the census-day history (person
level, held in memory only), the observed spend by provision type, and the LA's special school places."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..kernel.run import Run
from ..kernel.settings import SQL_DIR
from ..kernel.warehouse import Warehouse
from ..nightly.marts import render_model

SQL = SQL_DIR / "forecast"


CENSUS_PLANS = SQL_DIR / "foi" / "census_plans.sql"  # the census-day plans, one definition (FOI, pack, forecast)


def query(wh: Warehouse, run: Run, name: str) -> pd.DataFrame:
    """One forecast query with the run's parameters bound (values the code controls, never data). The
    import `foi.census_plans` (a helper the FOI build drops) is its own SQL file, inlined as a subquery."""
    sql = render_model(SQL / f"{name}.sql", run)
    sql = sql.replace("foi.census_plans", f"({render_model(CENSUS_PLANS, run)}) as census_day")
    sql = re.sub(r":la_code\b", f"'{run.settings.checked_la_code}'", sql)
    if wh.dialect == "postgresql":  # psycopg reads % as a placeholder
        sql = sql.replace("%", "%%")
    with wh.connect() as conn:
        result = conn.exec_driver_sql(sql)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


@dataclass
class Inputs:
    census: pd.DataFrame  # census_year, person_id, need_code, setting_group, ncy (personal: memory only)
    spend: pd.DataFrame  # financial_year, provision_type, amount, pupils
    places: dict  # special_schools, places, schools_without_capacity


def read(wh: Warehouse, run: Run) -> Inputs:
    census = query(wh, run, "census_history")
    census["ncy"] = pd.to_numeric(census["ncy"], errors="coerce").astype("Int64")
    spend = query(wh, run, "spend_history")
    spend["amount"] = pd.to_numeric(spend["amount"]).astype(float)
    places = query(wh, run, "special_places").iloc[0].to_dict()
    places = {k: int(v or 0) for k, v in places.items()}
    return Inputs(census, spend, places)
