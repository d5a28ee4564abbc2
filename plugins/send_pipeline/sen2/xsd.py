"""The XSD of a collection year: generated from its structure JSON, kept in include/sen2/xsd/, checked with lxml.

The XSD is the first validation layer: types, code sets, patterns, element order and cardinality.
Business rules that need more than one element (dates in order, co-requirements, identifiers' check
characters) are the second layer (rules.py).

Regenerate after editing a structure file:  python -m send_pipeline.sen2.xsd 2026
"""
from __future__ import annotations

import sys
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from .calendar import SEN2_DIR
from .structure import Node, Structure, load

XS = "http://www.w3.org/2001/XMLSchema"
BASES = {"string": "xs:string", "date": "xs:date", "dateTime": "xs:dateTime", "gYear": "xs:gYear"}


def xsd_path(year: int):
    return SEN2_DIR / "xsd" / f"SEN2_{int(year)}.xsd"


def _type_name(name: str) -> str:
    return f"{name}_type"


def _complex_name(node: Node) -> str:
    return f"{node.name}_group"


def render(structure: Structure) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<!-- SEN2 {structure.year}: generated from include/sen2/structure_{structure.year}.json by "
           "send_pipeline.sen2.xsd; edit the JSON and regenerate. -->"]
    for note in structure.raw.get("notes", []):
        out.append(f"<!-- {escape(note).replace('--', '- -')} -->")
    out.append(f'<xs:schema xmlns:xs="{XS}" elementFormDefault="qualified">')
    root = structure.root
    out.append(f'  <xs:element name="{root.name}" type="{_complex_name(root)}"/>')
    for node in root.walk():
        if node.is_leaf:
            continue
        out.append(f'  <xs:complexType name="{_complex_name(node)}">')
        out.append("    <xs:sequence>")
        for child in node.children:
            mx = "unbounded" if child.max is None else str(child.max)
            typ = _type_name(child.type) if child.is_leaf else _complex_name(child)
            out.append(f'      <xs:element name="{child.name}" type="{typ}" minOccurs="{child.min}" maxOccurs="{mx}"/>')
        out.append("    </xs:sequence>")
        out.append("  </xs:complexType>")
    for name, spec in structure.types.items():
        out.append(f'  <xs:simpleType name="{_type_name(name)}">')
        if spec.get("doc"):
            out.append(f"    <xs:annotation><xs:documentation>{escape(spec['doc'])}</xs:documentation></xs:annotation>")
        out.append(f'    <xs:restriction base="{BASES[spec["base"]]}">')
        if "minLength" in spec:
            out.append(f'      <xs:minLength value="{int(spec["minLength"])}"/>')
        if "pattern" in spec:
            out.append(f"      <xs:pattern value={quoteattr(spec['pattern'])}/>")
        for code, meaning in structure.code_sets.get(spec.get("codes", ""), {}).items():
            out.append(f"      <xs:enumeration value={quoteattr(code)}><xs:annotation><xs:documentation>"
                       f"{escape(meaning)}</xs:documentation></xs:annotation></xs:enumeration>")
        out.append("    </xs:restriction>")
        out.append("  </xs:simpleType>")
    out.append("</xs:schema>")
    return "\n".join(out) + "\n"


@lru_cache(maxsize=8)
def schema(year: int):
    """The lxml XMLSchema of a year, read from the repository's XSD file."""
    from lxml import etree

    path = xsd_path(year)
    if not path.exists():
        raise ValueError(f"no XSD for {year}: run `python -m send_pipeline.sen2.xsd {year}` after adding its structure file")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def write(year: int) -> str:
    path = xsd_path(year)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(load(year)), encoding="utf-8")
    return str(path)


if __name__ == "__main__":  # pragma: no cover - maintenance tool
    for arg in sys.argv[1:] or ["2025", "2026"]:
        print(write(int(arg)))
