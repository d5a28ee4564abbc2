"""The finance ledger extract, `finance_ledger_*.csv`: SEND spend lines, monthly; upserted by Transaction ID."""
from __future__ import annotations

from send_pipeline.nightly.sources.model import CODE, DATE, INT, C, Derived, Entity, Source


def financial_year(day) -> str | None:
    """The financial year (April to March) of a date: 2024-04-01 -> `2024-25`, 2025-03-31 -> `2024-25`."""
    if day is None:
        return None
    return f"{day.year}-{(day.year + 1) % 100:02d}" if day.month >= 4 else f"{day.year - 1}-{day.year % 100:02d}"


LEDGER_LINE = Entity("ledger_line", "ledger", "finance_ledger_*.csv", (
    C("Transaction ID", "transaction_id", not_null=True), C("Posting Date", "posting_date", DATE, not_null=True),
    C("Financial Year", "financial_year", "fy", not_null=True), C("Cost Centre", "cost_centre"),
    C("Account Code", "account_code", not_null=True), C("Account Description", "account_description"),
    C("Supplier", "supplier"), C("URN", "urn", INT), C("CMS ID", "person_id", INT), C("Band", "band", CODE),
    C("Description", "description"), C("Amount", "amount", "amount", not_null=True),
), key=("transaction_id",), load="upsert",
    derived=(Derived("posting_fy", "text", ("posting_date",), financial_year),))

SOURCE = Source("ledger", reader="inbox_files", landing="new_files", entities=(LEDGER_LINE,),
                freshness_hours=24 * 35, about="the finance ledger extract: monthly")
