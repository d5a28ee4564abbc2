"""The GX suites and wrapper: every expectation explains itself; a broken validation is never a pass."""
import json
from pathlib import Path

import pandas as pd
import pytest

from send_pipeline.nightly.sources import ENTITIES
from send_pipeline.kernel.errors import QualityError
from send_pipeline.nightly.validate.expectations import Validator, load_suite
from send_pipeline.kernel.settings import EXPECTATIONS_DIR


def test_one_suite_per_entity_each_expectation_with_a_note_and_action():
    names = {p.stem for p in EXPECTATIONS_DIR.glob("*.json")}
    assert set(ENTITIES) | {"dfe_statistics"} == names
    for name in names:
        suite = load_suite(name)
        assert suite["expectations"], name
        for exp in suite["expectations"]:
            assert len(exp["notes"]) > 20


@pytest.fixture(scope="module")
def validator():
    return Validator()


def _params():
    return {"as_at": pd.Timestamp("2025-01-10"), "earliest_record": pd.Timestamp("2000-01-01"),
            "earliest_dob": pd.Timestamp("1975-01-01"), "latest_scheduled": pd.Timestamp("2027-01-10"),
            "person_ids": [1, 2], "request_ids": [], "assessment_ids": [], "plan_ids": [], "officer_ids": [],
            "urns": [103000]}


def test_rows_failing_quarantine_expectations_are_named(validator):
    from datetime import date

    frame = pd.DataFrame({
        "request_id": pd.array([1, 2, 3], dtype="Int64"), "person_id": pd.array([1, 9, 2], dtype="Int64"),
        "received_date": [date(2024, 1, 5), date(2024, 2, 1), date(2024, 3, 1)],
        "request_source": pd.array([1, 2, 3], dtype="Int64"), "rya": pd.array([0, 0, 0], dtype="Int64"),
        "decision": ["Y", "N", "Y"], "decision_date": [date(2024, 2, 1), date(2024, 3, 1), date(2024, 2, 1)],
        "exported_to_la": [None, None, None], "mediation": pd.array([0, 0, 0], dtype="Int64"),
        "tribunal": pd.array([0, 0, 0], dtype="Int64"), "updated_at": [None, None, None],
    })
    out = validator.validate("request", frame, _params())
    assert out.evaluated == len(load_suite("request")["expectations"])
    assert sorted(out.quarantine) == [1, 2]   # row 1: unknown person 9; row 2: decided before received
    assert "person_id" in out.quarantine[1][0]["column"]
    assert out.quarantine[2][0]["rule"] == "expect_column_pair_values_a_to_be_greater_than_b"


def test_an_expectation_that_cannot_run_is_an_error_not_a_pass(validator):
    frame = pd.DataFrame({"request_id": [1]})  # missing every other column
    with pytest.raises(Exception) as err:
        validator.validate("request", frame, _params())
    assert err.type.__name__ in {"QualityError", "SourceUnusable"}


def test_suite_without_notes_is_refused(tmp_path, monkeypatch):
    import send_pipeline.nightly.validate.expectations as quality

    (tmp_path / "x.json").write_text(json.dumps({"name": "x", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}, "meta": {"on_failure": "warn"}}]}))
    monkeypatch.setattr(quality, "EXPECTATIONS_DIR", Path(tmp_path))
    with pytest.raises(QualityError, match="note"):
        quality.load_suite("x")
