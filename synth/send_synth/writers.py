"""Writers for the source files: SQLite, Windows-1252 CSV, deterministic xlsx; owner-only permissions."""
from __future__ import annotations

import io
import os
import sqlite3
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd

FILE_MODE = 0o600
DIR_MODE = 0o700

CMS_DDL = {
    "cms_person": """CREATE TABLE cms_person (
        person_id INTEGER PRIMARY KEY, upn TEXT, uln TEXT, upn_unknown_reason TEXT, forename TEXT, surname TEXT,
        dob TEXT, sex TEXT, ethnicity TEXT, postcode TEXT, updated_at TEXT)""",
    "cms_request": """CREATE TABLE cms_request (
        request_id INTEGER PRIMARY KEY, person_id INTEGER, received_date TEXT, request_source INTEGER, rya INTEGER,
        decision TEXT, decision_date TEXT, exported_to_la TEXT, mediation INTEGER, tribunal INTEGER, updated_at TEXT)""",
    "cms_assessment": """CREATE TABLE cms_assessment (
        assessment_id INTEGER PRIMARY KEY, request_id INTEGER, outcome TEXT, outcome_date TEXT, draft_plan_date TEXT,
        week20_exception INTEGER, exception_reason TEXT, mediation INTEGER, tribunal INTEGER, other_mediation INTEGER,
        other_tribunal INTEGER, updated_at TEXT)""",
    "cms_plan": """CREATE TABLE cms_plan (
        plan_id INTEGER PRIMARY KEY, person_id INTEGER, assessment_id INTEGER, start_date TEXT,
        transferred_from_la TEXT, transfer_in_date TEXT, cease_date TEXT, cease_reason INTEGER,
        personal_budget INTEGER, organised_arrangements INTEGER, direct_payments TEXT, residential TEXT,
        work_based TEXT, updated_at TEXT)""",
    "cms_plan_coordinator": """CREATE TABLE cms_plan_coordinator (
        plan_id INTEGER, officer_id INTEGER, from_date TEXT, to_date TEXT)""",
    "cms_officer": """CREATE TABLE cms_officer (
        officer_id INTEGER PRIMARY KEY, name TEXT, role TEXT, grade TEXT, fte REAL, start_date TEXT, end_date TEXT,
        is_agency INTEGER)""",
    "cms_placement": """CREATE TABLE cms_placement (
        placement_id INTEGER PRIMARY KEY, plan_id INTEGER, urn INTEGER, ukprn INTEGER, setting_code TEXT,
        setting_other TEXT, placement_rank INTEGER, entry_date TEXT, leaving_date TEXT, sen_unit INTEGER,
        resourced_provision INTEGER, named_in_plan INTEGER, residential TEXT, work_based TEXT, updated_at TEXT)""",
    "cms_need": """CREATE TABLE cms_need (
        plan_id INTEGER, need_code TEXT, need_rank INTEGER, recorded_date TEXT)""",
    "cms_consultation": """CREATE TABLE cms_consultation (
        consultation_id INTEGER PRIMARY KEY, person_id INTEGER, urn INTEGER, sent_date TEXT, response TEXT,
        response_date TEXT, decision TEXT)""",
}
CMS_COLUMNS = {name: [line.strip().split()[0] for line in ddl.split("(", 1)[1].rsplit(")", 1)[0].split(",")]
               for name, ddl in CMS_DDL.items()}
CMS_INDEXES = [
    "CREATE INDEX ix_request_person ON cms_request(person_id)",
    "CREATE INDEX ix_assessment_request ON cms_assessment(request_id)",
    "CREATE INDEX ix_plan_person ON cms_plan(person_id)",
    "CREATE INDEX ix_placement_plan ON cms_placement(plan_id)",
    "CREATE INDEX ix_need_plan ON cms_need(plan_id)",
    "CREATE INDEX ix_coord_plan ON cms_plan_coordinator(plan_id)",
]


def secure_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)


def secure_file(path: Path) -> None:
    os.chmod(path, FILE_MODE)


def _py(values) -> list:
    """Column values as Python scalars, None for missing."""
    s = pd.Series(values)
    if s.dtype.kind in "iub" or (s.dtype.kind == "f" and not s.isna().any()):
        return s.to_numpy().tolist()
    out = s.astype(object).where(s.notna(), None).tolist()
    return [v.item() if hasattr(v, "item") else v for v in out]


