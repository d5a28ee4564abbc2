"""Consortium mode (SEND_LAS): several LAs, each in its own warehouse, pooled at the marts."""
from __future__ import annotations

from datetime import date

import pytest

from send_pipeline.nightly import steps as pipeline
from send_pipeline.kernel.settings import Settings, consortium_las, la_warehouse
from send_synth.consortium import environment, generate_consortium, parse_las
from send_pipeline.kernel.warehouse import Warehouse
from tests.helpers import table_checksums

LAS = {"331": 0.03, "332": 0.05}


def test_consortium_settings_are_checked():
    assert consortium_las(" 331, 886 ,335") == ["331", "886", "335"]
    assert consortium_las("") == [] and consortium_las(None) == []
    for bad in ("33", "331,331", "abc"):
        with pytest.raises(ValueError):
            consortium_las(bad)
    assert parse_las("331:1,886:7") == {"331": 1.0, "886": 7.0}
    assert la_warehouse("duckdb:////srv/send/warehouse.duckdb", "886") == "duckdb:////srv/send/warehouse_886.duckdb"
    assert la_warehouse("postgresql+psycopg://w:pw@db:5432/send?sslmode=require", "886") == \
        "postgresql+psycopg://w:pw@db:5432/send_886?sslmode=require"


def test_each_la_resolves_to_its_own_sources(monkeypatch, tmp_path):
    monkeypatch.setenv("SEND_LAS", "331,886")
    monkeypatch.setenv("SEND_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SEND_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("SEND_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("AIRFLOW_CONN_SEND_WAREHOUSE", f"duckdb:///{tmp_path / 'wh.duckdb'}")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_CMS_886", "sqlite:////kent/cms.db")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_PSEUDONYMISATION", "generic://:s@")
    whole = Settings.resolve()
    assert whole.consortium_level and whole.las() == ["331", "886"]
    kent = Settings.resolve(la_code="886")
    assert (kent.la_code, kent.cms_url, kent.inbox_dir, kent.output_dir) == \
        ("886", "sqlite:////kent/cms.db", tmp_path / "inbox" / "886", tmp_path / "out" / "886")
    assert kent.warehouse_url == f"duckdb:///{tmp_path / 'wh_886.duckdb'}" and not kent.consortium_level
    with pytest.raises(ValueError, match="send_cms_331"):
        Settings.resolve(la_code="331")  # no CMS connection for that LA: said plainly
    with pytest.raises(ValueError, match="not one of"):
        Settings.resolve(la_code="999")
    # the same CMS id in two LAs is two children: their pseudonyms differ; a single LA keeps its keys
    monkeypatch.setenv("AIRFLOW_CONN_SEND_CMS_331", "sqlite:////cov/cms.db")
    assert Settings.resolve(la_code="331").person_key(7) != kent.person_key(7)
    monkeypatch.delenv("SEND_LAS")
    single = Settings.resolve()
    assert single.person_key(7) == Settings.resolve().person_key(7) and not single.consortium


@pytest.fixture(scope="module")
def consortium(tmp_path_factory):
    root = tmp_path_factory.mktemp("consortium")
    generate_consortium(root / "la", LAS, seed=11, until=date(2026, 1, 31))
    return root


def _point(monkeypatch, root, work):
    for key, value in environment(root / "la", LAS).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AIRFLOW_CONN_SEND_WAREHOUSE", f"duckdb:///{work / 'pooled.duckdb'}")
    monkeypatch.setenv("SEND_OUTPUT_DIR", str(work / "output"))
    monkeypatch.setenv("SEND_LANDING_DIR", str(work / "landing"))
    monkeypatch.setenv("SEND_DATA_DIR", str(work))
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    monkeypatch.setenv("AIRFLOW_CONN_SEND_PSEUDONYMISATION", "generic://:consortium-test@")


def test_consortium_night_keeps_las_apart_and_pools_their_marts(monkeypatch, consortium, tmp_path):
    _point(monkeypatch, consortium, tmp_path)
    run = pipeline.Run(Settings.resolve(), "night_1", date(2026, 2, 1))
    result = pipeline.run_nightly(run)
    assert set(result) == {"331", "332", "consortium"}

    per_la = {}
    for la in LAS:
        la_run = run.for_la(la)
        wh = Warehouse(la_run.settings.warehouse_url)
        try:
            # every core and mart row of an LA's warehouse carries that LA's code, and only that code
            for table in ("core.person", "core.plan", "core.review", "core.ledger_line", "marts.annual_reviews",
                          "marts.ehcna_requests", "marts.school_spend", "staging.review_events", "ops.run_log"):
                codes = wh.frame(f"SELECT DISTINCT la_code FROM {table}")["la_code"].tolist()
                assert codes == [la], (table, codes)
            per_la[la] = {t: wh.scalar(f"SELECT COUNT(*) FROM marts.{t}")
                          for t in ("annual_reviews", "ehcna_requests", "ehcna_timeliness", "school_spend")}
            per_la[la]["keys"] = set(wh.frame("SELECT person_key FROM marts.person")["person_key"])
        finally:
            wh.dispose()
        # outputs and landing are per LA
        assert (tmp_path / "output" / la / "quality" / "night_1").is_dir()
        assert (tmp_path / "landing" / f"la={la}").is_dir()

    assert not per_la["331"]["keys"] & per_la["332"]["keys"]  # no child shares a pseudonym across LAs
    wh = Warehouse(run.settings.warehouse_url)
    try:
        for table in ("annual_reviews", "ehcna_requests", "ehcna_timeliness", "school_spend"):
            pooled = wh.frame(f"SELECT la_code, COUNT(*) AS n FROM consortium.{table} GROUP BY la_code")
            assert dict(zip(pooled.la_code, pooled.n)) == {la: per_la[la][table] for la in LAS}, table
        # the consortium's own row is the sum of its LAs' counts, its rate recomputed from the sums
        t = wh.frame("SELECT * FROM consortium.timeliness_by_la WHERE time_period = 2025 ORDER BY la_code")
        total, las = t[t.la_code == "ALL"].iloc[0], t[t.la_code != "ALL"]
        assert list(las.la_code) == ["331", "332"]
        assert total.plans_issued_den == las.plans_issued_den.sum() > 0
        assert total.plans_issued_within_20_weeks == las.plans_issued_within_20_weeks.sum()
        assert float(total.pc_plans_issued_within_20_weeks) == round(
            100 * las.plans_issued_within_20_weeks.sum() / las.plans_issued_den.sum(), 1)
        r = wh.frame("SELECT * FROM consortium.review_compliance_by_la WHERE la_code = 'ALL'")
        assert len(r) > 0 and (r.reviews_held > 0).all()
        # no personal data in the pooled schema: no names, UPNs or dates of birth
        cols = set(wh.frame("SELECT column_name FROM information_schema.columns WHERE table_schema = 'consortium'")
                   ["column_name"])
        assert not cols & {"forename", "surname", "upn", "uln", "dob", "postcode", "name"}
        before = table_checksums(wh, schemas=("consortium",))
    finally:
        wh.dispose()

    # pooling again gives the same consortium tables (re-runnable)
    again = pipeline.pool_consortium(run)
    assert again["las"] == ["331", "332"]
    wh = Warehouse(run.settings.warehouse_url)
    try:
        assert table_checksums(wh, schemas=("consortium",)) == before
    finally:
        wh.dispose()


def _dags():
    from pathlib import Path

    from airflow.dag_processing.dagbag import BundleDagBag

    folder = Path(__file__).resolve().parents[2] / "dags"
    bag = BundleDagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="dags-folder")
    assert not bag.import_errors
    return bag.dags


