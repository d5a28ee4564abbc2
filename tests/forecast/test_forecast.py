"""The forecast end to end on the small generated LA: the marts add up and agree with the warehouse,
re-running gives the same marts, a scenario sits beside the baseline, a failed write leaves the previous
forecast, the nightly leaves the forecast marts alone, the same numbers on PostgreSQL, and the
send_forecast DAG under dag.test()."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from send_pipeline.nightly import steps as pipeline
from send_pipeline.forecast import marts as F
from send_pipeline.forecast.steps import run_forecast
from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse
from tests.helpers import point_at, table_checksums

AS_AT = date(2026, 2, 1)


@pytest.fixture(scope="module")
def forecasted(small_la, tmp_path_factory):
    work = tmp_path_factory.mktemp("forecast")
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, small_la, work)
        mp.setenv("SEND_DATA_DOCS", "0")
        run = pipeline.Run(Settings.resolve(), "night_forecast", AS_AT)
        pipeline.run_nightly(run)
        summary = run_forecast(None, None, run)
        yield {"work": work, "run": run, "summary": summary}


def _frame(run, sql: str) -> pd.DataFrame:
    wh = Warehouse(run.settings.warehouse_url)
    try:
        return wh.frame(sql)
    finally:
        wh.dispose()


def test_the_marts_add_up_and_hold_no_person(forecasted):
    run = forecasted["run"]
    plans = _frame(run, "SELECT * FROM marts.forecast_plans WHERE scenario = 'baseline'")
    assert set(plans.kind) == {"recorded", "projected"} and set(plans.la_code) == {"331"}
    assert sorted(plans[plans.kind == "projected"].census_year.unique()) == [2027, 2028, 2029, 2030, 2031]
    total = plans[plans.breakdown == "total"].set_index(["census_year"])
    for breakdown in ("setting_group", "need", "ncy", "cell"):
        summed = plans[plans.breakdown == breakdown].groupby("census_year")[["plans", "new_plans"]].sum()
        assert summed.plans.to_numpy() == pytest.approx(total.loc[summed.index, "plans"].to_numpy()), breakdown
    proj = total[total.kind == "projected"]
    assert ((proj.plans_lower <= proj.plans) & (proj.plans <= proj.plans_upper)).all()
    assert (proj.plans_upper - proj.plans_lower).is_monotonic_increasing  # the fan widens
    rec = total[total.kind == "recorded"]
    assert (rec.plans == rec.plans_lower).all() and (rec.plans == rec.plans_upper).all()
    for table in F.TABLES:
        cols = set(_frame(run, f"SELECT * FROM {table} LIMIT 0").columns)
        assert not cols & {"person_id", "person_key", "upn", "dob", "forename", "surname"}, table
    assert forecasted["summary"]["plans"][2031][0] <= forecasted["summary"]["plans"][2031][1]


def test_recorded_counts_are_the_census_day_counts(forecasted):
    """The recorded January 2026 counts by setting group are the plans active on census day (15 January
    2026, the third Thursday), one per child, placed as SEN2 places them, worked from core in pandas."""
    run = forecasted["run"]
    plan = _frame(run, "SELECT plan_id, person_id, start_date, cease_date FROM core.plan")
    day = pd.Timestamp(2026, 1, 15)
    start, cease = pd.to_datetime(plan.start_date), pd.to_datetime(plan.cease_date)
    active = plan[(start <= day) & (cease.isna() | (cease > day))]
    recorded = _frame(run, "SELECT setting_group, plans FROM marts.forecast_plans WHERE scenario = 'baseline' AND "
                           "kind = 'recorded' AND census_year = 2026 AND breakdown = 'setting_group'")
    assert recorded.plans.sum() == active.person_id.nunique()
    # special: the rank-1 placement open on the day is at a state special school (GIAS type)
    pl = _frame(run, "SELECT p.plan_id, p.urn, p.placement_rank, p.entry_date, p.leaving_date, s.provision_type "
                     "FROM core.placement p LEFT JOIN staging.school_provision s ON s.urn = p.urn")
    entry, leave = pd.to_datetime(pl.entry_date), pd.to_datetime(pl.leaving_date)
    open_ = pl[pl.plan_id.isin(active.plan_id) & (entry.isna() | (entry <= day)) & (leave.isna() | (leave >= day))]
    first = open_.sort_values(["plan_id", "placement_rank", "entry_date"], ascending=[True, True, False]).groupby("plan_id").head(1)
    special = recorded.set_index("setting_group").plans.get("special", 0)
    assert special == (first.provision_type == "la_special").sum()
    places = _frame(run, "SELECT places, special_plans FROM marts.forecast_places WHERE scenario = 'baseline' "
                         "AND census_year = 2026")
    capacity = _frame(run, "SELECT SUM(capacity) AS c FROM staging.school_provision WHERE provision_type = "
                           "'la_special' AND la_code = '331'").c.iloc[0]
    assert int(places.places.iloc[0]) == int(capacity) and places.special_plans.iloc[0] == special


def test_cost_is_plans_times_the_observed_cost_per_plan(forecasted):
    """2027's mainstream cost: 2024-25 mainstream spend over the mainstream plans on the January 2025 census
    day, raised by 3% a year for 2 years, times the projected plans."""
    run = forecasted["run"]
    spend = _frame(run, "SELECT amount FROM marts.spend_by_provision_type WHERE financial_year = '2024-25' "
                        "AND provision_type = 'mainstream'").amount.astype(float).iloc[0]
    plans25 = _frame(run, "SELECT plans FROM marts.forecast_plans WHERE scenario = 'baseline' AND census_year = 2025 "
                          "AND breakdown = 'setting_group' AND setting_group = 'mainstream'").plans.iloc[0]
    row = _frame(run, "SELECT * FROM marts.forecast_cost WHERE scenario = 'baseline' AND census_year = 2027 AND "
                      "setting_group = 'mainstream'").iloc[0]
    assert row.financial_year == "2026-27"
    assert row.cost_per_plan == pytest.approx(spend / plans25 * 1.03 ** 2)
    assert row.cost == pytest.approx(row.plans * row.cost_per_plan)
    total = _frame(run, "SELECT cost FROM marts.forecast_cost WHERE scenario = 'baseline' AND census_year = 2027 AND "
                        "breakdown = 'total'").cost.iloc[0]
    parts = _frame(run, "SELECT SUM(cost) AS c FROM marts.forecast_cost WHERE scenario = 'baseline' AND "
                        "census_year = 2027 AND breakdown = 'setting_group'").c.iloc[0]
    assert total == pytest.approx(parts)


def test_backtest_table(forecasted):
    bt = _frame(forecasted["run"], "SELECT * FROM marts.forecast_backtest WHERE scenario = 'baseline'")
    assert set(bt.method) == {"forecast", "last_year", "linear_trend"} and set(bt.horizon) == {1, 2, 3}
    assert "total_plans" in set(bt.measure) and "special" in set(bt.measure)
    assert not bt.duplicated(["method", "horizon", "measure"]).any() and (bt.mape >= 0).all()
    assert forecasted["summary"]["backtest"] and all(line.endswith(".") for line in forecasted["summary"]["backtest"])


def test_rerun_scenario_and_failure(forecasted, monkeypatch):
    run = forecasted["run"]
    wh = Warehouse(run.settings.warehouse_url)
    before = table_checksums(wh, schemas=("marts",))
    wh.dispose()
    run_forecast(None, None, run)  # the same run again: the same marts
    wh = Warehouse(run.settings.warehouse_url)
    assert table_checksums(wh, schemas=("marts",)) == before
    wh.dispose()
    run_forecast({"scenario": "mainstream_10", "new_plans_to_mainstream": "0.1", "additional_places": "40"}, None, run)
    q = ("SELECT scenario, setting_group, plans FROM marts.forecast_plans WHERE census_year = 2031 "
         "AND breakdown = 'setting_group'")
    by = _frame(run, q).pivot(index="setting_group", columns="scenario", values="plans")
    assert by.loc["mainstream", "mainstream_10"] > by.loc["mainstream", "baseline"]
    assert by.loc["special", "mainstream_10"] < by.loc["special", "baseline"]
    # as many new plans, placed elsewhere (later years differ: mainstream and special children leave at different rates)
    new = _frame(run, "SELECT scenario, new_plans FROM marts.forecast_plans WHERE census_year = 2027 AND breakdown = 'total'")
    assert new.new_plans.iloc[0] == pytest.approx(new.new_plans.iloc[1])
    places = _frame(run, "SELECT scenario, places FROM marts.forecast_places WHERE census_year = 2031")
    p = places.set_index("scenario").places
    assert p["mainstream_10"] == p["baseline"] + 40
    wh = Warehouse(run.settings.warehouse_url)
    with_scenario = table_checksums(wh, schemas=("marts",))
    wh.dispose()

    def broken(self, conn, table, frame):
        if table == "marts.forecast_cost":
            raise RuntimeError("disk full")
        return original(self, conn, table, frame)

    original = Warehouse.insert_frame
    monkeypatch.setattr(Warehouse, "insert_frame", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        run_forecast(None, None, dataclasses.replace(run, run_id="broken"))
    monkeypatch.undo()
    wh = Warehouse(run.settings.warehouse_url)
    assert table_checksums(wh, schemas=("marts",)) == with_scenario  # the previous forecast, untouched
    wh.dispose()
    # the nightly rebuilds its own marts only: the forecast's stay
    pipeline.build_marts(run)
    wh = Warehouse(run.settings.warehouse_url)
    after = table_checksums(wh, schemas=("marts",))
    wh.dispose()
    assert {t: v for t, v in after.items() if t in F.TABLES} == {t: v for t, v in with_scenario.items() if t in F.TABLES}


def test_the_dag_runs_a_scenario(forecasted, airflow_db, small_la):
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.utils.state import DagRunState

    dags = Path(__file__).resolve().parents[2] / "dags"
    bag = BundleDagBag(dag_folder=str(dags), bundle_path=dags, bundle_name="dags-folder")
    assert not bag.import_errors
    dag = bag.dags["send_forecast"]
    assert dag.doc_md and {t.task_id for t in dag.tasks} == {"list_las", "run_forecast"}
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, small_la, forecasted["work"])
        dr = dag.test(logical_date=datetime(2026, 2, 1, 8, 0, tzinfo=timezone.utc),
                      run_conf={"scenario": "growth_5", "joiner_growth": "0.05"})
    assert dr.state == DagRunState.SUCCESS
    rows = _frame(forecasted["run"], "SELECT COUNT(*) AS n FROM marts.forecast_backtest WHERE scenario = 'growth_5'")
    assert rows.n.iloc[0] > 0


@pytest.mark.postgres
def test_the_same_forecast_on_postgresql(forecasted, small_la, pg_database, tmp_path, monkeypatch):
    point_at(monkeypatch, small_la, tmp_path, warehouse_url=pg_database)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    run = pipeline.Run(Settings.resolve(), "night_forecast_pg", AS_AT)
    pipeline.run_nightly(run)
    run_forecast(None, None, run)
    for table in F.TABLES:
        cols = [c for c in F.COLUMNS[table] if c != "as_at"]
        sql = f"SELECT {', '.join(cols)} FROM {table} WHERE scenario = 'baseline'"
        keys = [c for c in cols if c not in ("mape",) and not c.startswith(("plans", "new_plans", "special_plans",
                                                                             "cost", "shortfall", "p_"))]
        pg, duck = (f.sort_values(keys, na_position="last").reset_index(drop=True)
                    for f in (_frame(run, sql), _frame(forecasted["run"], sql)))
        assert len(pg) == len(duck) > 0, table
        for col in cols:
            a, b = pg[col], duck[col]
            if pd.api.types.is_numeric_dtype(b):
                assert pd.to_numeric(a).fillna(-1).to_numpy() == pytest.approx(b.astype(float).fillna(-1).to_numpy(),
                                                                                 rel=1e-9, abs=1e-6), (table, col)
            else:
                assert a.astype(str).tolist() == b.astype(str).tolist(), (table, col)
