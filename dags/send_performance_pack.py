"""
### send_performance_pack: the monthly SEND performance pack (charts and readings), HTML and PDF

**Owner:** SEND data team (data engineering); read by the Head of SEND, head-teacher briefings and
scrutiny. **Schedule:** 06:00 Europe/London on the 1st of each month (after `send_nightly`), and by hand.

**What it does.** `build_pack` reads the marts, the FOI tables and the DfE release (SQL in
`include/sql/pack/`) and writes `SEND_OUTPUT_DIR/packs/<yyyy-mm>/send_performance_pack_<audience>.html`
(self-contained: charts inline as SVG, opens offline, prints to A4) and `.pdf`, each section's table as
CSV under `tables/<audience>/`, and the readings as JSON (owner-only files). Thirteen sections, each a
chart with a one-line reading computed from its table: plans, requests vs plans, 20-week timeliness
(by year beside region and England, and by month), annual reviews, late schools, overdue reviews by
co-ordinator, placement mix against the region's LAs, spend, cost per pupil, top-up gaps, special school
places, the sufficiency forecast (plans, special school demand against places: fan charts from the latest
`send_forecast` run, which follows this DAG on its asset), data quality. `audience`: `internal` (full figures), `public` (FOI disclosure control: counts 1-4
as `c`, left as gaps in the charts; `SEND_FOI_THRESHOLD`) or `both`. The pack is as at the marts' date
(the last successful `send_nightly`); `<yyyy-mm>` is that date's month.

**When it fails.**
- *"the marts are as at …, N days before this run's date"*: `send_nightly` has not succeeded for days;
  fix it, then clear this task (or run by hand with `as_at` = the marts' date to build from them as they are).
- *"the marts are as at …"* (by hand): `as_at` differs from the marts' date; run `send_nightly` with that
  `as_at` first, or leave `as_at` blank.
- *a section's SQL fails*: a mart or `ref.dfe_*` table is missing (DfE release not loaded): drop the zip
  in the inbox and let `send_nightly` run; earlier packs stay as they were.
- Re-running is safe: the month's files are replaced.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from send_pipeline.callbacks import on_failure  # alerts by email/webhook
from airflow.sdk import Asset, Param, dag, task

WAREHOUSE_POOL = "send_warehouse"  # reads the warehouse (an embedded DuckDB takes one process at a time)
PACK = Asset(name="send_performance_pack", uri="file://send/output/packs")  # send_forecast runs after it


@dag(
    dag_id="send_performance_pack",
    schedule="0 6 1 * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["send", "performance", "publication"],
    default_args={"owner": "send-data-team", "on_failure_callback": on_failure, "retries": 1, "retry_delay": timedelta(minutes=10)},
    params={
        "as_at": Param("", type="string", description="YYYY-MM-DD: must be the marts' date; blank = the marts' date"),
        "audience": Param("both", enum=["both", "internal", "public"], description="internal (full), public (disclosure-controlled) or both"),
    },
)
def send_performance_pack():
    @task(pool=WAREHOUSE_POOL, outlets=[PACK])
    def build_pack(**context):
        from airflow.sdk import Variable
        from send_pipeline import runtime
        from send_pipeline.pack.build import build_packs

        params = context["params"]
        threshold = Variable.get("SEND_FOI_THRESHOLD", default=None)
        result = runtime.call(build_packs, params.get("audience") or "both", threshold, params.get("as_at") or None,
                              context=context)
        return {a: {k: v for k, v in r.items() if k != "readings"} for a, r in result.items()}

    build_pack()


send_performance_pack()
