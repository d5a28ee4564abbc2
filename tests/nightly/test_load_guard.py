"""The share guard (load.guard_loss): a load never removes or quarantines more than SEND_MAX_LOSS_SHARE
of an entity's current rows; the message names the table and the column, never a value."""
from __future__ import annotations

import pytest

from send_pipeline.kernel.errors import SourceUnusable
from send_pipeline.nightly.load import guard_loss
from send_pipeline.nightly.sources.cms import NEED, OFFICER


def checked(n: int, column="role", reason="required value is missing") -> dict:
    return {"rows_quarantined": n, "quarantine": [{"column": column, "reason": reason, "row": i} for i in range(n)]}


def test_every_row_quarantined_in_a_snapshot_stops_naming_table_and_column():
    with pytest.raises(SourceUnusable) as err:
        guard_loss(OFFICER, before=40, after=0, checked=checked(40), share=0.2)
    text = str(err.value)
    assert "core.officer" in text and "column 'role'" in text and "40 of the 40" in text and "100%" in text
    assert "keeps its last good rows" in text


def test_exactly_the_share_loads_and_one_more_row_stops():
    guard_loss(OFFICER, before=100, after=80, checked=checked(20), share=0.2)  # 20% is allowed
    with pytest.raises(SourceUnusable):
        guard_loss(OFFICER, before=100, after=79, checked=checked(21), share=0.2)


def test_rows_missing_from_a_snapshot_count_without_any_quarantine():
    with pytest.raises(SourceUnusable, match="no longer has them"):
        guard_loss(NEED, before=835, after=400, checked=checked(0), share=0.2)


def test_an_incremental_batch_failing_counts_against_the_table_not_the_batch():
    # 5 changed rows all quarantined out of 835 held: 0.6% of the table, loads (the old versions stay)
    guard_loss(NEED, before=835, after=835, checked=checked(5, "recorded_date"), share=0.2)
    with pytest.raises(SourceUnusable, match="recorded_date"):
        guard_loss(NEED, before=835, after=835, checked=checked(835, "recorded_date"), share=0.2)


def test_the_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SEND_MAX_LOSS_SHARE", "0.5")
    guard_loss(OFFICER, before=10, after=6, checked=checked(4))
    monkeypatch.setenv("SEND_MAX_LOSS_SHARE", "0.3")
    with pytest.raises(SourceUnusable, match="SEND_MAX_LOSS_SHARE=0.3"):
        guard_loss(OFFICER, before=10, after=6, checked=checked(4))
