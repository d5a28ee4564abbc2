"""Read the COLLECT "Blade" CSV export of a SEN2 return into the same entity tables as the XML.

The export is nine files, `Blade-Export_<dd-mm-yyyy>_<module>.csv` (module: sen2, person, requests,
assessment, namedplan, plandetail, activeplans, placementdetail, senneed), linked by `<module>tableid`
columns (MastodonC witan.sen2, blade_export/csv.clj): person → sen2; requests → person; assessment and
activeplans → requests; namedplan → assessment; plandetail → namedplan; placementdetail and senneed →
activeplans. Column names are the XML element names in lower case (`personbirthdate`, `upnunknown`,
`receiveddate`, `week20`, `ceasereason`, ...); the person's sex is `gendercurrent` in some years and `sex`
in others; dates are written `2022-Sep-28 00:00:00`; flags may be 0/1 or true/false. Extra columns
(NativeId, sourceid, *orderseqcolumn, attendancepattern, ...) are ignored, missing optional ones are NULL.

The files are read into the canonical SEN2 tables (sen2/scope.py's shape, as sen2/reader.py gives for
the XML, with the year's structure from returns.structure_for) and turned into entities by
returns.to_entities: one mapping for both forms. Rows carry origin `blade_csv`, return_file
`Blade-Export_<date>_*.csv` and return_sha256 over the nine files in module order.
"""
from __future__ import annotations

import csv
import hashlib
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from .returns import structure_for, to_entities

MODULES = ["sen2", "person", "requests", "assessment", "namedplan", "plandetail", "activeplans",
           "placementdetail", "senneed"]
TABLE_OF = {"person": "person", "requests": "requests", "assessment": "assessment", "namedplan": "named_plan",
            "plandetail": "plan_detail", "activeplans": "active_plans", "placementdetail": "placement_detail",
            "senneed": "sen_need"}
PARENT = {"person": "sen2", "requests": "person", "assessment": "requests", "activeplans": "requests",
          "namedplan": "assessment", "plandetail": "namedplan", "placementdetail": "activeplans",
          "senneed": "activeplans"}
NAME = re.compile(r"^Blade-Export_(\d{2}-\d{2}-\d{4})_([a-z0-9]+)\.csv$", re.IGNORECASE)
_BLADE_DATE = re.compile(r"^(\d{4})-([A-Za-z]{3})-(\d{1,2})(?: \d{2}:\d{2}:\d{2})?$")
FLAGS = {"true": "1", "false": "0"}  # flag items only (RYA, Week20, PB, ...): codes and text stay as written


class BladeError(ValueError):
    """The export is incomplete or not a Blade export (the message names the file and what is wrong)."""


def find_exports(folder: Path | str) -> dict[str, dict[str, Path]]:
    """Blade exports in `folder`: export date (dd-mm-yyyy) → module → file."""
    out: dict[str, dict[str, Path]] = {}
    for p in sorted(Path(folder).iterdir()):
        m = NAME.match(p.name)
        if m and m.group(2).lower() in MODULES:
            out.setdefault(m.group(1), {})[m.group(2).lower()] = p
    return out


def blade_date(text: str | None) -> str | None:
    """`2022-Sep-28 00:00:00` (or an ISO date) → `2022-09-28`; anything else is kept as written, for
    validation to quarantine."""
    if text is None or not text.strip():
        return None
    t = text.strip()
    m = _BLADE_DATE.match(t)
    if m:
        try:
            return datetime.strptime(f"{m.group(1)}-{m.group(2).title()}-{m.group(3)}", "%Y-%b-%d").date().isoformat()
        except ValueError:
            return t
    return t[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", t) else t


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [{(k or "").strip().lower(): (v.strip() if isinstance(v, str) and v.strip() else None)
                 for k, v in row.items()} for row in csv.DictReader(fh)]


def read_export(files: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """One export (module → file, as find_exports gives) → entity tables with their origin."""
    missing = [m for m in MODULES if m not in files]
    if missing:
        raise BladeError(f"Blade export incomplete: no {', '.join(missing)} file")
    raw = {m: _rows(files[m]) for m in MODULES}
    if not raw["sen2"]:
        raise BladeError(f"{files['sen2'].name}: no header row")
    head = raw["sen2"][0]
    year = int(head.get("year") or 0)
    structure = structure_for(year)
    for m in MODULES[1:]:
        need = f"{PARENT[m]}tableid"
        if raw[m] and need not in raw[m][0]:
            raise BladeError(f"{files[m].name}: no {need} column (the link to its parent)")
    tables = _canonical(raw, structure)
    digest = hashlib.sha256()
    for m in MODULES:
        digest.update(hashlib.sha256(files[m].read_bytes()).digest())
    provenance = {"origin": "blade_csv", "return_file": files["sen2"].name.replace("_sen2.csv", "_*.csv"),
                  "return_year": str(year), "return_reference_date": blade_date(head.get("referencedate")),
                  "return_sha256": digest.hexdigest()}
    return to_entities(tables, provenance)


def _canonical(raw: dict[str, list[dict]], structure) -> dict[str, pd.DataFrame]:
    nodes = structure.tables()
    date_leaves = {(t, c.name) for t, n in nodes.items() for c in n.children if c.is_leaf and c.type == "date"}
    flag_leaves = {(t, c.name) for t, n in nodes.items() for c in n.children if c.is_leaf and c.type == "flag"}
    person_seq = {r["persontableid"]: i + 1 for i, r in enumerate(raw["person"])}
    request_of: dict[str, dict[str, int]] = {"requests": {}}
    request_person: dict[int, int] = {}
    for i, r in enumerate(raw["requests"]):
        request_of["requests"][r["requeststableid"]] = i + 1
        request_person[i + 1] = person_seq.get(r.get("persontableid"))
    out = {}
    for module in MODULES[1:]:
        name = TABLE_OF[module]
        leaves = nodes[name].leaves
        parent = PARENT[module]
        rows = []
        for r in raw[module]:
            row = {}
            if module == "person":
                row["person_seq"] = person_seq[r["persontableid"]]
            else:
                # every record below a person belongs to one request: found through its parent's table id
                rs = request_of["requests"].get(r.get("requeststableid")) if module == "requests" else \
                    request_of.get(parent, {}).get(r.get(f"{parent}tableid"))
                if rs is None:
                    continue  # an orphan: its parent is not in the export
                row["person_seq"], row["request_seq"] = request_person.get(rs), rs
                request_of.setdefault(module, {})[r.get(f"{module}tableid")] = rs
            for leaf in leaves:
                v = r.get(leaf.lower())
                if v is None and leaf == "Sex" and "GenderCurrent" not in leaves:
                    v = r.get("gendercurrent")  # the years whose export calls the person's sex gendercurrent
                if v is not None and (name, leaf) in date_leaves:
                    v = blade_date(v)
                elif v is not None and (name, leaf) in flag_leaves:
                    v = FLAGS.get(v.lower(), v)
                row[leaf] = v
            rows.append(row)
        keys = ["person_seq"] if name == "person" else ["person_seq", "request_seq"]
        frame = pd.DataFrame(rows, columns=keys + leaves)
        out[name] = frame.astype(object).where(frame.notna(), None)
    return out
