"""Read a SEN2 XML file (ours, or one downloaded from COLLECT) back into tables, one per module.

The tables have the canonical shape (scope.py): XML element names as columns, text values, and the keys
`person_seq` / `request_seq` in document order, so the same business rules and figures run on a file
as on the return we built, and the file can be reconciled against the warehouse.

Parsing is safe: no entity resolution, no network, no DTD loading, no huge trees; a document with a
DOCTYPE (where XXE and "billion laughs" entities live) is rejected outright: SEN2 files have none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from pathlib import Path

from lxml import etree

from .structure import Structure, load

if TYPE_CHECKING:  # pandas is imported where tables are built: the XSD-only child process stays light
    import pandas as pd

SAFE = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class UnsafeXML(ValueError):
    """The file carries a DOCTYPE / entity declarations, or is not well-formed XML."""


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(**SAFE)


def check_no_doctype(tree_or_el) -> None:
    tree = tree_or_el.getroottree() if hasattr(tree_or_el, "getroottree") else tree_or_el
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXML("the file declares a DOCTYPE (entity declarations are not allowed in a SEN2 file): rejected")


@dataclass
class Sen2File:
    year: int | None
    header: dict
    tables: dict[str, pd.DataFrame]
    unknown_elements: dict[str, int] = field(default_factory=dict)
    xsd_checked: bool = False
    xsd_errors: list[dict] = field(default_factory=list)  # line, path, message, person_seq, request_index

    def counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}


def _header(el) -> dict:
    return {child.tag: (child.text or "").strip() or None for child in el.iter() if len(child) == 0 and child is not el}


def peek_header(path: Path | str) -> dict:
    """The header only (stops at </Header>), rejecting unsafe files."""
    try:
        for event, el in etree.iterparse(str(path), events=("start", "end"), tag=("Message", "Header"), **SAFE):
            check_no_doctype(el)
            if event == "end" and el.tag == "Header":
                return _header(el)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXML(f"not a well-formed (or safe) XML file: {exc}") from None
    return {}


def read(path: Path | str, year: int | None = None, validate: bool = False,
         structure: Structure | None = None) -> Sen2File:
    """Parse `path` into a Sen2File; the structure is `structure`, else that of `year`, else of the header's Year.

    With `validate`, the year's XSD is checked in the same streaming pass; when the file breaks the
    schema it is parsed again whole, to locate every error (line, path, person).
    """
    path = str(path)
    header = peek_header(path)
    structure = structure or load(year or _year_of(header))
    schema = None
    if validate:
        from .xsd import schema as xsd_schema

        schema = xsd_schema(structure.year)
    collector = _Collector(structure)
    try:
        for _, el in etree.iterparse(path, events=("end",), tag="Person", schema=schema, **SAFE):
            collector.person(el)
            el.clear(keep_tail=False)
            parent = el.getparent()  # drop finished siblings now and then: memory stays flat
            if parent is not None and len(parent) > 256:
                del parent[:-1]
    except etree.XMLSyntaxError as exc:
        if schema is None:
            raise UnsafeXML(f"not a well-formed (or safe) XML file: {exc}") from None
        return _read_whole(path, structure, header, schema)
    return Sen2File(structure.year, header, collector.frames(), dict(collector.unknown), schema is not None, [])


def read_chunks(path: Path | str, structure: Structure | None = None, people: int = 20_000,
                unknown: dict | None = None):
    """The file's canonical tables `people` persons at a time (a generator of {table: frame}), so a
    caller that writes each chunk away holds one chunk, never the whole return. `person_seq` and
    `request_seq` run on across chunks; no person is split between chunks. Unsafe files: UnsafeXML."""
    path = str(path)
    header = peek_header(path)
    structure = structure or load(_year_of(header))
    collector = _Collector(structure)
    try:
        for _, el in etree.iterparse(path, events=("end",), tag="Person", **SAFE):
            collector.person(el)
            el.clear(keep_tail=False)
            parent = el.getparent()
            if parent is not None and len(parent) > 256:
                del parent[:-1]
            if len(collector.rows[collector.person_node.table]) >= people:
                if unknown is not None:
                    unknown.update(collector.unknown)
                yield collector.frames()
                collector.rows = {name: [] for name in collector.tables}
    except etree.XMLSyntaxError as exc:
        raise UnsafeXML(f"not a well-formed (or safe) XML file: {exc}") from None
    if unknown is not None:
        unknown.update(collector.unknown)
    yield collector.frames()


def xsd_errors(path: Path | str, year: int) -> list[dict]:
    """Check the file against the year's XSD in one streaming pass; when it fails, parse it whole to
    locate every error (line, path, person). An empty list means the file is valid."""
    from .xsd import schema as xsd_schema

    schema = xsd_schema(year)
    peek_header(path)  # rejects DOCTYPE / entities before anything else
    try:
        for _, el in etree.iterparse(str(path), events=("end",), tag="Person", schema=schema, **SAFE):
            el.clear(keep_tail=False)
            parent = el.getparent()
            if parent is not None and len(parent) > 256:
                del parent[:-1]
    except etree.XMLSyntaxError:
        return _located_errors(_parse_whole(str(path)), schema)
    return []


def _parse_whole(path: str):
    """The whole document with the safe parser (after a streaming pass failed): malformed → UnsafeXML."""
    try:
        tree = etree.parse(path, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXML(f"not a well-formed (or safe) XML file: {exc}") from None
    check_no_doctype(tree)
    return tree


def _located_errors(tree, schema) -> list[dict]:
    schema.validate(tree)
    errors = []
    for e in schema.error_log:
        p = e.path or ""
        m, r = _PERSON.search(p), _REQUEST.search(p)
        errors.append({"line": e.line, "path": p, "message": e.message,
                       "person_seq": (int(m.group(1) or 1) if m else None),
                       "request_index": (int(r.group(1) or 1) if r else None)})
    return errors


_PERSON = re.compile(r"/Person(?:\[(\d+)\])?(?=/|$)")
_REQUEST = re.compile(r"/Requests(?:\[(\d+)\])?(?=/|$)")


def _read_whole(path: str, structure: Structure, header: dict, schema) -> Sen2File:
    tree = _parse_whole(path)
    errors = _located_errors(tree, schema)
    collector = _Collector(structure)
    for el in tree.iter("Person"):
        collector.person(el)
    return Sen2File(structure.year, header, collector.frames(), dict(collector.unknown), True, errors)


def _year_of(header: dict) -> int:
    try:
        return int(header.get("Year") or 0) or _latest_year()
    except ValueError:
        return _latest_year()


def _latest_year() -> int:
    from .calendar import SEN2_DIR

    years = sorted(int(p.stem.removeprefix("structure_")) for p in SEN2_DIR.glob("structure_*.json"))
    return years[-1]


class _Collector:
    def __init__(self, structure: Structure):
        self.structure = structure
        self.tables = structure.tables()
        self.rows: dict[str, list[dict]] = {name: [] for name in self.tables}
        self.person_node = structure.stream_node()
        self.person_seq = 0
        self.request_seq = 0
        self.unknown: dict[str, int] = {}
        # per table: its leaf names, and its child groups by element name
        self._leaves = {name: frozenset(node.leaves) for name, node in self.tables.items()}
        self._group_tables = {name: {c.name: c.table for c in node.children if not c.is_leaf}
                              for name, node in self.tables.items()}

    def person(self, el) -> None:
        """One Person subtree, walked once in document order (lxml's C iterator, no recursion)."""
        self.person_seq += 1
        person_row = {"person_seq": self.person_seq}
        open_rows = {el: (self.person_node.table, person_row)}
        request_seq = None
        group_tables, leaves, rows = self._group_tables, self._leaves, self.rows
        for child in el.iterdescendants(tag=etree.Element):
            parent = child.getparent()
            owner = open_rows.get(parent)
            if owner is None:  # inside an element we do not know
                continue
            table, row = owner
            tag = child.tag
            if tag in leaves[table]:
                text = child.text
                if text is not None:
                    text = text.strip() or None
                row[tag] = text
                continue
            sub = group_tables[table].get(tag)
            if sub is None:
                path = f"{parent.tag}/{tag}"
                self.unknown[path] = self.unknown.get(path, 0) + 1
                continue
            if sub == "requests":
                self.request_seq += 1
                request_seq = self.request_seq
            new = {"person_seq": self.person_seq, "request_seq": request_seq}
            rows[sub].append(new)
            open_rows[child] = (sub, new)
        rows[self.person_node.table].append(person_row)

    def frames(self) -> dict[str, pd.DataFrame]:
        import pandas as pd

        out = {}
        for name, node in self.tables.items():
            rows = self.rows[name]
            keys = ["person_seq"] if name == "person" else ["person_seq", "request_seq"]
            data = {k: pd.array([r[k] for r in rows], dtype="Int64") for k in keys}
            for leaf in node.leaves:
                data[leaf] = pd.Series([r.get(leaf) for r in rows], dtype=object)
            out[name] = _document_order(name, pd.DataFrame(data))
        return out


def _document_order(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Children are appended after their parent's row is finished: restore document order."""
    if name in ("person", "requests"):
        return frame.reset_index(drop=True)
    return frame.sort_values("request_seq", kind="stable").reset_index(drop=True)


def _main(argv: list[str]) -> int:
    """python -m send_pipeline.sen2.reader --xsd FILE YEAR: the XSD errors as JSON (exit 3 = unsafe XML)."""
    import json
    import sys

    if len(argv) != 3 or argv[0] != "--xsd":
        print("usage: python -m send_pipeline.sen2.reader --xsd FILE YEAR", file=sys.stderr)
        return 2
    try:
        errors = xsd_errors(argv[1], int(argv[2]))
    except UnsafeXML as exc:
        print(f"UnsafeXML: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(errors))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
