"""Every business rule fires on a crafted bad record and stays silent on the good one.

The good return is the tiny hand-built LA (tiny.py) put through the scope code without a database; each
case below changes one record so that exactly the rule under test has something to say about it.
"""
from __future__ import annotations

import copy
from datetime import datetime

import pandas as pd
import pytest

from send_pipeline.kernel.identifiers import make_upn
from send_pipeline.sen2 import calendar, rules, scope, structure

from . import tiny

PERIOD = calendar.period(2026)
HEADER = {"Collection": "SEN2", "Year": "2026", "ReferenceDate": "2026-01-15", "SourceLevel": "L", "LEA": "331",
          "SoftwareCode": "send_pipeline", "Release": "1.0", "SerialNo": "001", "DateTime": tiny.FIXED_NOW,
          "DMO": "Y", "DCO": "Y", "DSCO": "N"}


@pytest.fixture(scope="module")
def good():
    tables = scope.select(scope.normalise(tiny.frames()), PERIOD).tables
    return {k: v.reset_index(drop=True) for k, v in tables.items()}


def context(**overrides) -> rules.RuleContext:
    base = dict(year=2026, census=PERIOD.census, period_start=PERIOD.start, period_end=PERIOD.end, la_code="331",
                structure=structure.load(2026), now=datetime(2026, 1, 20, 9, 0),
                known_urns={"100001", "100002", "100003"}, known_ukprns={"10000001"},
                header_sources={"DMO": "param", "DCO": "param", "DSCO": "param"})
    base.update(overrides)
    return rules.RuleContext(**base)


# ------------------------------------------------------------------------------------------ helpers
def seq(t, person_id: int) -> int:
    """request_seq of a person's (only) request."""
    return int(t["requests"].loc[t["requests"]["person_id"] == person_id, "request_seq"].iloc[0])


def at(t, table: str, person_id: int, n: int = 0) -> int:
    """Row index of the n-th record of `table` belonging to the person."""
    frame = t[table]
    rows = frame.index[frame["request_seq"] == seq(t, person_id)] if table != "person" else \
        frame.index[frame["person_id"] == person_id]
    return int(rows[n])


def put(t, table: str, person_id: int, n: int = 0, **values) -> tuple[str, int]:
    i = at(t, table, person_id, n)
    for col, v in values.items():
        if col not in t[table].columns:
            t[table][col] = None
        t[table][col] = t[table][col].astype(object)
        t[table].at[i, col] = v
    return table, i


def add(t, table: str, person_id: int, **values) -> tuple[str, int]:
    """Append a record to `table` for the person's request; returns its row."""
    row = {c: None for c in t[table].columns}
    row.update({"person_seq": int(t["requests"].loc[t["requests"]["request_seq"] == seq(t, person_id), "person_seq"].iloc[0]),
                "request_seq": seq(t, person_id)}, **values)
    t[table] = pd.concat([t[table], pd.DataFrame([row])], ignore_index=True)
    return table, len(t[table]) - 1


def drop(t, table: str, person_id: int) -> None:
    t[table] = t[table][t[table]["request_seq"] != seq(t, person_id)].reset_index(drop=True)


def header_row(h, **values):
    h.update(values)
    return "header", 0


