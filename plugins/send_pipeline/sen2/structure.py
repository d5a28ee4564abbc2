"""The XML structure of one collection year, held as data in include/sen2/structure_<year>.json.

Element names, order, cardinality, types and code sets live in the JSON, so a new collection year is a
new file (copy the last one, apply the year's changes, regenerate the XSD with `python -m
send_pipeline.sen2.xsd <year>`), not a code change.

Each repeating group names the canonical table that feeds it (`table`) and the column joining it to
its parent (`parent_key`): person → requests (person_seq) → assessment / named_plan / plan_detail /
active_plans / placement_detail / sen_need (request_seq).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from .calendar import SEN2_DIR


@dataclass
class Node:
    name: str
    type: str | None = None          # leaves only
    min: int = 0
    max: int | None = 1               # None = unbounded
    table: str | None = None          # groups fed by a canonical table
    parent_key: str | None = None
    children: list["Node"] = field(default_factory=list)
    stream: bool = False

    @property
    def is_leaf(self) -> bool:
        return self.type is not None

    @property
    def leaves(self) -> list[str]:
        return [c.name for c in self.children if c.is_leaf]

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def _node(d: dict) -> Node:
    mx = d.get("max", 1)
    return Node(d["name"], d.get("type"), int(d.get("min", 0)), None if mx == "unbounded" else int(mx), d.get("table"),
                d.get("parent_key"), [_node(c) for c in d.get("children", [])], bool(d.get("stream", False)))


@dataclass
class Structure:
    year: int
    raw: dict
    root: Node

    @property
    def types(self) -> dict:
        return self.raw["types"]

    @property
    def code_sets(self) -> dict[str, dict[str, str]]:
        return self.raw["code_sets"]

    def codes(self, type_name: str) -> set[str]:
        t = self.types[type_name]
        return set(self.code_sets[t["codes"]]) if "codes" in t else set()

    @property
    def item_status(self) -> dict[str, str]:
        return self.raw.get("item_status", {})

    def mandatory(self, item: str) -> bool:
        return self.item_status.get(item, "mandatory") == "mandatory"

    def find(self, name: str) -> Node:
        for n in self.root.walk():
            if n.name == name:
                return n
        raise KeyError(name)

    def tables(self) -> dict[str, Node]:
        """Canonical table name → its group node, in document order."""
        return {n.table: n for n in self.root.walk() if n.table}

    def header(self) -> Node:
        return self.find("Header")

    def stream_node(self) -> Node:
        return next(n for n in self.root.walk() if n.stream)

    def leaf_type(self, table: str, leaf: str) -> str:
        node = self.tables()[table]
        return next(c.type for c in node.children if c.name == leaf)


def structure_path(year: int):
    return SEN2_DIR / f"structure_{int(year)}.json"


@lru_cache(maxsize=8)
def load(year: int) -> Structure:
    path = structure_path(year)
    if not path.exists():
        have = sorted(p.stem.removeprefix("structure_") for p in SEN2_DIR.glob("structure_*.json"))
        raise ValueError(f"no SEN2 structure for {year} (have {', '.join(have)}): add include/sen2/structure_{year}.json "
                         f"and include/sen2/xsd/SEN2_{year}.xsd for that year's technical specification")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if int(raw["collection_year"]) != int(year):
        raise ValueError(f"{path.name} says collection_year {raw['collection_year']}")
    return Structure(int(year), raw, _node(raw["message"]))
