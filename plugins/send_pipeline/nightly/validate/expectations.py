"""Great Expectations Core, called from our own tasks on pandas DataFrames: the suites and the Validator.

Suites are JSON in `expectations/<entity>.json`. Each expectation carries `notes` (why it exists) and
`meta.on_failure`:
- `quarantine`: failing rows leave the load, each with the expectation that failed;
- `warn`: rows load, and each failure is recorded as a quality warning (e.g. a UPN check letter that the
  SEN2 validator must report but that does not make the record unusable);
- `stop`: the whole source is stopped (table-level shape failures).

A validation that evaluated nothing, or an expectation that raised, is an error, never a pass.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from send_pipeline.kernel.errors import QualityError, SourceUnusable
from send_pipeline.kernel.settings import EXPECTATIONS_DIR

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    entity: str
    evaluated: int
    quarantine: dict[int, list[dict]] = field(default_factory=dict)  # row position -> failures
    warnings: list[dict] = field(default_factory=list)
    result_json: dict = field(default_factory=dict)


def load_suite(entity: str) -> dict:
    path = EXPECTATIONS_DIR / f"{entity}.json"
    suite = json.loads(path.read_text())
    for exp in suite["expectations"]:
        if not exp.get("notes"):
            raise QualityError(f"{path.name}: every expectation needs a note saying why it exists ({exp['type']})")
        if exp.get("meta", {}).get("on_failure") not in {"quarantine", "warn", "stop"}:
            raise QualityError(f"{path.name}: {exp['type']} needs meta.on_failure quarantine|warn|stop")
    return suite


def _gx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """GX compares dates as pandas timestamps and decimals as floats."""
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        sample = out[col].dropna()
        if len(sample) and out[col].dtype == object:
            first = sample.iloc[0]
            if hasattr(first, "isoformat") and not isinstance(first, str):
                out[col] = pd.to_datetime(out[col])
            elif type(first).__name__ == "Decimal":
                out[col] = out[col].astype(float)
    return out


def quiet_great_expectations() -> None:
    """GX's loggers to WARNING and its progress bars off, before it is imported: a validate_source log
    was 214 GX lines of 228 (import-time 'Skipping registering function …', 'Created temporary
    directory …' from a module that sets its own logger to INFO). GX's warnings and errors still show."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")  # tqdm's own switch, for any bar GX's config misses
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401  (its modules' loggers exist once it is imported)

    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger) \
                and logging.NOTSET < logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


class Validator:
    """One GX context per task; Data Docs for the run under `docs_dir` when given."""

    def __init__(self, docs_dir: Path | None = None):
        quiet_great_expectations()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("send")
        self.docs_dir = docs_dir
        if docs_dir is not None:
            self.context.add_data_docs_site(site_name="run", site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })
        self._definitions = []
        self._suites: dict = {}
        self._runs = 0

    def validate(self, suite_name: str, frame: pd.DataFrame, parameters: dict, asset: str | None = None) -> Outcome:
        """Run suite `suite_name` on `frame` (validated as data asset `asset`, default the suite's name)."""
        gx = self.gx
        entity = asset or suite_name
        self._runs += 1
        gx_name = f"{entity}_{self._runs}"  # GX names must be unique within one context
        suite_json = load_suite(suite_name)
        data = _gx_frame(frame)
        expectations = [_key_set_as_flag(exp, data, parameters) for exp in suite_json["expectations"]]
        if suite_name not in self._suites:
            self._suites[suite_name] = self.context.suites.add(gx.ExpectationSuite(
                name=suite_json["name"], expectations=expectations, meta=suite_json.get("meta", {})))
        suite = self._suites[suite_name]
        batch_def = self.source.add_dataframe_asset(gx_name).add_batch_definition_whole_dataframe(entity)
        definition = self.context.validation_definitions.add(gx.ValidationDefinition(name=gx_name, data=batch_def, suite=suite))
        self._definitions.append(definition)
        result = definition.run(
            batch_parameters={"dataframe": data},
            expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE", "include_unexpected_rows": False},
        )
        outcome = Outcome(entity, result.statistics["evaluated_expectations"])
        if outcome.evaluated != len(suite_json["expectations"]):
            raise QualityError(f"{entity}: GX evaluated {outcome.evaluated} of {len(suite_json['expectations'])} expectations")
        for res in result.results:
            config = res.expectation_config
            _raise_if_broken(entity, config.type, res.exception_info)
            if res.success:
                continue
            action = (config.meta or {}).get("on_failure", "quarantine")
            kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
            if (config.meta or {}).get("key_set"):
                kwargs = {"column": config.meta["column"], "value_set": f"the loaded {config.meta['key_set']}"}
            failure = failure_of(config.type, kwargs, config.meta, config.notes)
            if action == "stop":
                raise SourceUnusable(f"{entity}: {failure['reason']}; the source is stopped")
            rows = _rows(res.result.get("unexpected_index_list"))
            if action == "warn":
                outcome.warnings.extend({"row": r, **failure} for r in rows)
            else:
                for r in rows:
                    outcome.quarantine.setdefault(r, []).append(failure)
        outcome.result_json = _summarise(result.to_json_dict())
        return outcome

    def build_docs(self) -> Path | None:
        if self.docs_dir is None or not self._definitions:
            return None
        self.context.build_data_docs(site_names=["run"])
        index = self.docs_dir / "index.html"
        return index if index.exists() else None