# Each case: (tables, header, ctx_overrides) are changed in place; returns (table, row) that must be flagged.
CASES = {
    "HDR01": lambda t, h, c: header_row(h, ReferenceDate="2026-01-16"),
    "HDR02": lambda t, h, c: header_row(h, Year="2025"),
    "HDR03": lambda t, h, c: header_row(h, LEA="332"),
    "HDR04": lambda t, h, c: header_row(h, DateTime="2099-01-01T00:00:00"),
    "HDR05": lambda t, h, c: (c.update(header_sources={"DMO": "the DfE's 2025 figures"}), ("header", 0))[1],
    "HDR06": lambda t, h, c: (c.update(quarantined={"placement": 2, "request": 0}), ("header", 0))[1],
    "HDR07": lambda t, h, c: (c.update(sanitised=1), ("header", 0))[1],
    "PER01": lambda t, h, c: put(t, "person", 101, UPN="B" + tiny.UPN(1)[1:] if tiny.UPN(1)[0] != "B" else "C" + tiny.UPN(1)[1:]),
    "PER02": lambda t, h, c: put(t, "person", 104, UPN=make_upn("999", "2014", "25", "004")),
    "PER03": lambda t, h, c: put(t, "person", 104, UPN=tiny.UPN(1)),
    "PER04": lambda t, h, c: put(t, "person", 103, UniqueLearnerNumber="4017177166"),
    "PER05": lambda t, h, c: put(t, "person", 101, UniqueLearnerNumber="4017177165"),
    "PER06": lambda t, h, c: put(t, "person", 104, UPN=None),
    "PER07": lambda t, h, c: put(t, "person", 101, UPNunknown="UN2"),
    "PER08": lambda t, h, c: put(t, "person", 104, PersonBirthDate="2026-02-01"),
    "PER09": lambda t, h, c: put(t, "person", 101, PersonBirthDate="1998-01-01"),
    "PER10": lambda t, h, c: put(t, "person", 101, PostCode="NOT A POSTCODE"),
    "REQ01": lambda t, h, c: put(t, "requests", 104, ReceivedDate=None),
    "REQ02": lambda t, h, c: put(t, "requests", 105, ReceivedDate="2026-01-05"),
    "REQ03": lambda t, h, c: put(t, "requests", 104, ReceivedDate="2014-01-01"),
    "REQ04": lambda t, h, c: put(t, "requests", 104, RequestOutcomeDate=None),
    "REQ05": lambda t, h, c: put(t, "requests", 105, RequestOutcomeDate="2025-12-20"),
    "REQ06": lambda t, h, c: put(t, "requests", 104, RequestOutcomeDate="2025-03-01"),
    "REQ07": lambda t, h, c: put(t, "requests", 104, RequestOutcomeDate="2026-01-20"),
    "REQ08": lambda t, h, c: put(t, "requests", 104, RequestOutcomeDate="2025-06-20"),
    "REQ09": lambda t, h, c: put(t, "requests", 102, RequestSource=None),
    "REQ10": lambda t, h, c: (add(t, "assessment", 104, AssessmentOutcome="A"), ("requests", at(t, "requests", 104)))[1],
    "REQ11": lambda t, h, c: (drop(t, "assessment", 106), ("requests", at(t, "requests", 106)))[1],
    "REQ12": lambda t, h, c: (add(t, "assessment", 109, AssessmentOutcome="A"), ("requests", at(t, "requests", 109)))[1],
    "REQ13": lambda t, h, c: put(t, "requests", 109, Exported="331"),
    "REQ14": lambda t, h, c: put(t, "requests", 104, RequestMediation=None),
    "ASM01": lambda t, h, c: put(t, "assessment", 108, AssessmentOutcomeDate=None),
    "ASM02": lambda t, h, c: put(t, "assessment", 106, AssessmentOutcomeDate="2025-12-01"),
    "ASM03": lambda t, h, c: put(t, "assessment", 102, AssessmentOutcomeDate="2025-03-01"),
    "ASM04": lambda t, h, c: put(t, "assessment", 102, AssessmentOutcomeDate="2026-02-01"),
    "ASM05": lambda t, h, c: put(t, "assessment", 102, AssessmentOutcomeDate="2025-08-29"),
    "ASM06": lambda t, h, c: put(t, "assessment", 108, AssessmentOutcomeDate="2025-08-01"),
    "ASM07": lambda t, h, c: put(t, "assessment", 102, Week20=None),
    "ASM08": lambda t, h, c: (drop(t, "named_plan", 102), ("assessment", at(t, "assessment", 102)))[1],
    "ASM09": lambda t, h, c: (add(t, "named_plan", 108, StartDate="2025-06-16"), ("assessment", at(t, "assessment", 108)))[1],
    "ASM10": lambda t, h, c: (put(t, "requests", 106, ReceivedDate="2025-06-02"), ("assessment", at(t, "assessment", 106)))[1],
    "NPL01": lambda t, h, c: put(t, "named_plan", 102, StartDate="2026-02-01"),
    "NPL02": lambda t, h, c: put(t, "named_plan", 102, StartDate="2025-06-01"),
    "NPL03": lambda t, h, c: put(t, "named_plan", 103, CeaseDate="2017-01-01"),
    "NPL04": lambda t, h, c: put(t, "named_plan", 103, CeaseReason=None),
    "NPL05": lambda t, h, c: put(t, "named_plan", 103, CeaseDate="2024-12-01"),
    "NPL06": lambda t, h, c: put(t, "named_plan", 101, OA="1"),
    "NPL07": lambda t, h, c: put(t, "named_plan", 103, CeaseReason="9"),
    "NPL08": lambda t, h, c: put(t, "named_plan", 101, CeaseDate="2025-12-01", CeaseReason="2"),
    "NPL09": lambda t, h, c: (drop(t, "active_plans", 102), ("named_plan", at(t, "named_plan", 102)))[1],
    "NPL10": lambda t, h, c: (drop(t, "plan_detail", 111), ("named_plan", at(t, "named_plan", 111)))[1],
    "NPL11": lambda t, h, c: add(t, "plan_detail", 102, URN="100002", PlacementRank="1"),
    "PLC01": lambda t, h, c: put(t, "placement_detail", 102, UKPRN="10000001"),
    "PLC02": lambda t, h, c: put(t, "placement_detail", 110, 0, SENSettingOther=None),
    "PLC03": lambda t, h, c: put(t, "placement_detail", 102, EntryDate=None),
    "PLC04": lambda t, h, c: put(t, "placement_detail", 110, 0, LeavingDate="2025-03-01"),
    "PLC05": lambda t, h, c: put(t, "placement_detail", 102, EntryDate="2026-02-01"),
    "PLC06": lambda t, h, c: put(t, "placement_detail", 102, URN="999999"),
    "PLC07": lambda t, h, c: put(t, "plan_detail", 103, UKPRN="20000001"),
    "PLC08": lambda t, h, c: add(t, "placement_detail", 102, URN="100002", PlacementRank="1", EntryDate="2025-09-01"),
    "APL01": lambda t, h, c: (put(t, "placement_detail", 102, LeavingDate="2025-12-01"),
                              ("active_plans", at(t, "active_plans", 102)))[1],
    "APL02": lambda t, h, c: (put(t, "sen_need", 102, SENtypeRank="2"), ("active_plans", at(t, "active_plans", 102)))[1],
    "APL03": lambda t, h, c: put(t, "sen_need", 101, 1, SENtypeRank="1"),
    "APL04": lambda t, h, c: put(t, "active_plans", 110, TransferLA="331"),
    "REV01": lambda t, h, c: put(t, "active_plans", 101, ReviewMeeting="2026-01-20"),
    "REV02": lambda t, h, c: put(t, "active_plans", 101, LastReview="2025-05-01"),
    "REV03": lambda t, h, c: put(t, "active_plans", 101, ReviewOutcome=None),
    "REV04": lambda t, h, c: put(t, "active_plans", 101, LastReview="2025-06-30"),
    "REV05": lambda t, h, c: put(t, "active_plans", 101, ReviewMeeting="2024-12-01", LastReview="2024-12-10"),
    "REV06": lambda t, h, c: put(t, "active_plans", 101, ReviewDraft="2025-05-01"),
    "REV07": lambda t, h, c: put(t, "active_plans", 101, ReviewOutcome="M"),
    "REV08": lambda t, h, c: put(t, "active_plans", 101, PhaseTransferDueDate="2025-02-15",
                                 PhaseTransferFinalDate="2025-03-01"),
}


