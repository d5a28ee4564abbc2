"""
### foi_tables: FOI-ready tables, disclosure-controlled, current every morning

**Owner:** SEND data team (data engineering); the FOI officer reads the outputs. **Schedule:** when
`send_nightly` has rebuilt the marts (asset `send_marts`), and by hand for one FOI request.

**What it does.** `build_tables` rebuilds schema `foi` from the catalogue (`include/foi/catalogue.yml`,
SQL in `include/sql/foi/`) as at the marts' date; `export_tables` applies disclosure control (counts
1-4 shown as `c`, secondary suppression, threshold `SEND_FOI_THRESHOLD`, default 5) and writes
`SEND_OUTPUT_DIR/foi/<table_id>.csv` and `foi/foi_tables.xlsx`. A run triggered with `foi_reference`
also writes `foi/requests/<reference>/`: the tables asked for (`tables`, blank = all), rows of the
`period` asked for (e.g. `2019-2024`, `2023-24`), a workbook and `cover_note.txt` to send.

**When it fails.**
- *stale figures*: the tables use the marts' as-at date; re-run `send_nightly` (missing marts are built first).
- *a table "does not add up" or "disclosure audit failed"*: the SQL and its catalogue entry disagree;
  nothing was published (yesterday's files stay). Fix the SQL or the entry and clear the task.
- *benchmark table not available*: the DfE release was not loaded (`ref.dfe_*`); drop the zip in the inbox.
- *unknown table / bad period or reference*: fix the params and trigger again. Re-running is safe.
"""
from __future__ import annotations

from airflow.sdk import Param, chain, dag, task
from send_pipeline.orchestration import conventions  # the pool, assets, default_args, tags and source order


@dag(
    dag_id="foi_tables",
    schedule=[conventions.MARTS],
    default_args=conventions.default_args(),
    params={
        "foi_reference": Param("", type="string", pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]{0,63})?$",
                               description="FOI request reference: writes foi/requests/<reference>/ (blank = none)"),
        "tables": Param([], type="array", items={"type": "string"}, description="Table ids for the pack (blank = all)"),
        "period": Param("", type="string", description="Years for the pack: 2023, 2023-24 or 2019-2024 (blank = all)"),
    },
    **conventions.dag_args(__doc__, "foi", "publication"),
)
def foi_tables():
    # build writes; export and packs read: all hold the warehouse pool (one process at a time on DuckDB)
    @task(pool=conventions.WAREHOUSE_POOL)
    def build_tables(**context):
        from send_pipeline.foi import steps
        return conventions.call(steps.build_tables, context=context, each_la=True)

    @task(pool=conventions.WAREHOUSE_POOL, outlets=[conventions.FOI_FILES])
    def export_tables(**context):
        from send_pipeline.foi import steps
        return conventions.call(steps.export_tables, None, context=context, each_la=True)  # SEND_FOI_THRESHOLD

    @task(pool=conventions.WAREHOUSE_POOL, retries=0)
    def write_response_pack(**context):
        from airflow.sdk.exceptions import AirflowSkipException
        from send_pipeline.foi import steps
        params = context["params"]
        if not params.get("foi_reference"):
            raise AirflowSkipException("no foi_reference: the nightly tables only")
        return conventions.call(steps.write_response_pack, params["foi_reference"], params.get("tables"),
                                params.get("period"), None, context=context, each_la=True)

    chain(build_tables(), export_tables(), write_response_pack())


foi_tables()
