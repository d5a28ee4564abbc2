"""
### send_nightly: every source → raw landing → Great Expectations → warehouse → marts

**Owner:** SEND data team (data engineering). **Schedule:** 02:00 Europe/London, no catch-up.

**What it does.** For each source (the DfE `stats` release, GIAS `schools`, `banding` rates, the `cms`, the annual-review
tracker `reviews`, the finance `ledger`), in that order so later sources can check keys against
earlier ones: `extract_source` lands the raw rows as Parquet with a manifest; `validate_source`
types them and runs the GX suite in `expectations/`, sending failing rows to quarantine;
`load_source` writes the accepted rows in one transaction and reconciles rows in = loaded +
quarantined. Then `build_marts` rebuilds `marts.*`, `reconcile_run` fails the run if any source
did not load, and `purge_expired` deletes raw landing and quarantine older than SEND_RETENTION_DAYS
(default 400), recording each deletion in `ops.purge_log`. Statuses are as at the run's logical date.

**When it fails.**
- *Source stopped* (`validate_source`/`extract_source` says which file, column or table): the
  warehouse still holds that source's last good load. Fix the export or connection and clear that
  task group. Messages never contain names or identifiers.
- *Quarantine*: rows and reasons are in `SEND_OUTPUT_DIR/quality/<run_id>/quarantine/`, counts in
  `ops.quarantine`; GX Data Docs in `quality/<run_id>/data_docs/<source>/index.html`.
- *Reconciliation failed*: nothing was written for that source; re-run it and report a bug.
- Re-running a night is safe: the same run leaves the same warehouse. Param `full_refresh` re-reads
  every CMS table instead of rows changed since the last good run.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, chain, dag, task, task_group

SOURCES = ("stats", "schools", "banding", "cms", "reviews", "ledger")
MARTS = Asset(name="send_marts", uri="file://send/warehouse/marts")
WAREHOUSE_POOL = "send_warehouse"  # one slot: two runs never write the warehouse at once


def source_group(source: str):
    @task_group(group_id=source, tooltip=f"extract, validate and load {source}")
    def group():
        @task(trigger_rule="all_done")  # a failed earlier source must not block this one
        def extract_source(**context):
            from send_pipeline import pipeline, runtime
            return runtime.call(pipeline.extract_source, source, context=context)

        @task
        def validate_source(**context):
            from send_pipeline import pipeline, runtime
            return runtime.call(pipeline.validate_source, source, context=context)

        @task(pool=WAREHOUSE_POOL, outlets=[Asset(name=f"send_core_{source}", uri=f"file://send/warehouse/core/{source}")])
        def load_source(**context):
            from send_pipeline import pipeline, runtime
            return runtime.call(pipeline.load_source, source, context=context)

        chain(extract_source(), validate_source(), load_source())

    return group()


@dag(
    dag_id="send_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["send", "nightly", "warehouse"],
    default_args={"owner": "send-data-team", "retries": 2, "retry_delay": timedelta(minutes=2),
                  "retry_exponential_backoff": True, "max_retry_delay": timedelta(minutes=20)},
    params={
        "full_refresh": Param(False, type="boolean", description="Re-read every CMS table in full"),
        "as_at": Param("", type="string", description="Override the as-at date (YYYY-MM-DD); blank = logical date"),
    },
)
def send_nightly():
    @task(pool=WAREHOUSE_POOL, trigger_rule="all_done", outlets=[MARTS])
    def build_marts(**context):
        from send_pipeline import pipeline, runtime
        return runtime.call(pipeline.build_marts, context=context)

    @task(trigger_rule="all_done", retries=0)
    def reconcile_run(**context):
        from send_pipeline import pipeline, runtime
        return runtime.call(pipeline.summarise_run, context=context)

    @task
    def purge_expired(**context):
        from send_pipeline import pipeline, runtime
        return runtime.call(pipeline.purge_expired, context=context)

    chain(*[source_group(s) for s in SOURCES], build_marts(), reconcile_run(), purge_expired())


send_nightly()
