"""The DfE children's services statistical neighbour list, in the DfE EHC plan release's LA names.

The list (include/reference/children_services_statistical_neighbours.csv, OGL) is wide: its first row
names every LA, the ten rows below are that LA's neighbours, closest first. Four names are spelt
differently from the release; include/reference/statistical_neighbour_names.csv maps them.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from .catalogue import REFERENCE

LIST = REFERENCE / "children_services_statistical_neighbours.csv"
NAME_MAP = REFERENCE / "statistical_neighbour_names.csv"
NEIGHBOURS = 10


def name_map(path: Path = NAME_MAP) -> dict[str, str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["sn_list_name"].strip(): row["dfe_la_name"].strip() for row in csv.DictReader(handle)}


def read_list(path: Path = LIST) -> pd.DataFrame:
    """One row per LA and neighbour as the list spells them: la_name, neighbour_rank (1 closest), neighbour_name."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:] if any(cell.strip() for cell in r)]
    if len(body) != NEIGHBOURS:
        raise ValueError(f"{path.name}: expected {NEIGHBOURS} neighbour rows under the LA names, found {len(body)}")
    out = []
    for col, la in enumerate(header):
        for rank, row in enumerate(body, start=1):
            name = row[col].strip() if col < len(row) else ""
            if not name:
                raise ValueError(f"{path.name}: {la} has no neighbour number {rank}")
            out.append({"la_name": la, "neighbour_rank": rank, "neighbour_name": name})
    return pd.DataFrame(out)


def neighbours(path: Path = LIST, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The list in the DfE release's names: la_name, neighbour_rank, neighbour_la_name."""
    names = name_map() if names is None else names
    frame = read_list(path)
    return pd.DataFrame({
        "la_name": frame["la_name"].map(lambda n: names.get(n, n)),
        "neighbour_rank": frame["neighbour_rank"].astype("int64"),
        "neighbour_la_name": frame["neighbour_name"].map(lambda n: names.get(n, n)),
    })


def unmatched(release_names: set[str], frame: pd.DataFrame | None = None) -> list[str]:
    """Names on the (mapped) list that the release does not have: each would silently lose a comparator."""
    frame = neighbours() if frame is None else frame
    listed = set(frame["la_name"]) | set(frame["neighbour_la_name"])
    return sorted(listed - release_names)
