"""
### send_nightly: every source → raw landing → Great Expectations → warehouse → marts

**Owner:** SEND data team (data engineering). **Schedule:** 02:00 Europe/London, no catch-up.

**What it does.** Per LA (`list_las`: `SEND_LA_CODE`, or each LA of a consortium's `SEND_LAS`, mapped),
for each source in order (DfE `stats`, GIAS `schools`, `banding`, `cms`, tracker `reviews`, `ledger`;
later sources check keys against earlier ones): `extract_source` lands raw rows as Parquet with a
manifest; `validate_source` types them and runs the GX suite, quarantining failing rows; `load_source`
writes them in one transaction, reconciling rows in = loaded + quarantined. Then `build_marts`,
`pool_consortium` (consortium mode: LAs' marts into schema `consortium`), `reconcile_run` (health
snapshot for the UI's SEND data health view, alerts, fails if a source did not load) and `purge_expired`
(past SEND_RETENTION_DAYS, logged in `ops.purge_log`). Statuses are as at the run's logical date.

**When it fails.**
- *Source stopped* (`validate_source`/`extract_source` says which file, column or table): the
  warehouse still holds that source's last good load. Fix the export or connection and clear that
  task group. Messages never contain names or identifiers.
- *Quarantine*: rows + reasons in `SEND_OUTPUT_DIR/quality/<run_id>/quarantine/`, Data Docs in `data_docs/`.
- *Reconciliation failed*: nothing was written for that source; re-run it and report a bug.
- Re-running a night is safe (same run, same warehouse). Param `full_refresh` re-reads the whole CMS.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from send_pipeline.orchestration.callbacks import on_failure  # alerts by email/webhook
from airflow.sdk import Asset, Param, chain, dag, task, task_group

SOURCES = ("stats", "schools", "banding", "cms", "reviews", "ledger")
MARTS = Asset(name="send_marts", uri="file://send/warehouse/marts")
WAREHOUSE_POOL = "send_warehouse"  # one slot: two runs never write the warehouse at once


def _call(step: str, *args, context: dict, la_code: str | None = None):
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.orchestration import runtime
    return runtime.call(getattr(pipeline, step), *args, context=context, la_code=la_code)


def source_group(source: str):
    @task_group(group_id=source, tooltip=f"extract, validate and load {source}, per LA")
    def group(la_code: str):
        @task(trigger_rule="all_done")  # a failed earlier source must not block this one
        def extract_source(la_code: str, **context):
            return _call("extract_source", source, context=context, la_code=la_code)

        @task
        def validate_source(la_code: str, **context):
            return _call("validate_source", source, context=context, la_code=la_code)

        @task(pool=WAREHOUSE_POOL, outlets=[Asset(name=f"send_core_{source}", uri=f"file://send/warehouse/core/{source}")])
        def load_source(la_code: str, **context):
            return _call("load_source", source, context=context, la_code=la_code)

        chain(extract_source(la_code), validate_source(la_code), load_source(la_code))

    return group


@dag(
    dag_id="send_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["send", "nightly", "warehouse"],
    default_args={"owner": "send-data-team", "on_failure_callback": on_failure, "retries": 2, "retry_delay": timedelta(minutes=2),
                  "retry_exponential_backoff": True, "max_retry_delay": timedelta(minutes=20)},
    params={
        "full_refresh": Param(False, type="boolean", description="Re-read every CMS table in full"),
        "as_at": Param("", type="string", description="Override the as-at date (YYYY-MM-DD); blank = logical date"),
    },
)
def send_nightly():
    @task(retries=0)
    def list_las():
        from send_pipeline.orchestration import runtime
        return runtime.settings().las()  # SEND_LAS (a consortium) or the one SEND_LA_CODE

    @task(pool=WAREHOUSE_POOL, trigger_rule="all_done", outlets=[MARTS])
    def build_marts(la_code: str, **context):
        return _call("build_marts", context=context, la_code=la_code)

    @task(pool=WAREHOUSE_POOL)
    def pool_consortium(**context):
        return _call("pool_consortium", context=context)

    @task(trigger_rule="all_done", retries=0)
    def reconcile_run(la_code: str, **context):  # + the health snapshot and data-quality alerts
        return _call("reconcile_run", context=context, la_code=la_code)

    @task
    def purge_expired(la_code: str, **context):
        return _call("purge_expired", context=context, la_code=la_code)

    las = list_las()
    chain(las, *[source_group(s).expand(la_code=las) for s in SOURCES], build_marts.expand(la_code=las),
          pool_consortium(), reconcile_run.expand(la_code=las), purge_expired.expand(la_code=las))


send_nightly()
