"""
### send_forecast: the sufficiency forecast (plans, special school places, high-needs cost, five years)

**Owner:** SEND data team (data engineering); read by SEND sufficiency planning, finance (high-needs
block) and the Head of SEND. **Schedule:** monthly, after `send_performance_pack` (on its asset
`send_performance_pack`), and by hand with a scenario.

**What it does.** `run_forecast` reads the January census-day history from the warehouse (SQL in
`include/sql/forecast/`), fits the transition model (need x setting group x national curriculum year;
joiners, movers, leavers; `docs/forecast.md`), projects the next `SEND_FORECAST_YEARS` census years with
an interval from simulated runs, backtests itself against last year's count and a linear trend, and
replaces the scenario's rows of `marts.forecast_plans`, `forecast_places`, `forecast_cost` and
`forecast_backtest` in one transaction. In consortium mode, once per LA (each into its own warehouse).
Params (blank = the `SEND_FORECAST_*` settings): `scenario` (a name: its rows sit beside the baseline's),
`new_plans_to_mainstream` (e.g. 0.1: 10% of new plans that would start in a special or independent school
start in mainstream), `joiner_growth` (`trend` or a yearly rate), `additional_places`, `cost_inflation`,
`rate_years`, `years`.

**When it fails.**
- *"no EHC plan is active on any January census day"*: `send_nightly` has not loaded the CMS; run it first.
- *"forecast assumptions: …"* or *"unknown forecast scenario parameter"*: a setting or param is out of
  range; the message names it. Fix it and run again.
- *"a scenario that changes assumptions needs a name"*: give `scenario` (e.g. `mainstream_10`), so the
  scenario's rows do not replace the baseline's.
- *"the forecast needs at least two consecutive census years"*: the warehouse holds too little history.
- Re-running is safe: the scenario's rows are replaced; a failed run leaves the previous forecast.
"""
from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, task
from send_pipeline.orchestration import conventions  # the pool, assets, default_args, tags and source order

SCENARIO = ("scenario", "new_plans_to_mainstream", "joiner_growth", "additional_places", "cost_inflation",
            "rate_years", "years")


@dag(
    dag_id="send_forecast",
    schedule=[conventions.PACK],
    default_args=conventions.default_args(1, timedelta(minutes=10)),
    params={
        "scenario": Param("", type="string", description="blank = baseline; a name (a-z, 0-9, _) for a scenario"),
        "new_plans_to_mainstream": Param("", type="string", description="share (0-1) of new specialist plans kept in mainstream"),
        "joiner_growth": Param("", type="string", description="'trend' or a yearly rate such as 0.05; blank = setting"),
        "additional_places": Param("", type="string", description="special school places added from the first projected year"),
        "cost_inflation": Param("", type="string", description="yearly rise in the cost of a plan; blank = setting"),
        "rate_years": Param("", type="string", description="year-to-year pairs the rates come from; blank = setting"),
        "years": Param("", type="string", description="census years projected; blank = setting"),
    },
    **conventions.dag_args(__doc__, "forecast", "sufficiency"),
)
def send_forecast():
    @task
    def list_las():
        from send_pipeline.orchestration import runtime
        return runtime.las()  # SEND_LAS (a consortium) or the one SEND_LA_CODE

    @task(pool=conventions.WAREHOUSE_POOL)  # writes the forecast marts (one writer at a time)
    def run_forecast(la_code: str, **context):
        from send_pipeline.forecast.steps import run_forecast as step

        params = context["params"]
        scenario = {k: params.get(k) for k in SCENARIO if params.get(k) not in (None, "")}
        # None: the SEND_FORECAST_* settings are read through kernel.settings (env, then Airflow Variables)
        return conventions.call(step, scenario, None, context=context, la_code=la_code)

    run_forecast.expand(la_code=list_las())


send_forecast()