def test_every_rule_has_a_case_and_is_described():
    assert set(CASES) == set(rules.RULES), "each rule needs a crafted bad record here"
    for r in rules.RULES.values():
        assert r.severity in ("error", "query") and r.fields and r.module
        assert len(r.message) > 20 and r.message[0].isupper()


def test_the_good_return_has_no_findings(good):
    found = rules.run(copy.deepcopy(good), dict(HEADER), context())
    assert found.empty, found.to_string()


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_bad_and_not_on_good(good, code):
    tables = copy.deepcopy(good)
    header = dict(HEADER)
    overrides: dict = {}
    table, row = CASES[code](tables, header, overrides)
    before = rules.run(copy.deepcopy(good), dict(HEADER), context(), codes=[code])
    assert before.empty, f"{code} fires on the good return"
    after = rules.run(tables, header, context(**overrides), codes=[code])
    hit = after[(after["table"] == table) & (after["row"] == row)]
    assert len(hit) == 1, f"{code} did not flag {table} row {row}: {after.to_dict('records')}"
    assert hit["severity"].iloc[0] == rules.RULES[code].severity


def test_rules_run_on_a_file_read_back(tiny_return):
    """The same registry validates a file from elsewhere (e.g. downloaded from COLLECT) read by the reader."""
    from send_pipeline.sen2 import reader

    parsed = reader.read(tiny_return["xml"])
    found = rules.run(parsed.tables, parsed.header, context())
    assert found.empty, found.to_string()


def test_2025_makes_request_source_voluntary(good):
    tables = copy.deepcopy(good)
    put(tables, "requests", 102, RequestSource=None)
    ctx = context(year=2025, structure=structure.load(2025))
    assert rules.run(tables, dict(HEADER), ctx, codes=["REQ09"]).empty
