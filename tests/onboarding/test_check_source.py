"""check-source cms: the readiness report on the demo CMS (passes), on a broken copy (fails naming each
problem), on a made-up vendor's schema mapped through the example views (passes), and the contract views
in include/sql/cms/ (one per contract table, its columns exactly the declaration's, runnable on DuckDB
and PostgreSQL)."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from send_pipeline.__main__ import main
from send_pipeline.kernel.settings import Settings
from send_pipeline.nightly.sources import cms
from send_pipeline.onboarding import check_source
from tests.helpers import point_at

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ROOT / "include" / "sql" / "cms"


@pytest.fixture(scope="module")
def demo(small_la, tmp_path_factory):
    work = tmp_path_factory.mktemp("check_source")
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, small_la, work)
        settings = Settings.resolve()
    return {"la": small_la, "work": work, "settings": settings, "db": small_la / "cms.db"}


@pytest.fixture(scope="module")
def demo_report(demo):
    return check_source.check_cms(f"sqlite:///{demo['db']}", demo["settings"])


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as c:
        return {e.name: c.execute(f"SELECT COUNT(*) FROM {e.origin}").fetchone()[0] for e in cms.SOURCE.entities}


def test_the_demo_cms_is_ready(demo, demo_report):
    r = demo_report
    assert r.ready and r.problems == []
    counts = _counts(demo["db"])
    by = {t.entity: t for t in r.tables}
    assert {t.entity: t.rows for t in r.tables} == counts
    assert all(t.found and t.duplicate_keys == 0 for t in r.tables)
    assert all(c.found for t in r.tables for c in t.columns)
    person = {c.name: c for c in by["person"].columns}
    assert person["person_id"].nulls == 0 and person["person_id"].distinct == counts["person"]
    assert person["dob"].min < person["dob"].max  # a date range
    assert by["plan"].orphans == {"person_id": 0, "assessment_id": 0}
    # the first night: the real extract and validation, every row accounted for
    assert set(r.first_night) == {e.name for e in cms.SOURCE.entities} | {"_before_cms"}
    # GIAS and the rest are loaded first, as a night does: a demo placement's URN is in GIAS, not quarantined
    night = dict(r.first_night)
    assert set(night.pop("_before_cms").values()) == {"loaded"}
    assert "urn" not in night["placement"]["reasons"]
    for name, f in night.items():
        assert f["rows"] == counts[name]
        assert f["quarantined"] == sum(sum(v.values()) for v in f["reasons"].values())


def test_the_report_prints_and_the_command_exits_0(demo, demo_report, monkeypatch, capsys):
    text = check_source.render(demo_report)
    assert "READY: the CMS meets the contract" in text and "PROBLEM" not in text
    assert "cms_person:" in text and "First night (full refresh) would:" in text
    assert "(loaded first, as a night does: schools loaded)" in text
    with sqlite3.connect(demo["db"]) as c:  # no value from the CMS is printed: names, types and counts only
        surname = c.execute("SELECT surname FROM cms_person WHERE surname IS NOT NULL LIMIT 1").fetchone()[0]
        upn = c.execute("SELECT upn FROM cms_person WHERE upn IS NOT NULL LIMIT 1").fetchone()[0]
    assert surname not in text and upn not in text
    point_at(monkeypatch, demo["la"], demo["work"])
    assert main(["check-source", "cms"]) == 0
    assert "READY" in capsys.readouterr().out


@pytest.fixture(scope="module")
def broken(demo, tmp_path_factory):
    """The demo CMS with a renamed column, a missing table and a duplicated key."""
    db = tmp_path_factory.mktemp("broken") / "cms.db"
    shutil.copy(demo["db"], db)
    with sqlite3.connect(db) as c:
        c.execute("ALTER TABLE cms_request RENAME COLUMN received_date TO date_received")
        c.execute("DROP TABLE cms_need")
        # a view or a table without a primary key constraint (as an export often is), one plan twice
        c.execute("CREATE TABLE plan_copy AS SELECT * FROM cms_plan")
        c.execute("DROP TABLE cms_plan")
        c.execute("ALTER TABLE plan_copy RENAME TO cms_plan")
        c.execute("INSERT INTO cms_plan SELECT * FROM cms_plan WHERE plan_id = (SELECT MIN(plan_id) FROM cms_plan)")
    return db


def test_a_broken_cms_fails_naming_each_problem(broken, demo, monkeypatch, capsys):
    r = check_source.check_cms(f"sqlite:///{broken}", demo["settings"])
    assert not r.ready
    assert sorted(r.problems) == sorted([
        "cms_request.received_date: column is missing",
        "table cms_need is missing",
        "cms_plan: key (plan_id) is not unique (1 value(s) held by more than one row)",
    ])
    assert r.first_night is None  # no preview of a night that could not run
    point_at(monkeypatch, demo["la"], demo["work"])
    monkeypatch.setenv("AIRFLOW_CONN_SEND_CMS", f"sqlite:///{broken}")
    assert main(["check-source", "cms"]) == 1
    out = capsys.readouterr().out
    assert "NOT READY: 3 problem(s)" in out and "cms_need: MISSING" in out
    assert "received_date            MISSING" in out and "NOT UNIQUE (1 repeated)" in out


def test_orphans_are_counted_and_quarantined_not_failed(demo, tmp_path):
    db = tmp_path / "cms.db"
    shutil.copy(demo["db"], db)
    with sqlite3.connect(db) as c:
        c.execute("UPDATE cms_placement SET plan_id = 999999 WHERE placement_id IN "
                  "(SELECT placement_id FROM cms_placement ORDER BY placement_id LIMIT 2)")
    r = check_source.check_cms(f"sqlite:///{db}", demo["settings"])
    assert r.ready
    assert {t.entity: t for t in r.tables}["placement"].orphans == {"plan_id": 2}
    assert r.first_night["placement"]["quarantined"] >= 2


def test_an_unreachable_cms_is_not_ready(demo, tmp_path):
    r = check_source.check_cms(f"sqlite:///{tmp_path / 'no' / 'such' / 'cms.db'}", demo["settings"])
    assert not r.ready and r.problems[0].startswith("cannot connect to the CMS")


ACME = {  # the made-up vendor's tables, built from the demo CMS
    "acme_child": "SELECT person_id AS child_ref, upn, uln, upn_unknown_reason AS upn_missing_code, forename AS first_name,"
                  " surname AS last_name, dob AS birth_date, CASE sex WHEN 'M' THEN 'Male' WHEN 'F' THEN 'Female' END AS gender,"
                  " ethnicity AS ethnic_code, postcode AS post_code, updated_at AS modified FROM d.cms_person",
    "acme_ehc_case": "SELECT r.request_id AS case_ref, r.person_id AS child_ref, r.received_date AS requested_on,"
                     " r.request_source AS requester_type, r.rya AS young_person_request, r.decision AS assess_decision,"
                     " r.decision_date AS assess_decision_on, r.exported_to_la AS moved_to_la, r.mediation AS request_mediation,"
                     " r.tribunal AS request_appeal, a.assessment_id IS NOT NULL AS assessment_opened, a.outcome AS plan_decision,"
                     " a.outcome_date AS plan_decision_on, a.draft_plan_date AS draft_sent_on, a.week20_exception AS exception_flag,"
                     " a.exception_reason AS exception_text, a.mediation AS assessment_mediation, a.tribunal AS assessment_appeal,"
                     " MAX(r.updated_at, COALESCE(a.updated_at, r.updated_at)) AS modified"
                     " FROM d.cms_request r LEFT JOIN d.cms_assessment a ON a.request_id = r.request_id",
    "acme_plan": "SELECT p.plan_id AS plan_ref, p.person_id AS child_ref, a.request_id AS case_ref, p.start_date AS issued_on,"
                 " p.transferred_from_la AS from_la, p.transfer_in_date AS taken_on, p.cease_date AS ended_on,"
                 " p.cease_reason AS end_reason, p.personal_budget AS pb, p.organised_arrangements AS oa, p.direct_payments AS dp,"
                 " p.residential AS res, p.work_based AS wbp, p.updated_at AS modified"
                 " FROM d.cms_plan p LEFT JOIN d.cms_assessment a ON a.assessment_id = p.assessment_id",
    "acme_worker": "SELECT officer_id AS worker_ref, name AS display_name, role AS job_title, grade, fte,"
                   " start_date AS started_on, end_date AS left_on, is_agency AS agency FROM d.cms_officer",
    "acme_plan_worker": "SELECT plan_id AS plan_ref, officer_id AS worker_ref, from_date AS from_on, to_date AS to_on"
                        " FROM d.cms_plan_coordinator",
    "acme_provision": "SELECT placement_id AS provision_ref, plan_id AS plan_ref, urn, ukprn, setting_code AS setting,"
                      " setting_other AS setting_text, placement_rank AS rank_no, entry_date AS start_on, leaving_date AS end_on,"
                      " sen_unit AS unit, resourced_provision AS resourced, named_in_plan AS in_section_i, residential AS res,"
                      " work_based AS wbp, updated_at AS modified FROM d.cms_placement",
    "acme_need": "SELECT plan_id AS plan_ref, need_code AS need, need_rank AS rank_no, recorded_date AS recorded_on FROM d.cms_need",
}


def test_a_vendor_schema_mapped_through_the_example_views_is_ready(demo, tmp_path):
    db = tmp_path / "acme.db"
    with sqlite3.connect(db) as c:
        c.execute(f"ATTACH DATABASE '{demo['db']}' AS d")
        one_per_request = c.execute("SELECT COUNT(*) = COUNT(DISTINCT request_id) FROM d.cms_assessment").fetchone()[0]
        assert one_per_request  # Acme holds one assessment per case, as SEN2 does
        for name, select in ACME.items():
            c.execute(f"CREATE TABLE {name} AS {select}")
        c.commit()
        c.execute("DETACH DATABASE d")
        c.executescript((VIEWS / "examples" / "acme_casework.sql").read_text())
    r = check_source.check_cms(f"sqlite:///{db}", demo["settings"])
    assert r.ready, r.problems
    counts = _counts(demo["db"])
    assert {t.entity: t.rows for t in r.tables} == {**counts, "consultation": 0}
    assert {n: f["rows"] for n, f in r.first_night.items() if n != "_before_cms"} == {**counts, "consultation": 0}


def test_one_contract_view_per_table_with_the_declared_columns():
    assert sorted(p.stem for p in VIEWS.glob("*.sql")) == sorted(e.origin for e in cms.SOURCE.entities)
    for e in cms.SOURCE.entities:
        text = (VIEWS / f"{e.origin}.sql").read_text()
        for c in e.columns:
            assert f"-- {c.source} " in text and f" as {c.source}" in text, (e.origin, c.source)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_the_contract_views_run_on_both_engines(engine, request):
    from send_pipeline.kernel.warehouse import Warehouse

    url = "duckdb:///:memory:" if engine == "duckdb" else request.getfixturevalue("pg_url")
    wh = Warehouse(url)
    try:
        with wh.engine.connect() as conn:
            for e in cms.SOURCE.entities:
                result = conn.execute(sa.text((VIEWS / f"{e.origin}.sql").read_text()))
                assert list(result.keys()) == [c.source for c in e.columns] and result.fetchall() == []
    finally:
        wh.dispose()


@pytest.mark.postgres
def test_a_postgresql_cms_is_checked_the_same_way(demo, pg_database):
    """The same contract on another engine (typed columns: real dates, bigints), through the same SQL."""
    import pandas as pd

    src = sa.create_engine(f"sqlite:///{demo['db']}")
    dst = sa.create_engine(pg_database)
    try:
        for e in cms.SOURCE.entities:
            frame = pd.read_sql_table(e.origin, src)
            for c in e.columns:
                if c.type == "date":
                    frame[c.source] = pd.to_datetime(frame[c.source], errors="coerce").dt.date
            frame.to_sql(e.origin, dst, index=False)
        with dst.begin() as conn:
            conn.execute(sa.text("ALTER TABLE cms_plan RENAME COLUMN cease_reason TO reason_ceased"))
    finally:
        src.dispose()
        dst.dispose()
    r = check_source.check_cms(pg_database, demo["settings"], preview=False)
    assert r.problems == ["cms_plan.cease_reason: column is missing"]
    person = {c.name: c for c in {t.entity: t for t in r.tables}["person"].columns}
    assert person["dob"].type == "DATE" and person["dob"].min < person["dob"].max
    assert {t.entity: t.rows for t in r.tables} == _counts(demo["db"])
