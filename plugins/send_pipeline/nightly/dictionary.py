"""The data dictionary: one source of truth, the dbt models' YAML (dbt/models/marts/schema.yml; the
marts Python builds in built_outside_dbt.yml; shared descriptions as dbt doc blocks in shared.md), for
every mart column. It is loaded into the warehouse as `marts.data_dictionary` at every build, rendered on
demand as docs/data_dictionary.md (`python -m send_pipeline.nightly.dictionary`; the file is not
committed), and a test checks that it matches the marts' real columns exactly.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from send_pipeline.kernel.settings import DBT_DIR, PROJECT_ROOT

MARTS_YAML = (DBT_DIR / "models" / "marts" / "schema.yml", DBT_DIR / "models" / "marts" / "built_outside_dbt.yml")
DOC_BLOCKS = DBT_DIR / "models" / "marts" / "shared.md"
DOC = PROJECT_ROOT / "docs" / "data_dictionary.md"


LA_CODE = ("The LA the row belongs to (3-digit DfE LA number, SEND_LA_CODE), added to every staging and mart table "
           "so that marts pooled across a consortium's LAs (schema `consortium`) stay distinguishable.")


def _described(entry: dict, docs: dict) -> str:
    """An entry's description with dbt's {{ doc('name') }} blocks filled in."""
    return re.sub(r"\{\{\s*doc\('(\w+)'\)\s*\}\}", lambda m: docs[m.group(1)], entry.get("description", "")).strip()


def load() -> dict:
    """{"marts": {name: {description, grain, columns: {column: description}}}} from the dbt YAML."""
    import yaml

    docs = dict(re.findall(r"\{%\s*docs\s+(\w+)\s*%\}(.*?)\{%\s*enddocs\s*%\}", DOC_BLOCKS.read_text(), re.S))
    docs = {name: text.strip() for name, text in docs.items()}
    marts = {}
    for path in MARTS_YAML:
        spec = yaml.safe_load(path.read_text())
        tables = spec.get("models") or [t for source in spec.get("sources", []) for t in source["tables"]]
        for table in tables:
            marts[table["name"]] = {"description": _described(table, docs), "grain": table["meta"]["grain"],
                                    "columns": {c["name"]: _described(c, docs) for c in table["columns"]}}
    for name, table in marts.items():  # every built mart carries la_code (pipeline.build_marts adds it)
        if name != "data_dictionary":
            table["columns"].setdefault("la_code", LA_CODE)
    return {"marts": marts}


def rows() -> pd.DataFrame:
    out = []
    for table, spec in load()["marts"].items():
        for column, description in spec["columns"].items():
            out.append({"table_name": f"marts.{table}", "column_name": column, "description": description.strip(),
                        "table_grain": spec["grain"].strip(), "table_description": spec["description"].strip()})
    return pd.DataFrame(out, columns=["table_name", "column_name", "description", "table_grain", "table_description"])


def load_dictionary_table(wh, conn) -> None:
    conn.exec_driver_sql("DROP TABLE IF EXISTS marts.data_dictionary")
    conn.exec_driver_sql("CREATE TABLE marts.data_dictionary (table_name VARCHAR, column_name VARCHAR, "
                         "description VARCHAR, table_grain VARCHAR, table_description VARCHAR)")
    wh.insert_frame(conn, "marts.data_dictionary", rows())


def markdown() -> str:
    lines = ["# Data dictionary: the `marts` schema", "",
             "Generated from the dbt models' YAML (`dbt/models/marts/schema.yml`) by `python -m send_pipeline.nightly.dictionary`; "
             "also in the warehouse as `marts.data_dictionary`. Every mart is pseudonymised: people appear "
             "only as `person_key` (a keyed hash), officers as `officer_key`. Statuses and snapshots are as at "
             "the run's as-at date (`as_at`).", ""]
    for table, spec in load()["marts"].items():
        lines += [f"## `marts.{table}`", "", spec["description"].strip(), "", f"**One row per:** {spec['grain'].strip()}", "",
                  "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {d.strip()} |" for c, d in spec["columns"].items()]
        lines.append("")
    return "\n".join(lines)


def write_markdown(path: Path = DOC) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown())
    return path


if __name__ == "__main__":
    print(write_markdown())
