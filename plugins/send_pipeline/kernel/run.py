"""One run of a step: its settings, run id and as-at date (what every step function takes last).

The orchestration adapter builds it from an Airflow task's context (orchestration/runtime.py), the
command line from its arguments (__main__.py), tests directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

from send_pipeline.kernel import files
from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse


@dataclass(frozen=True)
class Run:
    settings: Settings
    run_id: str
    as_at: date
    full_refresh: bool = False
    started_at: float | None = None  # epoch seconds the run started (for the summary's time taken)
    # consortium mode: how to resolve one LA's settings (runtime passes Airflow's lookups)
    settings_for: object = field(default=None, compare=False, repr=False)
    channels: object = field(default=None, compare=False, repr=False)  # alert channels (runtime: Airflow connections)
    logical_date: date | None = None  # an Airflow run's logical date in Europe/London (as_at may be a param's)

    def for_la(self, la_code: str) -> "Run":
        """This run for one LA of the consortium (its own sources, warehouse, landing and outputs)."""
        if not self.settings.consortium:
            if la_code != self.settings.la_code:
                raise ValueError(f"single-LA mode (SEND_LA_CODE {self.settings.la_code}): no LA {la_code}")
            return self
        resolve = self.settings_for or (lambda la: Settings.resolve(la_code=la))
        return replace(self, settings=resolve(la_code))

    def each_la(self, step, *args):
        """`step(*args, run)` for this run's LA, or in consortium mode once per LA: {la: result}."""
        if self.settings.consortium_level:
            return {la: step(*args, self.for_la(la)) for la in self.settings.las()}
        return step(*args, self)

    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings.warehouse_url)

    @property
    def quality_dir(self) -> Path:
        return files.owner_only_dir(self.settings.output_dir / "quality" / files.safe_run(self.run_id))

    def landing(self, source: str, entity: str) -> Path:
        """Where this run lands (and validates) one entity."""
        return files.landing_path(self.settings.landing_dir, source, entity, self.run_id)


def as_at_from(logical: datetime | None, fallback: datetime | None = None) -> date:
    """The as-at date: the run's logical date in Europe/London."""
    from zoneinfo import ZoneInfo

    moment = logical or fallback or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo("Europe/London")).date()
