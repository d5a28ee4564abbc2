"""
### send_nightly: every source → raw landing → Great Expectations → warehouse → marts

**Owner:** SEND data team (data engineering). **Schedule:** 02:00 Europe/London, no catch-up.

**What it does.** Per LA (`list_las`: `SEND_LA_CODE`, or each LA of a consortium's `SEND_LAS`, mapped),
for each source in order (DfE `stats`, GIAS `schools`, `banding`, `cms`, `sen2_returns`, tracker
`reviews`, `ledger`: one declaration each in the package's `nightly/sources/`; later sources check keys
against earlier ones; `SEND_SOURCES` picks which run, the others' tasks skip with a log line): `extract_source` lands raw rows as Parquet with a manifest; `validate_source` types them and
runs the GX suite, quarantining failing rows; `load_source` writes them in one transaction,
reconciling rows in = loaded + quarantined. Then `build_marts`, `pool_consortium` (consortium mode:
LAs' marts into schema `consortium`), `reconcile_run` (health snapshot for the UI's SEND data health
view, alerts, fails if a source did not load) and `purge_expired` (past SEND_RETENTION_DAYS, logged in
`ops.purge_log`). Statuses are as at the run's logical date.

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

from airflow.sdk import Param, chain, dag, task, task_group
from send_pipeline.orchestration import conventions  # the pool, assets, default_args, tags and source order


def source_group(source: str):
    @task_group(group_id=source, tooltip=f"extract, validate and load {source}, per LA")
    def group(la_code: str):
        @task(trigger_rule="all_done")  # a failed earlier source must not block this one
        def extract_source(la_code: str, **context):
            from send_pipeline.nightly import steps
            return conventions.call(steps.extract_source, source, context=context, la_code=la_code)

        @task
        def validate_source(la_code: str, **context):
            from send_pipeline.nightly import steps
            return conventions.call(steps.validate_source, source, context=context, la_code=la_code)

        @task(pool=conventions.WAREHOUSE_POOL, outlets=[conventions.core_asset(source)])
        def load_source(la_code: str, **context):
            from send_pipeline.nightly import steps
            return conventions.call(steps.load_source, source, context=context, la_code=la_code)

        chain(extract_source(la_code), validate_source(la_code), load_source(la_code))

    return group


@dag(
    dag_id="send_nightly",
    schedule="0 2 * * *",
    default_args=conventions.default_args(2, timedelta(minutes=2), retry_exponential_backoff=True,
                                          max_retry_delay=timedelta(minutes=20)),
    params={
        "full_refresh": Param(False, type="boolean", description="Re-read every CMS table in full"),
        "as_at": Param("", type="string", description="Override the as-at date (YYYY-MM-DD); blank = logical date"),
    },
    **conventions.dag_args(__doc__, "nightly", "warehouse"),
)
def send_nightly():
    @task(retries=0)
    def list_las():
        from send_pipeline.orchestration import runtime
        return runtime.las()  # SEND_LAS (a consortium) or the one SEND_LA_CODE

    @task(pool=conventions.WAREHOUSE_POOL, trigger_rule="all_done", outlets=[conventions.MARTS])
    def build_marts(la_code: str, **context):
        from send_pipeline.nightly import steps
        return conventions.call(steps.build_marts, context=context, la_code=la_code)

    @task(pool=conventions.WAREHOUSE_POOL)
    def pool_consortium(**context):
        from send_pipeline.nightly import steps
        return conventions.call(steps.pool_consortium, context=context)

    @task(trigger_rule="all_done", retries=0)
    def reconcile_run(la_code: str, **context):  # + the health snapshot and data-quality alerts
        from send_pipeline.nightly import steps
        return conventions.call(steps.reconcile_run, context=context, la_code=la_code)

    @task
    def purge_expired(la_code: str, **context):
        from send_pipeline.nightly import steps
        return conventions.call(steps.purge_expired, context=context, la_code=la_code)

    las = list_las()
    chain(las, *[source_group(s).expand(la_code=las) for s in conventions.SOURCE_ORDER], build_marts.expand(la_code=las),
          pool_consortium(), reconcile_run.expand(la_code=las), purge_expired.expand(la_code=las))


send_nightly()
