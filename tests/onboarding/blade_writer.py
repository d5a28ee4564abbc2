"""A tiny Blade CSV writer for the tests: the canonical tables of a SEN2 XML (sen2/reader.py) written
as COLLECT's nine-file export, dates as `2022-Sep-28 00:00:00`, lower-case column names, table ids."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from send_pipeline.onboarding.blade import MODULES, PARENT, TABLE_OF
from send_pipeline.sen2 import reader


def _blade(v: str | None, is_date: bool) -> str:
    if v is None:
        return ""
    return f"{date.fromisoformat(v):%Y-%b-%d} 00:00:00" if is_date else v


def write(xml: Path | str, out: Path, export_date: str = "28-01-2026", sex_column: str = "sex") -> dict[str, Path]:
    parsed = reader.read(xml)
    st = reader.load(parsed.year)
    nodes = st.tables()
    files = {}
    h = parsed.header
    header = {"sen2tableid": "S1", "collection": "SEN2", "year": str(parsed.year),
              "referencedate": _blade(h.get("ReferenceDate"), True), "lea": h.get("LEA") or ""}
    files["sen2"] = _csv(out, export_date, "sen2", [header])
    ids: dict[str, dict] = {}
    for module in MODULES[1:]:
        name = TABLE_OF[module]
        node = nodes[name]
        rows = []
        for i, r in enumerate(parsed.tables[name].to_dict("records")):
            row = {f"{module}tableid": f"{module[:2].upper()}{i + 1}"}
            parent = PARENT[module]
            if module == "person":
                row["sen2tableid"] = "S1"
                ids.setdefault("person", {})[r["person_seq"]] = row["persontableid"]
            else:
                if parent == "requests":
                    row["requeststableid"] = ids["requests"][r["request_seq"]]
                elif parent == "person":
                    row["persontableid"] = ids["person"][r["person_seq"]]
                else:  # namedplan → assessment, plandetail → namedplan, ... one per request above it
                    row[f"{parent}tableid"] = ids[parent][r["request_seq"]]
                ids.setdefault(module, {}).setdefault(r["request_seq"], row[f"{module}tableid"])
            row["NativeId"] = f"N{i}"
            for c in node.children:
                if c.is_leaf:
                    col = sex_column if c.name == "Sex" else c.name.lower()
                    v = r.get(c.name)
                    row[col] = _blade(None if v is None or v != v else v, c.type == "date")
            rows.append(row)
        files[module] = _csv(out, export_date, module, rows)
    return files


def _csv(out: Path, export_date: str, module: str, rows: list[dict]) -> Path:
    path = out / f"Blade-Export_{export_date}_{module}.csv"
    cols = list(dict.fromkeys(k for r in rows for k in r)) or [f"{module}tableid"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(rows)
    return path
