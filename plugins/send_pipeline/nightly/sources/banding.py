"""Banding rates: the LA's top-up rate per band and category, `banding_rates.csv`, set once a financial year."""
from __future__ import annotations

from send_pipeline.nightly.sources.model import CODE, DATE, C, Entity, Source

BANDING_RATE = Entity("banding_rate", "banding", "banding_rates.csv", (
    C("band", "band", CODE, not_null=True), C("category", "category", not_null=True),
    C("annual_amount", "annual_amount", "amount"), C("effective_from", "effective_from", DATE, not_null=True),
), key=("band", "category", "effective_from"), load="snapshot")

SOURCE = Source("banding", reader="inbox_files", landing="newest_file", entities=(BANDING_RATE,),
                freshness_hours=24 * 400, about="banding rates: set once a financial year")
