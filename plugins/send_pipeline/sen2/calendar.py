"""Collection years, census days and collection periods, from include/sen2/census_days.csv (data, not code).

The collection period is the previous calendar year (1 Jan - 31 Dec of year - 1); the census
(reference) day is the January survey day of the collection year (spec §1.2, §2).
"""
from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache

from ..kernel.settings import PROJECT_ROOT

SEN2_DIR = PROJECT_ROOT / "include" / "sen2"
CENSUS_DAYS = SEN2_DIR / "census_days.csv"


@lru_cache(maxsize=1)
def census_days() -> dict[int, date]:
    with open(CENSUS_DAYS, newline="", encoding="utf-8") as handle:
        return {int(r["collection_year"]): date.fromisoformat(r["census_day"]) for r in csv.DictReader(handle)}


def census_day(year: int) -> date:
    days = census_days()
    if year not in days:
        raise ValueError(f"no census day for {year} in {CENSUS_DAYS.name}: add the DfE's survey day for that year "
                         "(or give an as-at date)")
    return days[year]


def collection_year_for(day: date) -> int:
    """The return a run on `day` is for: January-June belongs to this year's return, later to next year's."""
    return day.year if day.month <= 6 else day.year + 1


@dataclass(frozen=True)
class Period:
    year: int              # collection year, e.g. 2026
    start: date            # first day of the collection period (1 Jan of year - 1)
    end: date              # last day of the collection period (31 Dec of year - 1)
    census: date           # ReferenceDate: the census day, or the as-at override
    census_published: date | None  # the DfE survey day from the table (None if the year is not there)

    @property
    def overridden(self) -> bool:
        return self.census != self.census_published

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Period":
        def _d(v):
            return date.fromisoformat(v) if isinstance(v, str) else v
        return cls(int(d["year"]), _d(d["start"]), _d(d["end"]), _d(d["census"]), _d(d.get("census_published")))


def period(year: int, as_at: date | str | None = None) -> Period:
    """The period of a collection year; `as_at` replaces the census day (rehearsals, or a year not in the table)."""
    year = int(year)
    if isinstance(as_at, str):
        as_at = date.fromisoformat(as_at) if as_at.strip() else None
    published = census_days().get(year)
    census = as_at or census_day(year)
    return Period(year, date(year - 1, 1, 1), date(year - 1, 12, 31), census, published)