def failure_of(rule: str, kwargs: dict, meta: dict | None, notes: str | None) -> dict:
    """How a failed expectation is recorded against a row: rule, column(s) and a reason (no values)."""
    columns = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or \
        ",".join(filter(None, [kwargs.get("column_A"), kwargs.get("column_B")])) or None
    return {"rule": rule, "column": columns, "reason": _describe(rule, kwargs, notes)}


def _key_set_as_flag(exp: dict, data: pd.DataFrame, parameters: dict) -> dict:
    """`value_set: {"$PARAMETER": "person_ids"}` checked through a membership flag column.

    GX (pydantic v1) copies and serialises a value set into every config and result: with the
    thousands of keys a foreign-key check needs, that cost ~6 s an entity. pandas computes the same
    membership (`isin`) per row; GX then checks the flag, so the failing row indexes are identical and
    NULL keys are still ignored, as GX ignores NULLs in column map expectations.
    """
    value_set = exp["kwargs"].get("value_set")
    if exp["type"] != "expect_column_values_to_be_in_set" or not isinstance(value_set, dict):
        return exp
    param, column = value_set["$PARAMETER"], exp["kwargs"]["column"]
    flag = f"__{column}_in_{param}"
    if column in data.columns:
        known = data[column].isin(list(parameters.get(param, [])))
        data[flag] = pd.Series(known.values, dtype=object, index=data.index).where(data[column].notna(), None)
    kwargs = {k: v for k, v in exp["kwargs"].items() if k not in ("column", "value_set")}
    return {**exp, "kwargs": {**kwargs, "column": flag, "value_set": [True]},
            "meta": {**exp.get("meta", {}), "key_set": param, "column": column}}


def _rows(index_list) -> list[int]:
    rows = []
    for item in index_list or []:
        if isinstance(item, dict):
            item = item.get("index", next(iter(item.values()), None))
        if item is not None:
            rows.append(int(item))
    return rows


def _raise_if_broken(entity: str, rule: str, info) -> None:
    """GX reports an expectation that crashed only inside `exception_info` (sometimes per metric)."""
    if not info:
        return
    infos = [info] if "raised_exception" in info else list(info.values())
    for item in infos:
        if isinstance(item, dict) and (item.get("raised_exception") or item.get("exception_traceback")):
            message = (item.get("exception_message") or "").splitlines()[:1]
            raise QualityError(f"{entity}: expectation {rule} could not run: {' '.join(message) or 'see traceback'}")


def _describe(rule: str, kwargs: dict, notes: str | None) -> str:
    where = kwargs.get("column") or kwargs.get("column_list") or [kwargs.get("column_A"), kwargs.get("column_B")]
    words = rule.removeprefix("expect_").replace("_", " ")
    text = f"{where}: {words}"
    if "value_set" in kwargs and isinstance(kwargs["value_set"], list) and len(kwargs["value_set"]) <= 15:
        text += f" {kwargs['value_set']}"
    if "regex" in kwargs:
        text += f" /{kwargs['regex']}/"
    return f"{text} — {notes}" if notes else text


def _summarise(result: dict) -> dict:
    """The validation result without row values (they can be personal data): counts and indexes only."""
    for res in result.get("results", []):
        details = res.get("result", {})
        for key in ("partial_unexpected_list", "unexpected_list", "partial_unexpected_counts",
                    "partial_unexpected_index_list", "unexpected_index_query", "observed_value"):
            details.pop(key, None)
        if "unexpected_index_list" in details:
            details["unexpected_index_list"] = _rows(details["unexpected_index_list"])[:1000]
    return result


def split_key(suite_name: str) -> str | None:
    """A column every uniqueness expectation of the suite includes (the first such, in the first
    expectation's order): rows equal on it meet in one partition, so uniqueness is checked exactly.
    None when the suite has no uniqueness expectation or they share no column (validate whole)."""
    keys = []
    for exp in load_suite(suite_name)["expectations"]:
        if exp["type"] == "expect_column_values_to_be_unique":
            keys.append([exp["kwargs"]["column"]])
        elif exp["type"] == "expect_compound_columns_to_be_unique":
            keys.append(list(exp["kwargs"]["column_list"]))
    if not keys:
        return None
    common = [c for c in keys[0] if all(c in k for k in keys[1:])]
    return common[0] if common else None
