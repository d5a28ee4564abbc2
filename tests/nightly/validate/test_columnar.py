"""The column-wise path (columnar.py): the same typed values, quarantine and verdicts as conform.py + GX,
with hand-worked expected rows at every boundary, and GX's own verdict on the same rows."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa
import pytest

from send_pipeline.nightly.validate import columnar
from send_pipeline.nightly.validate.rowwise import conform
from send_pipeline.nightly.sources import ENTITIES
from send_pipeline.kernel.errors import QualityError
from send_pipeline.nightly.validate.expectations import Validator

AS_AT = pd.Timestamp("2026-02-01")
PARAMS = {"as_at": AS_AT, "earliest_record": pd.Timestamp("2000-01-01"), "earliest_dob": pd.Timestamp("1975-01-01"),
          "latest_scheduled": AS_AT + pd.DateOffset(years=2), "person_ids": [1, 2, 3], "request_ids": [],
          "assessment_ids": [], "plan_ids": [], "officer_ids": [], "urns": []}

# cms_request rows as the CMS writes them (text), each testing one boundary
REQUESTS = [
    # request_id, person_id, received_date, decision, decision_date, exported_to_la, request_source
    ("1", "1", "2026-02-01", "Y", "2026-02-01", "331", "1"),   # received exactly on the as-at day: passes
    ("2", "1", "2026-02-02", "Y", None, None, "1"),             # received the day after as-at: quarantined
    ("3", "2", "2000-01-01", "N", "1999-12-31", None, "2"),     # decided before received: quarantined
    ("4", "9", "2024-05-01", "W", None, None, "3"),             # person 9 was never loaded: quarantined
    ("5", "3", "2024-05-01", "X", None, "33", "9"),             # bad decision (quarantine); LA code, source: warned
    ("6", "3", "2024-05-01", "Y", "2024-05-01", "\u0661\u0662\u0663", "1"),  # Arabic-Indic digits: \\d matches them
    ("7", "3", "1999-12-31", "Y", None, None, None),            # one day before the earliest record: quarantined
    ("8", "3", "31/02/2024", "Y", None, None, None),            # not a real date: parse quarantine
    ("9", "3", "tbc", "Y", None, None, None),                   # required date blank: required quarantine
    ("10", "2", "2024-05-01", "Y", None, None, None),           # an exact duplicate of the next row
    ("10", "2", "2024-05-01", "Y", None, None, None),
    ("11", "2", "2024-05-01", "Y", None, None, None),           # request 11 twice, different rows: both fail uniqueness
    ("11", "2", "2024-06-01", "Y", None, None, None),
]


def _raw(rows) -> pa.Table:
    cols = ["request_id", "person_id", "received_date", "decision", "decision_date", "exported_to_la", "request_source"]
    data = {c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(cols)}
    for extra in ("rya", "mediation", "tribunal", "updated_at"):
        data[extra] = pa.nulls(len(rows), pa.string())
    data["_source_file"] = pa.array(["cms_request"] * len(rows))
    data["_source_row"] = pa.array(range(1, len(rows) + 1), pa.int64())
    return pa.table(data)


@pytest.fixture(scope="module")
def validator():
    return Validator()


def test_conform_matches_the_row_wise_conform():
    entity, raw = ENTITIES["request"], _raw(REQUESTS)
    typed = columnar.conform_table(entity, raw)
    rowwise = conform(entity, raw.to_pandas())
    assert typed.quarantine == rowwise.quarantine
    assert [q["rule"] for q in typed.quarantine] == ["parse", "required", "duplicate"]
    assert typed.table.column(columnar.POS).to_pylist() == rowwise.frame.index.tolist()
    frame = columnar.to_frame(typed.table)
    expected = rowwise.frame.reset_index(drop=True)
    assert list(frame.columns) == list(expected.columns)
    for col in expected.columns:
        assert frame[col].tolist() == expected[col].tolist(), col


def test_verdicts_at_the_boundaries_and_gx_agrees(validator):
    typed = columnar.conform_table(ENTITIES["request"], _raw(REQUESTS)).table
    outcome = columnar.check("request", typed, PARAMS)
    first = {r: fs[0]["column"] for r, fs in outcome.quarantine.items()}
    # raw positions: 1 received after as-at, 2 decided before received, 3 unknown person,
    # 4 bad decision, 6 before the earliest record, 11/12 the same request id twice
    assert first == {1: "received_date", 2: "decision_date,received_date", 3: "person_id", 4: "decision",
                     6: "received_date", 11: "request_id", 12: "request_id"}
    assert sorted((w["row"], w["column"]) for w in outcome.warnings) == [(4, "exported_to_la"), (4, "request_source")]
    assert outcome.quarantine[3][0]["reason"].startswith("person_id: column values to be in set")
    gx = columnar.cross_check(validator, "request", typed, PARAMS, rows=1000, asset="request")  # raises if not equal
    assert gx.evaluated == 8


def test_gx_disagreeing_stops_the_run(validator, monkeypatch):
    typed = columnar.conform_table(ENTITIES["request"], _raw(REQUESTS)).table
    real = columnar.check

    def lenient(*args, **kwargs):
        out = real(*args, **kwargs)
        out.quarantine.pop(1, None)  # pretend the as-at bound was missed
        return out

    monkeypatch.setattr(columnar, "check", lenient)
    with pytest.raises(QualityError, match="disagree with GX"):
        columnar.cross_check(validator, "request", typed, PARAMS, rows=1000, asset="request")


def test_compound_uniqueness_counts_missing_values_as_equal_but_skips_all_missing_rows(validator):
    # review: (person_id, meeting_date, review_type) unique; GX's pandas `duplicated` treats NaN as equal
    rows = pa.table({
        "person_id": pa.array([1, 1, 2, 2, None, None, 3], pa.int64()),
        "meeting_date": pa.array([date(2024, 1, 1), date(2024, 1, 1), None, None, None, None, date(2024, 1, 1)]),
        "review_type": pa.array(["Annual", "Annual", "Annual", "Annual", None, None, "Annual"]),
    })
    frame = rows.append_column(columnar.POS, pa.array(range(7), pa.int64()))
    mask = columnar._fails("expect_compound_columns_to_be_unique",
                           {"column_list": ["person_id", "meeting_date", "review_type"]}, frame, {})
    assert mask.tolist() == [True, True, True, True, False, False, False]


def test_between_is_inclusive_and_compares_amounts_as_gx_does():
    from decimal import Decimal

    amounts = pa.array([Decimal("-1000000.00"), Decimal("1000000.00"), Decimal("1000000.01"), None],
                       pa.decimal128(38, 2))
    table = pa.table({"amount": amounts, columnar.POS: pa.array(range(4), pa.int64())})
    mask = columnar._fails("expect_column_values_to_be_between",
                           {"column": "amount", "min_value": -1000000, "max_value": 1000000}, table, {})
    assert mask.tolist() == [False, False, True, False]


def test_what_it_does_not_know_goes_row_wise():
    table = pa.table({"x": pa.array([1, 2], pa.int64()), columnar.POS: pa.array([0, 1], pa.int64())})
    with pytest.raises(columnar.NotColumnar):
        columnar._fails("expect_column_values_to_be_in_set", {"column": "x", "value_set": ["1", "2"]}, table, {})
    with pytest.raises(columnar.NotColumnar):
        columnar._fails("expect_column_mean_to_be_between", {"column": "x"}, table, {})
    not_text = pa.table({"request_id": pa.array([1, 2], pa.int64())})
    with pytest.raises(columnar.NotColumnar):
        columnar._parse(not_text.column("request_id"), "int")


def test_partition_keys_are_the_parsed_keys():
    """Rows whose keys conform parses as equal must hash to one partition, whatever their raw text."""
    from send_pipeline.nightly.validate.parsers import PARSERS, parse_column as _parse_column
    from send_pipeline.nightly.validate.split import parsed_key

    raw = {"int": ["12", " 12", "012", "12.0", "1e1", "10", "\u0661\u0662", "\x1c12", None, "x", "99999999999999999999"],
           "text": ["T1", " T1", "T1\x1c", "t1", "", None, "T 1"],
           "code": ["ab1", "AB1 ", "Ab1", "\u00e9", None]}
    for type_, values in raw.items():
        got = parsed_key(pa.array(values, pa.string()), type_).to_pylist()
        want, _ = _parse_column(pd.Series(values, dtype=object), PARSERS[type_])
        # same parsed value <=> same key (as text: the overflow path hashes every key as its text)
        assert [None if g is None else str(g) for g in got] == [None if w is None else str(w) for w in want], type_
