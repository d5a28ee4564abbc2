"""
### send_performance_pack: the monthly SEND performance pack (charts and readings), HTML and PDF

**Owner:** SEND data team (data engineering); read by the Head of SEND, head-teacher briefings and
scrutiny. **Schedule:** 06:00 Europe/London on the 1st of each month (after `send_nightly`), and by hand.

**What it does.** `build_pack` reads the marts, the FOI tables and the DfE release (SQL in
`include/sql/pack/`) and writes `SEND_OUTPUT_DIR/packs/<yyyy-mm>/send_performance_pack_<audience>.html`
(self-contained: charts inline as SVG, opens offline, prints to A4) and `.pdf`, each section's table as
CSV under `tables/<audience>/`, and the readings as JSON (owner-only files). Fifteen sections, each a
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

from airflow.sdk import Param, dag, task
from send_pipeline.orchestration import conventions  # the pool, assets, default_args, tags and source order


@dag(
    dag_id="send_performance_pack",
    schedule="0 6 1 * *",
    default_args=conventions.default_args(1, timedelta(minutes=10)),
    params={
        "as_at": Param("", type="string", description="YYYY-MM-DD: must be the marts' date; blank = the marts' date"),
        "audience": Param("both", enum=["both", "internal", "public"], description="internal (full), public (disclosure-controlled) or both"),
    },
    **conventions.dag_args(__doc__, "performance", "publication"),
)
def send_performance_pack():
    @task(pool=conventions.WAREHOUSE_POOL, outlets=[conventions.PACK])  # reads the warehouse (an embedded DuckDB takes one process at a time)
    def build_pack(**context):
        from send_pipeline.pack.build import build_packs

        params = context["params"]  # threshold None: SEND_FOI_THRESHOLD (env or Airflow Variable)
        result = conventions.call(build_packs, params.get("audience") or "both", None, params.get("as_at") or None,
                                  context=context, each_la=True)
        return {a: {k: v for k, v in r.items() if k != "readings"} for a, r in result.items()}

    build_pack()


send_performance_pack()