def write_sqlite(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    tmp = path.with_suffix(".db.tmp")
    for p in (tmp, path):
        if p.exists():
            p.unlink()
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_EXCL, FILE_MODE)
    os.close(fd)
    con = sqlite3.connect(tmp)
    try:
        for name, ddl in CMS_DDL.items():
            con.execute(ddl)
            df = tables[name]
            cols = CMS_COLUMNS[name]
            data = list(zip(*[_py(df[c].to_numpy()) for c in cols])) if len(df) else []
            con.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", data)
        for ix in CMS_INDEXES:
            con.execute(ix)
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)
    secure_file(path)


def write_csv(path: Path, df: pd.DataFrame, encoding: str = "cp1252") -> None:
    text = df.to_csv(index=False, lineterminator="\r\n")
    data = text.encode(encoding)
    _write_bytes(path, data)


def _write_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    secure_file(path)


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = _XML_HEAD + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>')
_ROOT_RELS = _XML_HEAD + (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    '</Relationships>')
_WB_RELS = _XML_HEAD + (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    '</Relationships>')
_STYLES = _XML_HEAD + (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_EPOCH = date(1899, 12, 30)


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _esc(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list], fixed: datetime,
               widths: dict[int, float] | None = None, creator: str = "SEND Statutory Team") -> None:
    """A one-sheet workbook; date values become real Excel dates (dd/mm/yyyy). Same input, same bytes.

    Written directly as SpreadsheetML (inline strings) because openpyxl is too slow for large trackers.
    """
    ncol = len(header)
    letters = [_col(i) for i in range(ncol)]
    parts = [_XML_HEAD, '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
             f'<dimension ref="A1:{letters[-1]}{len(rows) + 1}"/>',
             '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
             'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>']
    if widths:
        parts.append("<cols>" + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                                        for i, w in sorted(widths.items())) + "</cols>")
    parts.append("<sheetData>")
    parts.append('<row r="1">' + "".join(f'<c r="{letters[j]}1" s="2" t="inlineStr"><is><t>{_esc(h)}</t></is></c>'
                                         for j, h in enumerate(header)) + "</row>")
    for r, row in enumerate(rows, start=2):
        cells = []
        for j, v in enumerate(row):
            if v is None or (isinstance(v, str) and v == "") or (isinstance(v, float) and v != v):
                continue
            ref = f"{letters[j]}{r}"
            if isinstance(v, str):
                sp = ' xml:space="preserve"' if v != v.strip() else ""
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t{sp}>{_esc(v)}</t></is></c>')
            elif isinstance(v, datetime):
                serial = (v - datetime(1899, 12, 30)).total_seconds() / 86400
                cells.append(f'<c r="{ref}" s="1"><v>{serial:g}</v></c>')
            elif isinstance(v, date):
                cells.append(f'<c r="{ref}" s="1"><v>{(v - _EPOCH).days}</v></c>')
            elif isinstance(v, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
        parts.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    parts.append("</sheetData>")
    parts.append(f'<autoFilter ref="A1:{letters[-1]}{len(rows) + 1}"/>')
    parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    sheet_xml = "".join(parts)
    stamp_iso = fixed.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = _XML_HEAD + (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:creator>{_esc(creator)}</dc:creator><cp:lastModifiedBy>{_esc(creator)}</cp:lastModifiedBy>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp_iso}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp_iso}</dcterms:modified></cp:coreProperties>')
    app = _XML_HEAD + (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<Application>Microsoft Excel</Application></Properties>')
    workbook = _XML_HEAD + (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_esc(sheet)}" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"{_esc(sheet)}!$A$1:${letters[-1]}${len(rows) + 1}</definedName></definedNames></workbook>")
    members = [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS), ("docProps/app.xml", app),
               ("docProps/core.xml", core), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", _WB_RELS),
               ("xl/styles.xml", _STYLES), ("xl/worksheets/sheet1.xml", sheet_xml)]
    out = io.BytesIO()
    zstamp = (fixed.year, fixed.month, fixed.day, fixed.hour, fixed.minute, fixed.second)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members:
            zi = zipfile.ZipInfo(name, date_time=zstamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            z.writestr(zi, text.encode("utf-8"))
    _write_bytes(path, out.getvalue())
