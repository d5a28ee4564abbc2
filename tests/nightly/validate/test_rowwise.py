"""Typing raw rows: every unreadable value and every repeat ends in quarantine with a reason."""
import pandas as pd
import pytest

from send_pipeline.nightly.validate.rowwise import conform
from send_pipeline.nightly.sources import ENTITIES
from send_pipeline.kernel.errors import SourceUnusable

LEDGER_COLS = ["Transaction ID", "Posting Date", "Financial Year", "Cost Centre", "Account Code",
               "Account Description", "Supplier", "URN", "CMS ID", "Band", "Description", "Amount"]


def ledger(rows):
    frame = pd.DataFrame(rows, columns=LEDGER_COLS, dtype=object)
    frame["_source_file"] = "finance_ledger_20250403.csv"
    frame["_source_row"] = range(2, len(frame) + 2)
    return frame


def row(tid="T1", date="01/04/2024", amount="£1,234.56", fy="2024/25", urn="103000", cms="12"):
    return [tid, date, fy, "SEND01", "5101", "High needs top-up", "A School", urn, cms, "M2", "Top-up", amount]


def test_types_and_names():
    out = conform(ENTITIES["ledger_line"], ledger([row(), row("T2", "45390", "(120.00)")]))
    assert out.quarantine == []
    first = out.frame.iloc[0]
    assert first.transaction_id == "T1" and str(first.posting_date) == "2024-04-01"
    assert first.financial_year == "2024-25" and first.posting_fy == "2024-25"
    assert str(out.frame.iloc[1].amount) == "-120.00" and out.frame.iloc[1].urn == 103000


def test_bad_values_are_quarantined_with_file_row_column_and_reason():
    out = conform(ENTITIES["ledger_line"], ledger([row(), row("T2", date="31/02/2024"), row("T3", amount="£1,2O0.00"),
                                                   row("T4", fy="2024/26")]))
    assert len(out.frame) == 1 and out.rows_in == 4
    reasons = {q["source_row"]: (q["column"], q["reason"]) for q in out.quarantine}
    assert reasons[3] == ("Posting Date", "the value is not a real date")  # the value: only in the quarantine file
    assert reasons[4][0] == "Amount" and "not money" in reasons[4][1]
    assert reasons[5][0] == "Financial Year"
    assert all(q["source_file"] == "finance_ledger_20250403.csv" for q in out.quarantine)


def test_exact_duplicates_quarantined_as_repeats_of_the_first_copy():
    out = conform(ENTITIES["ledger_line"], ledger([row(), row(), row("T2")]))
    assert len(out.frame) == 2
    [dup] = out.quarantine
    assert dup["rule"] == "duplicate" and dup["source_row"] == 3 and "row 2" in dup["reason"]


def test_required_blank_is_quarantined():
    out = conform(ENTITIES["ledger_line"], ledger([row(tid="")]))
    assert out.frame.empty and out.quarantine[0]["rule"] == "required"


def test_missing_required_column_stops_the_source():
    frame = ledger([row()]).drop(columns=["Amount"])
    with pytest.raises(SourceUnusable, match=r"'Amount' missing; recognised: 'Transaction ID'"):
        conform(ENTITIES["ledger_line"], frame)


def test_extra_reordered_and_respaced_columns_are_fine():
    frame = ledger([row()])
    frame = frame[list(reversed(frame.columns))].rename(columns={"Posting Date": " posting  date "})
    frame["Cost Centre Manager"] = "someone"
    out = conform(ENTITIES["ledger_line"], frame)
    assert len(out.frame) == 1 and out.quarantine == []


def test_malformed_csv_lines_are_quarantined():
    frame = ledger([row(), row("T2")])
    frame["_parse_error"] = [None, "line has 13 fields, the header has 12"]
    out = conform(ENTITIES["ledger_line"], frame)
    assert len(out.frame) == 1 and out.quarantine[0]["rule"] == "malformed_line"


def test_person_identifier_problems_are_derived():
    cols = ["person_id", "upn", "uln", "upn_unknown_reason", "forename", "surname", "dob", "sex", "ethnicity",
            "postcode", "updated_at"]
    raw = pd.DataFrame([
        ["1", "A950000178301", None, None, "A", "B", "2015-03-27", "M", "WBRI", "CV1 2AB", "2025-01-01 10:00:00"],
        ["2", "R247962919251", None, None, "C", "D", "2015-03-27", "F", "WBRI", "CV1 2AB", "2025-01-01 10:00:00"],
        ["3", None, None, None, "E", "F", "2015-03-27", "F", "WBRI", "CV1 2AB", "2025-01-01 10:00:00"],
        ["4", None, None, "UN1", "G", "H", "2022-03-27", "F", "WBRI", "CV1 2AB", "2025-01-01 10:00:00"],
    ], columns=cols, dtype=object)
    out = conform(ENTITIES["person"], raw)
    assert list(out.frame.upn_problem) == [None, "UPN invalid (wrong check letter at character 1)",
                                           "no UPN, ULN or UPN-unknown reason", None]


def test_tracker_labels_forgive_case_and_spaces():
    cols = [c.source for c in ENTITIES["review"].columns]
    raw = pd.DataFrame([["12", "103000", "J Smith", "annual ", "01/09/2024", "12.9.24", "TBC", "", "maintain",
                         None, None]], columns=cols, dtype=object)
    out = conform(ENTITIES["review"], raw)
    rec = out.frame.iloc[0]
    assert rec.review_type == "Annual" and rec.outcome == "Maintain" and rec.paperwork_received_date is None
    assert str(rec.meeting_date) == "2024-09-12"
