"""The data dictionary: one source of truth (include/sql/marts/dictionary.yml) for every mart column.

It is loaded into the warehouse as `marts.data_dictionary` at every build, rendered on demand as
docs/data_dictionary.md (`python -m send_pipeline.nightly.dictionary`; the file is not committed, so a
new mart touches only the yml), and a test checks that it matches the marts' real columns exactly.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from send_pipeline.kernel.settings import PROJECT_ROOT, SQL_DIR

DICTIONARY = SQL_DIR / "marts" / "dictionary.yml"
DOC = PROJECT_ROOT / "docs" / "data_dictionary.md"


LA_CODE = ("The LA the row belongs to (3-digit DfE LA number, SEND_LA_CODE), added to every staging and mart table "
           "so that marts pooled across a consortium's LAs (schema `consortium`) stay distinguishable.")


def load() -> dict:
    import yaml

    spec = yaml.safe_load(DICTIONARY.read_text()) if DICTIONARY.exists() else {"marts": {}}
    for name, table in spec["marts"].items():  # every built mart carries la_code (pipeline.build_marts adds it)
        if name != "data_dictionary":
            table["columns"].setdefault("la_code", LA_CODE)
    return spec


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
             "Generated from `include/sql/marts/dictionary.yml` by `python -m send_pipeline.nightly.dictionary`; "
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
