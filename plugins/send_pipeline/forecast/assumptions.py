"""The forecast's assumptions: settings with defaults (read through `settings.lookup`: env, then Airflow
Variable), and a scenario that changes some of them for one run (the DAG's params).

Every assumption is named in docs/forecast.md with its default and what it does.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace

from ..kernel.settings import Lookup, setting

# setting name -> (field, type, default)
SETTINGS = {
    "SEND_FORECAST_YEARS": ("years", int, 5),
    "SEND_FORECAST_RATE_YEARS": ("rate_years", int, 3),
    "SEND_FORECAST_JOINER_GROWTH": ("joiner_growth", str, "trend"),
    "SEND_FORECAST_COST_INFLATION": ("cost_inflation", float, 0.03),
    "SEND_FORECAST_SIMULATIONS": ("simulations", int, 500),
    "SEND_FORECAST_INTERVAL": ("interval", float, 0.9),
    "SEND_FORECAST_SEED": ("seed", int, 20),
    "SEND_FORECAST_FIRST_YEAR": ("first_year", int, 0),
}
SCENARIO_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class Assumptions:
    years: int = 5  # census years projected after the last one recorded
    rate_years: int = 3  # transition and joiner rates from the last N year-to-year pairs
    joiner_growth: str = "trend"  # 'trend' (fitted over the rate years) or a yearly rate such as '0.05'
    cost_inflation: float = 0.03  # yearly rise in the cost of a plan in each setting group
    simulations: int = 500  # simulated runs behind the interval
    interval: float = 0.9  # the central share of the simulated runs the interval holds
    seed: int = 20  # the simulations' random seed (the same seed, the same interval)
    first_year: int = 0  # the first census year fitted from; 0 = after the records' build-up (model.settled)
    # scenario-only levers (no setting: the baseline is the recorded behaviour)
    scenario: str = "baseline"
    new_plans_to_mainstream: float = 0.0  # share of new plans that would go to special/independent kept in mainstream
    additional_places: int = 0  # special school places added from the first projected year

    def __post_init__(self):
        problems = []
        if not 1 <= self.years <= 10:
            problems.append(f"years must be 1 to 10, not {self.years}")
        if not 1 <= self.rate_years <= 10:
            problems.append(f"rate_years must be 1 to 10, not {self.rate_years}")
        if self.joiner_growth != "trend":
            try:
                g = float(self.joiner_growth)
            except ValueError:
                g = None
            if g is None or not -0.5 <= g <= 1.0:
                problems.append(f"joiner_growth must be 'trend' or a yearly rate from -0.5 to 1.0, not {self.joiner_growth!r}")
        if not -0.2 <= self.cost_inflation <= 0.5:
            problems.append(f"cost_inflation must be a yearly rate from -0.2 to 0.5, not {self.cost_inflation}")
        if not 20 <= self.simulations <= 20000:
            problems.append(f"simulations must be 20 to 20000, not {self.simulations}")
        if not 0.5 <= self.interval < 1:
            problems.append(f"interval must be at least 0.5 and below 1, not {self.interval}")
        if not 0 <= self.new_plans_to_mainstream <= 1:
            problems.append(f"new_plans_to_mainstream must be a share from 0 to 1, not {self.new_plans_to_mainstream}")
        if not SCENARIO_NAME.match(self.scenario or ""):
            problems.append(f"scenario must be a short lower-case name (a-z, 0-9, _), not {self.scenario!r}")
        if problems:
            raise ValueError("forecast assumptions: " + "; ".join(problems))

    @property
    def growth(self) -> float | None:
        """The joiners' yearly growth, or None to fit it from the history."""
        return None if self.joiner_growth == "trend" else float(self.joiner_growth)

    @classmethod
    def resolve(cls, var: Lookup | None = None) -> "Assumptions":
        """The defaults, overridden by the SEND_FORECAST_* settings (env, then Airflow Variable)."""
        values = {}
        for name, (attr, kind, _default) in SETTINGS.items():
            raw = setting(name, var)
            if raw is not None:
                try:
                    values[attr] = kind(raw.strip())
                except ValueError:
                    raise ValueError(f"{name} must be a {kind.__name__}, not {raw!r}") from None
        return cls(**values)

    def with_scenario(self, params: dict | None) -> "Assumptions":
        """These assumptions changed by a scenario's params (blank or missing values keep the setting)."""
        known = {f.name: f.type for f in fields(self)}
        changes = {}
        for key, value in (params or {}).items():
            if key not in known:
                raise ValueError(f"unknown forecast scenario parameter {key!r} (known: {', '.join(sorted(known))})")
            if value is None or value == "":
                continue
            current = getattr(self, key)
            try:
                changes[key] = type(current)(value) if not isinstance(current, str) else str(value)
            except (TypeError, ValueError):
                raise ValueError(f"scenario parameter {key} must be a {type(current).__name__}, not {value!r}") from None
        if changes and "scenario" not in changes and set(changes) - {"simulations", "seed"}:
            raise ValueError("a scenario that changes assumptions needs a name (param scenario), so its rows "
                             "do not replace the baseline's")
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)
