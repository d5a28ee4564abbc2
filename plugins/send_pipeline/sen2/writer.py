"""Write a SEN2 XML file from the canonical tables, element by element as the year's structure says.

Element names, order and nesting come from the year's structure (include/sen2/structure_<year>.json).
Each record's markup is built column-wise (vectorised over all records of a module, text escaped), the
records are nested by their keys, and the file is streamed with `lxml.etree.xmlfile`: the header, then
`Person` elements in batches, each batch parsed back by lxml (so the markup is proven well-formed) and
written out, one Person per line, so the output never exists as one document tree in memory (the
records' markup is held as strings, about the size of the file, like the tables it comes from).
UTF-8; optional elements with no value are omitted. The file holds personal data: written owner-only
(0600) under a temporary name, then renamed.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from ..kernel.files import OWNER_FILE, owner_only_dir
from .structure import Node, Structure

BATCH = 2000  # Person elements parsed and written at a time
STRING = "string[pyarrow]"


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _arrow(col: pd.Series) -> pa.Array:
    """Values as an Arrow string array (None/NaN/blank → null)."""
    if isinstance(col.dtype, pd.StringDtype):
        arr = pa.array(col.astype(STRING).array).cast(pa.string())
    else:
        arr = pa.array([v if v.__class__ is str else (None if _missing(v) else str(v)) for v in col.tolist()],
                       type=pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _escaped(arr: pa.Array) -> pa.Array:
    """XML text: & < > escaped, and CR kept as a character reference (a literal CR would become LF)."""
    if pc.any(pc.match_substring_regex(arr, "[&<>\r]")).as_py():
        for raw, esc in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
            arr = pc.replace_substring(arr, raw, esc)
    return arr


def _own_key(node: Node) -> str:
    return "person_seq" if node.table == "person" else "request_seq"


def fragments(node: Node, tables: dict[str, pd.DataFrame]) -> pa.Array:
    """The markup of every record of `node`'s table (one string per row, document order)."""
    frame = tables[node.table].reset_index(drop=True)
    n = len(frame)
    pieces: list = [pa.scalar(f"<{node.name}>")]
    for child in node.children:
        if child.is_leaf:
            if child.name in frame.columns:
                text = _escaped(_arrow(frame[child.name]))
                # null (omitted element) when the value is missing
                pieces.append(pc.binary_join_element_wise(f"<{child.name}>", text, f"</{child.name}>", ""))
        else:
            sub = fragments(child, tables)
            if len(sub):
                parent = np.asarray(tables[child.table][child.parent_key].to_numpy(dtype=np.int64))
                pieces.append(_nest(sub, parent, frame[_own_key(node)].to_numpy(dtype=np.int64)))
    pieces.append(pa.scalar(f"</{node.name}>"))
    if n == 0:
        return pa.array([], type=pa.string())
    return pc.binary_join_element_wise(*pieces, "", null_handling="replace", null_replacement="")


def _nest(children: pa.Array, parent: np.ndarray, keys: np.ndarray) -> pa.Array:
    """Each parent's children's markup, concatenated in document order (null when it has none)."""
    order = np.argsort(parent, kind="stable")
    if not (order == np.arange(len(order))).all():
        parent, children = parent[order], children.take(pa.array(order))
    starts = np.flatnonzero(np.r_[True, parent[1:] != parent[:-1]])
    offsets = pa.array(np.r_[starts, len(parent)].astype(np.int32))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, children), "")
    where = pc.index_in(pa.array(keys), value_set=pa.array(parent[starts]))
    return pc.take(joined, where)


def write(path: Path, structure: Structure, header: dict, tables: dict[str, pd.DataFrame]) -> Path:
    """Write the return to `path` (0600); returns the path."""
    path = Path(path)
    owner_only_dir(path.parent)
    stream = structure.stream_node()
    people = fragments(stream, tables).to_pylist()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_FILE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b'<?xml version="1.0" encoding="utf-8"?>\n')
            with etree.xmlfile(handle, encoding="utf-8") as xf:
                _write_node(xf, structure.root, header, stream, people, parser)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _write_node(xf, node: Node, header: dict, stream: Node, people: list[str], parser) -> None:
    """Containers down to the streamed group; the header is built as a subtree and written whole."""
    with xf.element(node.name):
        xf.write("\n")
        for child in node.children:
            if child is stream:
                for start in range(0, len(people), BATCH):
                    batch = etree.fromstring(("<_>" + "".join(people[start:start + BATCH]) + "</_>").encode("utf-8"), parser)
                    for el in batch:
                        el.tail = "\n"  # one Person per line: compact, and XSD errors point at the person
                        xf.write(el)
            elif child.table is None and any(n is stream for n in child.walk()):
                _write_node(xf, child, header, stream, people, parser)
                xf.write("\n")
            else:
                el = _build_static(child, header)
                el.tail = "\n"
                xf.write(el)


def _build_static(node: Node, values: dict) -> etree._Element:
    """A group fed by a dict (the header)."""
    el = etree.Element(node.name)
    for child in node.children:
        if child.is_leaf:
            v = values.get(child.name)
            if not _missing(v) and str(v) != "":
                etree.SubElement(el, child.name).text = str(v)
        else:
            el.append(_build_static(child, values))
    return el
