"""
### sen2_census: the SEN2 person-level return to the DfE, built, validated and reported

**Owner:** SEND data team (data engineering) with the SEND statutory team. **Schedule:** 07:00 on each census day
in `include/sen2/census_days.csv` (add next year's there); by hand with params for rehearsals/resubmissions.

**What it does.** Per LA (consortium mode: each LA of `SEND_LAS`, mapped, unless `la_code` names one).
`compute_period` works out the collection year (param, else from the logical date),
the collection period (the previous calendar year) and the census day. `build_return` selects the scope
from the warehouse loaded by `send_nightly` and writes `SEND_OUTPUT_DIR/sen2/<year>/SEN2_<LA>_<year>.xml`
(owner-only). `validate_return` checks the file against `include/sen2/xsd/SEN2_<year>.xsd`, runs the
business rules, reads the file back and reconciles it with the warehouse. `write_report` writes
`validation.csv`, `validation.html` and `summary.csv` beside the file.

**When it fails.**
- *write_report fails "NOT READY TO SUBMIT"*: the file and report were written; open `validation.html`,
  fix each error in the CMS / review tracker (people are named by CMS id), let `send_nightly` reload,
  then clear `build_return`. Queries are listed to explain in COLLECT; they do not fail the run.
- *compute_period fails*: no census day or no structure for that year: add the year to
  `include/sen2/census_days.csv` and `structure_<year>.json` + `xsd/SEN2_<year>.xsd`, or give `as_at`.
- *build_return / validate_return fail*: warehouse busy or broken: re-run. REC01 (file ≠ warehouse): report it."""
from __future__ import annotations

import csv
from pathlib import Path

import pendulum
from airflow.sdk import Param, dag, task
from airflow.timetables.events import EventsTimetable
from send_pipeline.orchestration import conventions  # the pool, assets, default_args, tags and source order

CENSUS_DAYS = Path(__file__).resolve().parents[1] / "include" / "sen2" / "census_days.csv"


def census_days() -> list:
    with open(CENSUS_DAYS, newline="", encoding="utf-8") as handle:
        return [pendulum.parse(row["census_day"], tz="Europe/London").add(hours=7) for row in csv.DictReader(handle)]


@dag(
    dag_id="sen2_census",
    schedule=EventsTimetable(event_dates=census_days(), restrict_to_events=True, presorted=True,
                             description="07:00 on each SEN2 census day (include/sen2/census_days.csv)"),
    default_args=conventions.default_args(),
    params={
        "collection_year": Param(None, type=["null", "integer"], description="e.g. 2026; blank = from the logical date"),
        "la_code": Param("", type="string", description="3-digit DfE LA number; blank = SEND_LA_CODE"),
        "as_at": Param("", type="string", description="Census-day override YYYY-MM-DD (rehearsals); blank = census day"),
        "serial_no": Param("001", type="string", pattern=r"^\d{3}$", description="SerialNo: 001, then 002 on resubmission"),
        "dmo": Param("", enum=["", "Y", "N", "R"], description="DMO in post; blank = last DfE-published value"),
        "dco": Param("", enum=["", "Y", "N", "R"], description="DCO in post; blank = last DfE-published value"),
        "dsco": Param("", enum=["", "Y", "N", "R"], description="DSCO in post; blank = last DfE-published value"),
        "fail_on_errors": Param(True, type="boolean", description="Fail write_report when the return has errors"),
    },
    **conventions.dag_args(__doc__, "sen2", "statutory-return", start_date=pendulum.datetime(2023, 1, 1, tz="Europe/London")),
)
def sen2_census():
    @task(retries=0)
    def compute_period(**context):
        from send_pipeline.sen2 import steps
        return conventions.call(steps.plan_jobs, context["params"], context=context)

    @task(pool=conventions.WAREHOUSE_POOL)
    def build_return(job: dict, **context):
        from send_pipeline.sen2 import steps
        return conventions.call(steps.build_return, job, context=context, la_code=job["la_code"])

    @task(pool=conventions.WAREHOUSE_POOL)
    def validate_return(built: dict, **context):
        from send_pipeline.sen2 import steps
        return conventions.call(steps.validate_return, built, context=context, la_code=built["job"]["la_code"])

    @task(retries=0)
    def write_report(checked: dict, **context):
        from airflow.sdk.exceptions import AirflowFailException
        from send_pipeline.sen2 import steps

        result = conventions.call(steps.write_report, checked, context=context, la_code=checked["job"]["la_code"])
        if not result["ready_to_submit"] and context["params"].get("fail_on_errors", True):
            raise AirflowFailException(f"{result['status']}: see {result['validation_html']}")
        return result

    write_report.expand(checked=validate_return.expand(built=build_return.expand(job=compute_period())))


sen2_census()