def test_the_dags_fan_out_per_la(monkeypatch, airflow_db, consortium, tmp_path):
    """send_nightly maps every task over the consortium's LAs (one map index per LA), then pools;
    sen2_census writes one return per LA and foi_tables one set of tables per LA."""
    from datetime import datetime, timezone

    from airflow.utils.state import DagRunState, TaskInstanceState

    _point(monkeypatch, consortium, tmp_path)
    dags = _dags()
    night = dags["send_nightly"].test(logical_date=datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc))
    assert night.state == DagRunState.SUCCESS
    tis = night.get_task_instances()
    mapped = {(ti.task_id, ti.map_index) for ti in tis if ti.state == TaskInstanceState.SUCCESS}
    for task in ("cms.extract_source", "cms.load_source", "ledger.validate_source", "build_marts", "reconcile_run"):
        assert {(task, 0), (task, 1)} <= mapped, task
    assert ("pool_consortium", -1) in mapped
    wh = Warehouse(Settings.resolve().warehouse_url)
    try:
        assert set(wh.frame("SELECT DISTINCT la_code FROM consortium.annual_reviews")["la_code"]) == {"331", "332"}
    finally:
        wh.dispose()

    census = dags["sen2_census"].test(logical_date=datetime(2026, 1, 15, 7, 0, tzinfo=timezone.utc),
                                      run_conf={"collection_year": 2026, "fail_on_errors": False})
    assert census.state == DagRunState.SUCCESS
    for la in LAS:
        assert (tmp_path / "output" / la / "sen2" / "2026" / f"SEN2_{la}_2026.xml").stat().st_size > 1000
        assert (tmp_path / "output" / la / "sen2" / "2026" / "validation.csv").exists()

    foi = dags["foi_tables"].test(logical_date=datetime(2026, 2, 1, 6, 0, tzinfo=timezone.utc))
    assert foi.state == DagRunState.SUCCESS
    for la in LAS:
        assert (tmp_path / "output" / la / "foi" / "foi_tables.xlsx").exists()
