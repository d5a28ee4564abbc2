"""
### send_nightly: every source → raw landing → Great Expectations → warehouse → marts

**Owner:** SEND data team (data engineering). **Schedule:** 02:00 Europe/London, no catch-up.

**What it does.** Per LA (`list_las`: `SEND_LA_CODE`, or each LA of a consortium's `SEND_LAS`, mapped),
for each source one after another in `SOURCE_ORDER` (DfE `stats`, GIAS `schools`, `banding`, `cms`,
`sen2_returns`, tracker `reviews`, `ledger`; later sources check keys against earlier ones; `SEND_SOURCES`
picks which run, the others' tasks skip with a log line): `extract_source` lands raw rows as
Parquet with a manifest; `validate_source` types them and runs the GX suite, quarantining failing rows;
`load_source` writes them in one transaction, reconciling rows in = loaded + quarantined. Then
`build_marts` (only if every entity of this run loaded and reconciled; emits `send_marts`, which starts
`foi_tables`), `pool_consortium` (consortium mode, only after good marts), `reconcile_run` (every night:
health snapshot, alerts, fails if a source did not load) and `purge_expired` (every night, a teardown:
past SEND_RETENTION_DAYS, logged in `ops.purge_log`). Statuses are as at the run's logical date.

**When it fails.** Permanent errors (permission denied, a missing file or connection, a bug) fail at once;
transient ones (connection refused, timeouts, the DuckDB file locked) retry.
- *Source stopped* (`validate_source`/`extract_source` says which file, column or table): the warehouse
  still holds that source's last good load, and `build_marts` refuses naming it: the marts (and FOI
  tables) stay as at their last good date. Fix the export or connection, clear that task group, then
  `build_marts`. Messages never contain names or identifiers.
- *Quarantine*: rows + reasons in `SEND_OUTPUT_DIR/quality/<run_id>/quarantine/`, Data Docs in `data_docs/`.
- *Reconciliation failed*: nothing was written for that source; re-run it and report a bug.
- Re-running a night is safe (same run, same warehouse). A rerun of an older night never rewinds the
  marts: they are rebuilt as at the latest date they were built for (param `as_at` rewinds on purpose).
  Param `full_refresh` re-reads the whole CMS. Unpausing starts the latest interval at once (see README).
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


@dag(dag_id="send_nightly", schedule="0 2 * * *", **conventions.dag_args(__doc__, "nightly", "warehouse"),
     default_args=conventions.default_args(2, timedelta(minutes=2), retry_exponential_backoff=True,
                                           max_retry_delay=timedelta(minutes=20)),
     params={"full_refresh": Param(False, type="boolean", description="Re-read every CMS table in full"),
             "as_at": Param("", type="string", description="Override the as-at date (YYYY-MM-DD); blank = logical date")})
def send_nightly():
    @task(retries=0)
    def list_las():
        from send_pipeline.orchestration import runtime
        return runtime.las()  # SEND_LAS (a consortium) or the one SEND_LA_CODE

    @task(pool=conventions.WAREHOUSE_POOL, trigger_rule="all_done", outlets=[conventions.MARTS])  # runs to say why
    def build_marts(la_code: str, **context):  # it refuses; a failed task emits no send_marts event
        from send_pipeline.nightly import steps
        return conventions.call(steps.build_reconciled_marts, context=context, la_code=la_code)

    @task(pool=conventions.WAREHOUSE_POOL)
    def pool_consortium(**context):
        from send_pipeline.nightly import steps
        return conventions.call(steps.pool_consortium, context=context)

    @task(pool=conventions.WAREHOUSE_POOL, trigger_rule="all_done", retries=0)
    def reconcile_run(la_code: str, **context):  # + the health snapshot and data-quality alerts
        from send_pipeline.nightly import steps
        return conventions.call(steps.reconcile_run, context=context, la_code=la_code)

    @task(pool=conventions.WAREHOUSE_POOL)
    def purge_expired(la_code: str, **context):
        from send_pipeline.nightly import steps
        return conventions.call(steps.purge_expired, context=context, la_code=la_code)

    las = list_las()
    marts = build_marts.expand(la_code=las)
    chain(las, *[source_group(s).expand(la_code=las) for s in conventions.SOURCE_ORDER], marts)
    ends = [pool_consortium(), reconcile_run.expand(la_code=las)]  # the run's state: these two
    marts >> ends >> purge_expired.expand(la_code=las).as_teardown()  # a teardown runs after every night


send_nightly()
