"""The bad-input corpus: every source, each case with its class (`kind`: KINDS) and its expected
outcome (OUTCOMES); `python -m tests.corpus` prints the counts per class and outcome.

Every case ends either with rows quarantined (or warned) with a precise reason, or with the source
stopped by a SourceUnusable message saying what is wrong — never a bare traceback, never silent loss —
and rows in = loaded + quarantined holds whenever anything loads. A stopped source leaves its tables
exactly as they were.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import pytest

from tests.helpers import point_at

AS_AT = date(2026, 2, 1)
LEDGER_HEADER = ["Transaction ID", "Posting Date", "Financial Year", "Cost Centre", "Account Code",
                 "Account Description", "Supplier", "URN", "CMS ID", "Band", "Description", "Amount"]
TRACKER_HEADER = ["CMS ID", "Child Name", "School URN", "School", "Coordinator", "Review Type", "Review Due",
                  "Meeting Date", "Paperwork Received", "Decision Date", "Outcome", "Draft Amended Plan Issued",
                  "Final Amended Plan Issued", "Notes"]
TRICKY_NAME = 'O\'Brien & <Sons> "Zoë" 🙂 \u05e9\u05dc\u05d5\u05dd'  # quotes, &, <, emoji, right-to-left


@dataclass
class Base:
    la: Path
    work: Path
    person_ids: list[int]
    urn: int


@dataclass
class Case:
    id: str
    source: str
    mutate: Callable[[Path, Base], None]
    outcome: str  # stopped | refused | quarantined | warned | loaded (OUTCOMES)
    expect: str = ""  # substring of the stop message or of the quarantine/warning reason or column
    count: int | None = None  # rows quarantined/warned (None: at least one)
    loaded: int | None = None
    full_refresh: bool = field(default=False)
    env: dict = field(default_factory=dict)  # settings for this case only
    fault: Callable | None = None  # fault(monkeypatch): a failure of the machine, not the input (a full disk)
    kind: str = "bad input"  # the corpus class (KINDS); set from CLASSES below

    def __post_init__(self):
        assert self.outcome in OUTCOMES, self.outcome


OUTCOMES = {  # what a case ends in; every one keeps rows in = loaded + quarantined, and loses no good row
    "loaded": "every row loaded, nothing quarantined",
    "warned": "every row loaded, the named rows carry a quality warning",
    "quarantined": "the named rows quarantined with file, row and reason; the others loaded",
    "stopped": "the source stopped with a message naming file/table/column and what to do; tables as they were",
    "refused": "an inbox entry refused before anything was read (a message says why); tables as they were",
}
KINDS = {
    "bad input": "what a real export or a real officer produces: wrong encodings, types, dates, duplicates",
    "schema drift": "a source whose columns change type or empty: the share guard (SEND_MAX_LOSS_SHARE)",
    "fault": "the machine or the transport fails: a full disk, a refused connection, a damaged copy",
    "attack": "input crafted to mislead or exhaust: forged zip entries, links, huge fields and sheets",
    "deletion": "rows deleted or merged in the CMS, seen by the nightly key scan",
}


# --- builders ------------------------------------------------------------------------------------
def ledger_rows(base: Base, n=3, **overrides) -> list[dict]:
    rows = []
    for i in range(n):
        row = {"Transaction ID": f"BAD{i}", "Posting Date": "15/05/2024", "Financial Year": "2024/25",
               "Cost Centre": "SEND01", "Account Code": "5101",
               "Account Description": "High needs top-up \u2013 mainstream (banded funding)", "Supplier": "A School",
               "URN": str(base.urn), "CMS ID": str(base.person_ids[i]), "Band": "M2", "Description": "Top-up",
               "Amount": "\u00a31,484.67"}
        row.update({k: v for k, v in overrides.items() if k in LEDGER_HEADER})
        rows.append(row)
    return rows


def write_ledger(la: Path, rows, header=LEDGER_HEADER, encoding="cp1252", bom=False, name="finance_ledger_20990101.csv"):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    data = buf.getvalue().encode(encoding)
    (la / "inbox" / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def ledger(**kw):
    def mutate(la, base):
        rows = ledger_rows(base)
        for i, changes in kw.get("rows", {}).items():
            rows[i].update(changes)
        rows += kw.get("extra", [])
        if kw.get("repeat_first"):
            rows.append(dict(rows[0]))
        header = kw.get("header", LEDGER_HEADER)
        if "rename" in kw:
            header = [kw["rename"].get(h, h) for h in header]
            rows = [{kw["rename"].get(k, k): v for k, v in r.items()} for r in rows]
        write_ledger(la, rows, header=header, encoding=kw.get("encoding", "cp1252"), bom=kw.get("bom", False))
    return mutate


def ledger_bytes(byte: bytes = b"\x81", bom=False, lines=(0,), second_file=False):
    """A ledger whose description on the given data lines carries a byte undefined in cp1252 (and invalid
    UTF-8): 0x81, 0x8D, 0x8F, 0x90 or 0x9D."""
    def mutate(la, base):
        write_ledger(la, ledger_rows(base), encoding="utf-8" if bom else "cp1252", bom=bom)
        path = la / "inbox" / "finance_ledger_20990101.csv"
        out = path.read_bytes().split(b"\r\n")
        for i in lines:
            out[i + 1] = out[i + 1].replace(b"Top-up", b"Top" + byte + b"up")
        path.write_bytes(b"\r\n".join(out))
        if second_file:
            write_ledger(la, [{**r, "Transaction ID": f"OK{i}"} for i, r in enumerate(ledger_rows(base, 2))],
                         name="finance_ledger_20990102.csv")
    return mutate


def tracker_rows(base: Base, n=3) -> list[list]:
    return [[base.person_ids[i], "A Child", base.urn, "A School", "Ann Officer", "Annual", "01/10/2024",
             "10/10/2024", "20/10/2024", "01/11/2024", "Maintain", None, None, None] for i in range(n)]


def write_tracker(la: Path, rows, header=TRACKER_HEADER, sheet="Reviews", after=None):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    if header:
        ws.append(header)
    for row in rows:
        ws.append(row)
    if after:
        after(ws)
    book.save(la / "inbox" / "annual_reviews_2099-00.xlsx")


def tracker(changes=None, header=TRACKER_HEADER, sheet="Reviews", extra=None, after=None):
    def mutate(la, base):
        rows = tracker_rows(base)
        for (i, col), value in (changes or {}).items():
            rows[i][TRACKER_HEADER.index(col)] = value(base) if callable(value) else value
        write_tracker(la, rows + (extra(base) if extra else []), header=header, sheet=sheet, after=after)
    return mutate


def cms(sql: str | list[str]):
    def mutate(la, base):
        with sqlite3.connect(la / "cms.db") as db:
            for statement in [sql] if isinstance(sql, str) else sql:
                db.execute(statement.format(p=base.person_ids[0], urn=base.urn))
    return mutate


def gias(edit):
    def mutate(la, base):
        src = sorted((la / "inbox").glob("edubasealldata*.csv"))[-1]
        rows = list(csv.reader(io.StringIO(src.read_bytes().decode("cp1252"))))
        rows = edit(rows)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        (la / "inbox" / "edubasealldata20991231.csv").write_bytes(buf.getvalue().encode("cp1252"))
    return mutate


def banding(edit):
    def mutate(la, base):
        path = la / "inbox" / "banding_rates.csv"
        rows = list(csv.reader(io.StringIO(path.read_text())))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(edit(rows))
        path.write_text(buf.getvalue())
    return mutate


def raw_bytes(name: str, data: bytes):
    def mutate(la, base):
        (la / "inbox" / name).write_bytes(data)
    return mutate


def _zip_without(table: str):
    def mutate(la, base):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("data/caseload.csv", "time_period,time_identifier,geographic_level\n2024,Calendar year,National\n")
        (la / "inbox" / "education-health-and-care-plans_2099.zip").write_bytes(buf.getvalue())
    return mutate


def _release(extra=(), corrupt=None, drop=()):
    """The real DfE release with extra entries, or with one member's stored bytes damaged while its
    recorded CRC-32 stays the true one (what a flipped bit in a download gives: `Bad CRC-32`)."""
    def mutate(la, base):
        from send_synth.core import default_dfe_zip

        src = zipfile.ZipFile(default_dfe_zip())
        path = la / "inbox" / "education-health-and-care-plans_2099.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for item in src.infolist():
                if item.filename in drop:
                    continue
                data = src.read(item.filename)
                if item.filename == corrupt:
                    data = data[:-20] + bytes([data[-20] ^ 0xFF]) + data[-19:]
                    out.writestr(zipfile.ZipInfo(item.filename), data, compress_type=zipfile.ZIP_STORED)
                    continue
                out.writestr(item.filename, data)
            for name, text in extra:
                out.writestr(name, text)
        if corrupt:
            _restore_crc(path, corrupt, src.read(corrupt))
    return mutate


def _inbox_entry(kind: str, name="finance_ledger_20990101.csv"):
    def mutate(la, base):
        path = la / "inbox" / name
        if kind == "symlink":
            path.symlink_to("/etc/passwd")
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            path.mkdir()
    return mutate


def _workbook_bad_crc(la, base):
    """A tracker whose sheet XML is stored changed while its CRC-32 stays the original's (a flipped bit in a copy)."""
    member = "xl/worksheets/sheet1.xml"
    original = _rewrite_sheet(la, base, lambda data: data.replace(b"Annual", b"Annuel"), stored=True)
    _restore_crc(la / "inbox" / "annual_reviews_2099-00.xlsx", member, original)


def _rewrite_sheet(la, base, edit, stored=False) -> bytes:
    """The tracker with its sheet XML passed through `edit`; returns the sheet as it was."""
    write_tracker(la, tracker_rows(base))
    path = la / "inbox" / "annual_reviews_2099-00.xlsx"
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    original = src.read("xl/worksheets/sheet1.xml")  # before writestr rewrites the shared ZipInfo's CRC
    with zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                out.writestr(zipfile.ZipInfo(item.filename) if stored else item, edit(data),
                             compress_type=zipfile.ZIP_STORED if stored else item.compress_type)
                continue
            out.writestr(item, data)
    return original


def _restore_crc(path: Path, member: str, original: bytes) -> None:
    """writestr recorded the CRC of the damaged bytes: put the original's back (local and central headers)."""
    bad = zipfile.ZipFile(path).getinfo(member).CRC.to_bytes(4, "little")
    path.write_bytes(path.read_bytes().replace(bad, zipfile.crc32(original).to_bytes(4, "little")))


def _undecodable_name(la, base):
    """A ledger whose file name is not valid UTF-8 (0xFF: a Latin-1 name copied from a Windows share)."""
    write_ledger(la, ledger_rows(base))
    os.rename(la / "inbox" / "finance_ledger_20990101.csv", os.fsencode(la / "inbox") + b"/finance_ledger_2099\xff0101.csv")


def _disk_full(where: str):
    """Writes to the landing fail with ENOSPC part-way (the file was begun)."""
    def fault(monkeypatch):
        import errno

        import pandas as pd
        import pyarrow.parquet as pq

        def full(*args, **kwargs):
            target = args[1] if len(args) > 1 else kwargs.get("path")
            Path(str(target)).write_bytes(b"PAR1 half a file")
            raise OSError(errno.ENOSPC, "No space left on device")
        if where == "frame":
            monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
            monkeypatch.setattr(pq, "write_table", lambda table, where, *a, **k: full(table, where))
        else:
            monkeypatch.setattr(pq.ParquetWriter, "write_table", lambda self, table, *a, **k: (_ for _ in ()).throw(
                OSError(errno.ENOSPC, "No space left on device")))
    return fault


def _col(rows, name):
    return rows[0].index(name)


def _drop_col(rows, name):
    i = _col(rows, name)
    return [r[:i] + r[i + 1:] for r in rows]


def _set(rows, name, value, row=1):
    rows[row][_col(rows, name)] = value
    return rows


def _merge(ws):
    ws.merge_cells("E2:E3")


def _formula(ws):
    ws["G2"] = "=H2-10"


def _stray_cell(ws):
    ws["XFD1048576"] = "x"


def _damage_sheet(la, base):
    _rewrite_sheet(la, base, lambda data: data.replace(b"</sheetData>", b"<row><c"))


def _hide(ws):
    ws.row_dimensions[3].hidden = True


P = "INSERT INTO cms_person (person_id, upn, uln, upn_unknown_reason, forename, surname, dob, sex, ethnicity, postcode, updated_at) VALUES "
R = "INSERT INTO cms_request (request_id, person_id, received_date, request_source, rya, decision, decision_date, exported_to_la, mediation, tribunal, updated_at) VALUES "

CASES = [
    # --- finance ledger (Windows-1252 CSV) ---------------------------------------------------------
    Case("ledger-missing-column", "ledger", ledger(header=[h for h in LEDGER_HEADER if h != "Amount"]), "stopped", "'Amount' missing"),
    Case("ledger-renamed-column", "ledger", ledger(rename={"Amount": "Amt"}), "stopped", "'Amount' missing"),
    Case("ledger-extra-column", "ledger", ledger(header=LEDGER_HEADER + ["Approver"]), "loaded", loaded=3),
    Case("ledger-reordered-columns", "ledger", ledger(header=list(reversed(LEDGER_HEADER))), "loaded", loaded=3),
    Case("ledger-empty-file", "ledger", raw_bytes("finance_ledger_20990101.csv", b""), "stopped", "empty"),
    Case("ledger-header-only", "ledger", raw_bytes("finance_ledger_20990101.csv", ",".join(LEDGER_HEADER).encode() + b"\r\n"), "loaded", loaded=0),
    Case("ledger-truncated", "ledger", ledger(extra=[["BAD9", "15/05/20"]]), "quarantined", "fields", 1, loaded=3),
    Case("ledger-utf8-bom", "ledger", ledger(encoding="utf-8", bom=True), "loaded", loaded=3),
    Case("ledger-utf8-no-bom", "ledger", ledger(encoding="utf-8"), "loaded", loaded=3),
    Case("ledger-cp1252", "ledger", ledger(rows={0: {"Supplier": "Caf\u00e9 \u2013 Ltd"}}), "loaded", loaded=3),
    Case("ledger-stray-byte", "ledger", raw_bytes("finance_ledger_20990101.csv", b"Transaction ID,Amount\r\nT1,\x81\r\n"), "stopped", "required column(s) 'Posting Date'"),
    Case("ledger-amount-spaces-commas", "ledger", ledger(rows={0: {"Amount": "\u00a3 1,234.56"}, 1: {"Amount": "1234.56"}}), "loaded", loaded=3),
    Case("ledger-amount-credits", "ledger", ledger(rows={0: {"Amount": "(120.00)"}, 1: {"Amount": "-\u00a3120.00"}}), "loaded", loaded=3),
    Case("ledger-amount-text", "ledger", ledger(rows={0: {"Amount": "twelve pounds"}}), "quarantined", "not money", 1, loaded=2),
    Case("ledger-amount-letter-o", "ledger", ledger(rows={0: {"Amount": "\u00a31,2O0.00"}}), "quarantined", "not money", 1, loaded=2),
    Case("ledger-amount-huge", "ledger", ledger(rows={0: {"Amount": "\u00a32,000,000.00"}}), "quarantined", "amount", 1, loaded=2),
    Case("ledger-date-future", "ledger", ledger(rows={0: {"Posting Date": "15/05/2099", "Financial Year": "2099/00"}}), "quarantined", "posting_date", 1, loaded=2),
    Case("ledger-date-31-feb", "ledger", ledger(rows={0: {"Posting Date": "31/02/2024"}}), "quarantined", "not a real date", 1, loaded=2),
    Case("ledger-date-us-order", "ledger", ledger(rows={0: {"Posting Date": "05/31/2024"}}), "quarantined", "month/day", 1, loaded=2),
    Case("ledger-exact-duplicate", "ledger", ledger(repeat_first=True), "quarantined", "exact duplicate", 1, loaded=3),
    Case("ledger-conflicting-duplicate", "ledger", ledger(rows={1: {"Transaction ID": "BAD0", "Amount": "\u00a31.00"}}), "quarantined", "transaction_id", 2, loaded=1),
    Case("ledger-unknown-urn", "ledger", ledger(rows={0: {"URN": "999999"}}), "warned", "urn", 1, loaded=3),
    Case("ledger-account-code-outside-set", "ledger", ledger(rows={0: {"Account Code": "9999"}}), "warned", "account_code", 1, loaded=3),
    Case("ledger-year-disagrees-with-date", "ledger", ledger(rows={0: {"Financial Year": "2023/24"}}), "warned", "financial_year", 1, loaded=3),
    Case("ledger-bad-financial-year", "ledger", ledger(rows={0: {"Financial Year": "2024/26"}}), "quarantined", "Financial Year", 1, loaded=2),
    # --- one bad byte quarantines its row only ------------------------------------------------------------
    *[Case(f"ledger-undefined-cp1252-0x{b:02x}", "ledger", ledger_bytes(bytes([b])), "quarantined", f"byte 0x{b:02x} at line 2", 1, loaded=2)
      for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)],
    Case("ledger-undefined-byte-last-line", "ledger", ledger_bytes(lines=(2,)), "quarantined", "at line 4", 1, loaded=2),
    Case("ledger-bom-plus-undefined-byte", "ledger", ledger_bytes(bom=True), "quarantined", "neither UTF-8", 1, loaded=2),
    Case("ledger-undefined-byte-other-file-loads", "ledger", ledger_bytes(second_file=True), "quarantined", "neither UTF-8", 1, loaded=4),
    Case("ledger-undefined-byte-in-header", "ledger", raw_bytes("finance_ledger_20990101.csv", (",".join(LEDGER_HEADER) + "\r\n").encode().replace(b"Supplier", b"Supp\x8dlier")),
         "stopped", "header row cannot be read"),
    Case("ledger-utf16-export", "ledger", lambda la, b: (la / "inbox" / "finance_ledger_20990101.csv").write_bytes(
        "\r\n".join([",".join(LEDGER_HEADER)] + [",".join(r.values()) for r in ledger_rows(b)]).encode("utf-16-le").replace(b"\x00", b"\x81")),
         "stopped", "lines are neither"),
    Case("ledger-unclosed-quote-past-field-limit", "ledger", lambda la, b: write_ledger(la, ledger_rows(b)) or (la / "inbox" / "finance_ledger_20990101.csv").write_bytes(
        (la / "inbox" / "finance_ledger_20990101.csv").read_bytes() + b'BAD9,15/05/2024,"' + b"x" * 200_000 + b"\r\n"), "stopped", "cannot be read"),
    Case("ledger-long-quoted-description", "ledger", ledger(rows={0: {"Description": "y" * 200_000}}), "loaded", loaded=3),
    # --- annual review tracker (xlsx typed by people) -----------------------------------------------
    Case("tracker-sheet-renamed", "reviews", tracker(sheet="Sheet1"), "stopped", "no sheet named 'Reviews'"),
    Case("tracker-missing-column", "reviews", tracker(header=["Person"] + TRACKER_HEADER[1:]), "stopped", "'CMS ID' missing"),
    Case("tracker-merged-cells", "reviews", tracker(after=_merge), "loaded", loaded=3),
    Case("tracker-formula", "reviews", tracker(after=_formula), "loaded", loaded=3),
    Case("tracker-hidden-row", "reviews", tracker(after=_hide), "loaded", loaded=3),
    Case("tracker-excel-serial-number", "reviews", tracker({(0, "Meeting Date"): 45575}), "loaded", loaded=3),
    Case("tracker-real-date-cells", "reviews", tracker({(0, "Meeting Date"): date(2024, 10, 10)}), "loaded", loaded=3),
    Case("tracker-tbc-and-na", "reviews", tracker({(0, "Decision Date"): "TBC", (1, "Paperwork Received"): "n/a"}), "loaded", loaded=3),
    Case("tracker-31-feb", "reviews", tracker({(0, "Meeting Date"): "31/02/2024"}), "quarantined", "not a real date", 1, loaded=2),
    Case("tracker-us-order", "reviews", tracker({(0, "Meeting Date"): "10/31/2024"}), "quarantined", "month/day", 1, loaded=2),
    Case("tracker-meeting-after-decision", "reviews", tracker({(0, "Decision Date"): "01/10/2024"}), "quarantined", "decision_date", 1, loaded=2),
    Case("tracker-paperwork-before-meeting", "reviews", tracker({(0, "Paperwork Received"): "01/10/2024"}), "quarantined", "paperwork_received_date", 1, loaded=2),
    Case("tracker-meeting-far-future", "reviews", tracker({(0, "Meeting Date"): "10/10/2099", (0, "Paperwork Received"): None, (0, "Decision Date"): None}), "quarantined", "meeting_date", 1, loaded=2),
    Case("tracker-orphan-cms-id", "reviews", tracker({(0, "CMS ID"): 999999}), "quarantined", "person_id", 1, loaded=2),
    Case("tracker-cms-id-text", "reviews", tracker({(0, "CMS ID"): "abc"}), "quarantined", "CMS ID", 1, loaded=2),
    Case("tracker-review-type-typo", "reviews", tracker({(0, "Review Type"): "Annnual"}), "quarantined", "review_type", 1, loaded=2),
    Case("tracker-review-type-spacing", "reviews", tracker({(0, "Review Type"): "  phase   transfer "}), "loaded", loaded=3),
    Case("tracker-duplicate-row", "reviews", tracker(extra=lambda b: tracker_rows(b)[:1]), "quarantined", "exact duplicate", 1, loaded=3),
    Case("tracker-unknown-urn", "reviews", tracker({(0, "School URN"): 999999}), "warned", "school_urn", 1, loaded=3),
    Case("tracker-tricky-names", "reviews", tracker({(0, "Child Name"): TRICKY_NAME, (1, "Notes"): TRICKY_NAME}), "loaded", loaded=3),
    Case("tracker-not-a-workbook", "reviews", raw_bytes("annual_reviews_2099-00.xlsx", b"this is not a workbook"), "stopped", "not a readable"),
    Case("tracker-empty-sheet", "reviews", lambda la, b: write_tracker(la, [], header=[]), "stopped", "empty"),
    Case("tracker-header-row-missing", "reviews", lambda la, b: write_tracker(la, tracker_rows(b), header=[]), "stopped", "is the header row missing"),
    Case("tracker-stray-cell-xfd1048576", "reviews", tracker(after=_stray_cell), "stopped", "XFD1048576"),
    Case("tracker-damaged-sheet-xml", "reviews", _damage_sheet, "stopped", "cannot be read"),
    Case("tracker-stopped-well-under-cap", "reviews", tracker(), "stopped", "SEND_WORKBOOK_MAX_CELLS=10",
         env={"SEND_WORKBOOK_MAX_CELLS": "10"}),
    # --- case management system ---------------------------------------------------------------------
    Case("cms-connection-refused", "cms", lambda la, b: os.environ.__setitem__(
        "AIRFLOW_CONN_SEND_CMS", "postgresql://reader@127.0.0.1:1/cms"), "stopped", "cannot connect to the CMS"),
    Case("cms-table-missing", "cms", cms("DROP TABLE cms_need"), "stopped", "cms_need is missing", full_refresh=True),
    Case("cms-column-missing", "cms", cms("ALTER TABLE cms_request DROP COLUMN decision"), "stopped", "'decision' missing", full_refresh=True),
    Case("cms-extra-column", "cms", cms("ALTER TABLE cms_person ADD COLUMN nickname TEXT"), "loaded", full_refresh=True),
    Case("cms-emptied-table", "cms", cms("DELETE FROM cms_need"), "stopped", "extract is empty", full_refresh=True),
    Case("cms-need-code-outside-set", "cms", cms("UPDATE cms_need SET need_code = 'XYZ' WHERE rowid = 1"), "quarantined", "need_code", 1, full_refresh=True),
    Case("cms-sex-outside-set", "cms", cms("UPDATE cms_person SET sex = 'U' WHERE person_id = {p}"), "warned", "sex", 1, full_refresh=True),
    Case("cms-upn-check-letter", "cms", cms("UPDATE cms_person SET upn = 'R247962919251' WHERE person_id = {p}"), "warned", "upn_problem", 1, full_refresh=True),
    Case("cms-uln-check-digit", "cms", cms("UPDATE cms_person SET uln = '1234567898' WHERE person_id = {p}"), "warned", "uln_problem", 1, full_refresh=True),
    Case("cms-dob-future", "cms", cms(P + "(990001, NULL, NULL, 'UN1', 'A', 'B', '2099-01-01', 'F', 'WBRI', 'CV1 2AB', '2026-01-01 10:00:00')"), "quarantined", "dob", 1, full_refresh=True),
    Case("cms-decision-before-received", "cms", cms(R + "(990001, {p}, '2024-03-01', 1, 0, 'Y', '2024-02-01', NULL, 0, 0, '2026-01-01 10:00:00')"), "quarantined", "decision_date", 1, full_refresh=True),
    Case("cms-orphan-request", "cms", cms(R + "(990002, 999999, '2024-03-01', 1, 0, NULL, NULL, NULL, 0, 0, '2026-01-01 10:00:00')"), "quarantined", "person_id", 1, full_refresh=True),
    Case("cms-text-in-number", "cms", cms(R + "(990003, {p}, '2024-03-01', 'two', 0, NULL, NULL, NULL, 0, 0, '2026-01-01 10:00:00')"), "quarantined", "request_source", 1, full_refresh=True),
    Case("cms-impossible-date", "cms", cms(R + "(990004, {p}, '2024-02-31', 1, 0, NULL, NULL, NULL, 0, 0, '2026-01-01 10:00:00')"), "quarantined", "not a real date", 1, full_refresh=True),
    Case("cms-unknown-urn", "cms", cms("UPDATE cms_placement SET urn = 999999 WHERE rowid = (SELECT MIN(rowid) FROM cms_placement WHERE urn IS NOT NULL)"), "quarantined", "urn", 1, full_refresh=True),
    Case("cms-cease-reason-outside-set", "cms", cms("UPDATE cms_plan SET cease_reason = 12 WHERE plan_id = (SELECT MIN(plan_id) FROM cms_plan WHERE cease_date IS NOT NULL)"), "quarantined", "cease_reason", full_refresh=True),
    Case("cms-tricky-names", "cms", cms(f"UPDATE cms_person SET forename = '{TRICKY_NAME.replace(chr(39), chr(39) * 2)}' WHERE person_id = {{p}}"), "loaded", full_refresh=True),
    # --- schema drift: a load never removes or quarantines more than SEND_MAX_LOSS_SHARE of a table ------
    Case("cms-drift-need-date-as-integer", "cms", cms("UPDATE cms_need SET recorded_date = CAST(strftime('%Y%m%d', recorded_date) AS INTEGER)"),
         "stopped", "core.need"),
    Case("cms-drift-need-date-as-integer-full", "cms", cms("UPDATE cms_need SET recorded_date = CAST(strftime('%Y%m%d', recorded_date) AS INTEGER)"),
         "stopped", "column 'recorded_date'", full_refresh=True),
    Case("cms-drift-officer-role-blanked", "cms", cms("UPDATE cms_officer SET role = NULL"), "stopped", "column 'role'"),
    Case("cms-drift-request-dates-full", "cms", cms("UPDATE cms_request SET received_date = CAST(strftime('%Y%m%d', received_date) AS INTEGER)"),
         "stopped", "core.request", full_refresh=True),
    Case("cms-drift-request-dates-incremental", "cms", cms(
        "UPDATE cms_request SET received_date = CAST(strftime('%Y%m%d', received_date) AS INTEGER), updated_at = '2026-01-31 23:00:00'"),
         "stopped", "column 'received_date'"),
    Case("cms-drift-plan-start-blanked-incremental", "cms", cms("UPDATE cms_plan SET start_date = NULL, updated_at = '2026-01-31 23:00:00'"),
         "stopped", "core.plan"),
    Case("cms-snapshot-half-the-officers-gone", "cms", cms("DELETE FROM cms_officer WHERE officer_id % 2 = 0"), "stopped", "no longer has them"),
    Case("cms-snapshot-one-consultation-gone", "cms", cms("DELETE FROM cms_consultation WHERE rowid = (SELECT MIN(rowid) FROM cms_consultation)"),
         "loaded"),
    Case("cms-drift-allowed-by-setting", "cms", cms("UPDATE cms_officer SET role = NULL"), "quarantined", "role",
         env={"SEND_MAX_LOSS_SHARE": "1"}),
    Case("ledger-resent-mostly-bad", "ledger", ledger(rows={i: {"Amount": "lots"} for i in range(3)}), "quarantined", "not money", 3, loaded=0),
    # --- a future updated_at never moves the watermark past the extraction time ----------------------
    Case("cms-future-updated-at", "cms", cms("UPDATE cms_person SET updated_at = '2099-01-01 00:00:00' WHERE person_id = {p}"),
         "quarantined", "updated_at is later than the extraction time", 1),
    Case("cms-future-updated-at-full", "cms", cms("UPDATE cms_request SET updated_at = '2099-12-31 23:59:59' WHERE person_id = {p}"),
         "quarantined", "updated_at is later than the extraction time", full_refresh=True),
    Case("cms-updated-at-not-a-timestamp", "cms", cms("UPDATE cms_person SET updated_at = 'yesterday' WHERE person_id = {p}"),
         "quarantined", "updated_at", 1),
    # --- GIAS, banding rates, DfE release ------------------------------------------------------------
    Case("gias-missing-urn-column", "schools", gias(lambda r: _drop_col(r, "URN")), "stopped", "'URN' missing"),
    Case("gias-urn-not-a-number", "schools", gias(lambda r: _set(r, "URN", "12A456")), "quarantined", "URN", 1),
    Case("gias-duplicate-urn", "schools", gias(lambda r: _set(r, "URN", r[2][_col(r, "URN")])), "quarantined", "urn", 2),
    Case("gias-empty-file", "schools", raw_bytes("edubasealldata20991231.csv", b""), "stopped", "empty"),
    Case("banding-amount-text", "banding", banding(lambda r: _set(r, "annual_amount", "lots")), "quarantined", "annual_amount", 1),
    Case("banding-missing-date", "banding", banding(lambda r: _set(r, "effective_from", "")), "quarantined", "required", 1),
    Case("banding-negative-amount", "banding", banding(lambda r: _set(r, "annual_amount", "-5")), "quarantined", "annual_amount", 1),
    Case("stats-not-a-zip", "stats", raw_bytes("education-health-and-care-plans_2099.zip", b"not a zip"), "stopped", "not a readable zip"),
    Case("stats-table-missing", "stats", _zip_without("timeliness_20_week"), "stopped", "lacks"),
    Case("stats-table-outside-data-folder", "stats", _release(extra=[("supporting-files/caseload.csv", "time_period\nFORGED\n")]), "loaded"),
    Case("stats-table-in-nested-folder", "stats", _release(extra=[("data/x/../caseload.csv", "time_period\nFORGED\n")]), "loaded"),
    Case("stats-table-twice", "stats", _release(extra=[("data/caseload.csv", "time_period\nFORGED\n")]), "stopped", "appears twice"),
    Case("stats-optional-table-absent", "stats", _release(drop=("supporting-files/sen2_dmo_dco.csv",)), "loaded"),
    Case("stats-bad-crc", "stats", _release(corrupt="data/caseload.csv"), "stopped", "cannot be unpacked"),
    # --- bare library errors reach the operator as a named message -----------------------------------
    Case("tracker-bad-crc", "reviews", _workbook_bad_crc, "stopped", "annual_reviews_2099-00.xlsx"),
    Case("cms-updated-at-column-missing", "cms", cms("ALTER TABLE cms_request DROP COLUMN updated_at"), "stopped", "updated_at"),
    Case("cms-updated-at-column-missing-full", "cms", cms("ALTER TABLE cms_request DROP COLUMN updated_at"), "stopped", "updated_at", full_refresh=True),
    Case("ledger-file-name-not-utf8", "ledger", _undecodable_name, "refused", "not valid UTF-8"),
    Case("ledger-disk-full", "ledger", ledger(), "stopped", "No space left", fault=_disk_full("frame")),
    Case("cms-disk-full", "cms", lambda la, b: None, "stopped", "No space left", fault=_disk_full("writer")),
    Case("gias-bom-plus-undefined-byte", "schools", lambda la, b: gias(lambda r: _set(r, "EstablishmentName", "Caf\u00e9"))(la, b) or (
        la / "inbox" / "edubasealldata20991231.csv").write_bytes(b"\xef\xbb\xbf" + (la / "inbox" / "edubasealldata20991231.csv").read_bytes().replace(b"Caf\xe9", b"Caf\x81")),
         "quarantined", "neither UTF-8", 1),
    # --- inbox entries that are not regular files ---------------------------------------------------
    Case("inbox-symlink-to-passwd", "ledger", _inbox_entry("symlink"), "refused", "symbolic link"),
    Case("inbox-fifo", "ledger", _inbox_entry("fifo"), "refused", "pipe"),
    Case("inbox-symlink-workbook", "reviews", _inbox_entry("symlink", "annual_reviews_2099-00.xlsx"), "refused", "symbolic link"),
    Case("inbox-symlink-release", "stats", _inbox_entry("symlink", "education-health-and-care-plans_2099.zip"), "refused", "symbolic link"),
    Case("inbox-folder-named-like-an-export", "ledger", _inbox_entry("dir"), "refused", "a folder"),
]

CLASSES = {  # case id -> class, for every case not "bad input"
    "schema drift": ["cms-drift-need-date-as-integer", "cms-drift-need-date-as-integer-full", "cms-drift-officer-role-blanked",
                     "cms-drift-request-dates-full", "cms-drift-request-dates-incremental",
                     "cms-drift-plan-start-blanked-incremental", "cms-snapshot-half-the-officers-gone",
                     "cms-snapshot-one-consultation-gone", "cms-drift-allowed-by-setting", "ledger-resent-mostly-bad",
                     "cms-updated-at-column-missing", "cms-updated-at-column-missing-full", "cms-table-missing",
                     "cms-column-missing", "cms-emptied-table"],
    "fault": ["cms-connection-refused", "ledger-disk-full", "cms-disk-full", "stats-bad-crc", "tracker-bad-crc",
              "tracker-damaged-sheet-xml", "ledger-file-name-not-utf8"],
    "attack": ["inbox-symlink-to-passwd", "inbox-fifo", "inbox-symlink-workbook", "inbox-symlink-release",
               "inbox-folder-named-like-an-export", "stats-table-outside-data-folder", "stats-table-in-nested-folder",
               "stats-table-twice", "tracker-stray-cell-xfd1048576", "tracker-stopped-well-under-cap",
               "ledger-unclosed-quote-past-field-limit", "ledger-long-quoted-description", "cms-tricky-names",
               "tracker-tricky-names"],
}
for _kind, _ids in CLASSES.items():
    for _case in CASES:
        if _case.id in _ids:
            _case.kind = _kind
    assert set(_ids) <= {c.id for c in CASES}, set(_ids) - {c.id for c in CASES}
# the corpus's cases that are whole tests of their own (class, outcome), counted by tests/corpus.py
STANDALONE = {
    "test_a_future_updated_at_does_not_hide_later_changes": ("bad input", "quarantined"),
    "test_a_person_deleted_in_the_cms_goes_from_every_entity[incremental]": ("deletion", "loaded"),
    "test_a_person_deleted_in_the_cms_goes_from_every_entity[full_refresh]": ("deletion", "loaded"),
    "test_a_merge_moves_the_duplicates_records_to_the_survivor": ("deletion", "loaded"),
    "test_the_share_guard_counts_deletions": ("deletion", "stopped"),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    from send_pipeline.nightly.steps import Run, run_nightly
    from send_pipeline.kernel.settings import Settings
    from send_synth import generate

    root = tmp_path_factory.mktemp("corpus")
    la = root / "la"
    generate(la, seed=5, scale=0.02, defects=0.0, until=date(2026, 1, 31))
    (next((la / "inbox").glob("education-health-and-care-plans_*.zip"))).unlink()  # not needed by most cases
    with pytest.MonkeyPatch.context() as mp:
        point_at(mp, la, root / "work")
        mp.setenv("SEND_DATA_DOCS", "0")
        run_nightly(Run(Settings.resolve(), "base", AS_AT))
    with sqlite3.connect(la / "cms.db") as db:
        people = [r[0] for r in db.execute("SELECT person_id FROM cms_person ORDER BY person_id LIMIT 3")]
        urn = db.execute("SELECT urn FROM cms_placement WHERE urn IS NOT NULL LIMIT 1").fetchone()[0]
    return Base(la, root / "work", people, urn)


def test_the_corpus_has_at_least_50_cases_across_every_source():
    assert len(CASES) >= 50 and len({c.id for c in CASES}) == len(CASES)
    assert {c.source for c in CASES} == {"ledger", "reviews", "cms", "schools", "banding", "stats"}
    assert {c.kind for c in CASES} | {k for k, _ in STANDALONE.values()} == set(KINDS)


def test_the_issue_16_corpus_has_at_least_150_cases_each_with_class_and_outcome():
    """Issue 16's 'done when': >= 150 cases (bad inputs, faults, attacks) with expected outcomes;
    `python -m tests.corpus` prints the counts per class and outcome for the note."""
    from tests import corpus

    ingestion, publication = corpus.ingestion(), corpus.publication()
    assert len(ingestion) + len(publication) >= 150
    assert all(kind in KINDS and outcome in OUTCOMES for _, kind, outcome in ingestion)
    assert len({name for name, _, _ in ingestion}) == len(ingestion)
    names = {name.split("[")[0] for name in STANDALONE}
    assert names <= {name for name in globals() if name.startswith("test_")}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Case, base: Base, tmp_path, monkeypatch):
    check_case(case, base, tmp_path, monkeypatch)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_column_wise(case: Case, base: Base, tmp_path, monkeypatch):
    """The same corpus, every partition validated column-wise (columnar.py, the national-scale path):
    the same stops, quarantine and warnings with the same reasons."""
    monkeypatch.setenv("SEND_VALIDATE_COLUMNAR", "1")
    check_case(case, base, tmp_path, monkeypatch)


def check_case(case: Case, base: Base, tmp_path, monkeypatch):
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.nightly.sources import CORE_ENTITIES as SOURCES
    from send_pipeline.kernel.errors import SourceUnusable
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.kernel.warehouse import Warehouse

    la, work = tmp_path / "la", tmp_path / "work"
    shutil.copytree(base.la, la)
    shutil.copytree(base.work, work)
    point_at(monkeypatch, la, work)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    case.mutate(la, base)
    if case.fault:
        case.fault(monkeypatch)
    run = pipeline.Run(Settings.resolve(), "case", AS_AT, full_refresh=case.full_refresh)
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    tables = [e.table for e in SOURCES.get(case.source, [])]
    before = {t: wh.scalar(f"SELECT COUNT(*) FROM {t}") for t in tables}
    try:
        pipeline.extract_source(case.source, run)
        pipeline.validate_source(case.source, run)
        summary = pipeline.load_source(case.source, run)
    except SourceUnusable as exc:
        assert case.outcome in ("stopped", "refused"), f"stopped unexpectedly: {exc}"
        assert case.expect in str(exc)
        assert "A Child" not in str(exc) and TRICKY_NAME not in str(exc)  # messages carry no personal data
        assert {t: wh.scalar(f"SELECT COUNT(*) FROM {t}") for t in tables} == before  # left as it was
        assert not [p for p in work.rglob("*") if p.name.endswith((".tmp", ".incoming"))]  # no temp files left
        return
    finally:
        wh.dispose()
    assert case.outcome not in ("stopped", "refused"), f"expected the source to stop ({case.expect}); it loaded {summary}"
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    log = wh.frame("SELECT * FROM ops.run_log WHERE run_id = 'case'")
    assert (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all()  # nothing lost
    if case.loaded is not None:
        assert int(log.rows_loaded.sum()) == case.loaded
    if case.outcome in ("quarantined", "warned"):
        table = "ops.quarantine" if case.outcome == "quarantined" else "ops.quality_warning"
        found = wh.frame(f"SELECT reason, column_name, source_file, source_row FROM {table} WHERE run_id = 'case'")
        hits = found[found.reason.str.contains(case.expect, regex=False)
                     | found.column_name.fillna("").str.contains(case.expect, regex=False)]
        assert len(hits) >= 1, f"no {case.outcome} row mentions {case.expect!r}: {found.reason.tolist()[:5]}"
        if case.count is not None:
            assert len(hits) == case.count
            if case.outcome == "quarantined":  # no good row lost: only the bad rows are out
                assert int(log.rows_quarantined.sum()) == case.count
        assert hits.source_file.notna().all() and hits.source_row.notna().all()  # which file, which row
    else:
        assert wh.scalar("SELECT COUNT(*) FROM ops.quarantine WHERE run_id = 'case'") == 0
    if case.id.startswith("stats-table-"):  # the forged entry was never read
        assert wh.scalar("SELECT COUNT(*) FROM ref.dfe_caseload WHERE time_period = 'FORGED'") == 0
    if case.id == "cms-tricky-names":  # stored exactly as typed, ready to be escaped in the SEN2 XML
        assert wh.scalar(f"SELECT forename FROM core.person WHERE person_id = {base.person_ids[0]}") == TRICKY_NAME
    wh.dispose()


def test_a_future_updated_at_does_not_hide_later_changes(base: Base, tmp_path, monkeypatch):
    """A 2099 updated_at is quarantined and the watermark stays at the latest real change, so the next
    night still reads a child added in between (before the fix the watermark became 2099 and every later
    change was silently skipped)."""
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.kernel.warehouse import Warehouse

    la, work = tmp_path / "la", tmp_path / "work"
    shutil.copytree(base.la, la)
    shutil.copytree(base.work, work)
    point_at(monkeypatch, la, work)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    cms("UPDATE cms_person SET updated_at = '2099-01-01 00:00:00' WHERE person_id = {p}")(la, base)

    def night(run_id):
        run = pipeline.Run(Settings.resolve(), run_id, AS_AT)
        pipeline.extract_source("cms", run)
        pipeline.validate_source("cms", run)
        return pipeline.load_source("cms", run)

    first = night("n1")
    assert first["person"]["quarantined"] == 1
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    high = wh.scalar("SELECT MAX(high_watermark) FROM ops.watermark WHERE entity = 'person'")
    assert str(high) < "2027"
    wh.dispose()
    cms(P + "(990100, NULL, NULL, 'UN1', 'New', 'Child', '2015-01-01', 'F', 'WBRI', 'CV1 2AB', '2026-02-01 09:00:00')")(la, base)
    second = night("n2")
    assert second["person"]["extracted"] == 2 and second["person"]["quarantined"] == 1  # new child + the 2099 row again
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    assert wh.scalar("SELECT COUNT(*) FROM core.person WHERE person_id = 990100") == 1
    wh.dispose()


def _delete_person_everywhere(pid: str) -> list[str]:
    """What a CMS does when an officer deletes a person: the person and everything recorded for them."""
    plans = f"(SELECT plan_id FROM cms_plan WHERE person_id = {pid})"
    return [f"DELETE FROM cms_placement WHERE plan_id IN {plans}", f"DELETE FROM cms_need WHERE plan_id IN {plans}",
            f"DELETE FROM cms_plan_coordinator WHERE plan_id IN {plans}",
            f"DELETE FROM cms_assessment WHERE request_id IN (SELECT request_id FROM cms_request WHERE person_id = {pid})",
            f"DELETE FROM cms_plan WHERE person_id = {pid}", f"DELETE FROM cms_request WHERE person_id = {pid}",
            f"DELETE FROM cms_consultation WHERE person_id = {pid}", f"DELETE FROM cms_person WHERE person_id = {pid}"]


def _cms_night(base: Base, tmp_path, monkeypatch, statements, full_refresh=False, tracker_reviews=False, env=None):
    """One CMS night on a copy of the base LA after `statements`; returns (summary, warehouse)."""
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.kernel.warehouse import Warehouse

    la, work = tmp_path / "la", tmp_path / "work"
    shutil.copytree(base.la, la)
    shutil.copytree(base.work, work)
    point_at(monkeypatch, la, work)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    with sqlite3.connect(la / "cms.db") as db:
        for statement in statements:
            db.execute(statement)
    run = pipeline.Run(Settings.resolve(), "case", AS_AT, full_refresh=full_refresh)
    pipeline.extract_source("cms", run)
    pipeline.validate_source("cms", run)
    summary = pipeline.load_source("cms", run)
    return summary, Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")


def _person_with_everything(base: Base) -> tuple[int, dict]:
    """A person of the base warehouse with requests, plans and tracker reviews, and their row counts."""
    from send_pipeline.kernel.warehouse import Warehouse

    wh = Warehouse(f"duckdb:///{base.work / 'warehouse.duckdb'}")
    pid = wh.scalar("SELECT p.person_id FROM core.plan p JOIN core.review r ON r.person_id = p.person_id "
                    "JOIN core.placement pl ON pl.plan_id = p.plan_id ORDER BY 1 LIMIT 1")
    counts = _rows_of(wh, pid)
    wh.dispose()
    return int(pid), counts


def _rows_of(wh, pid) -> dict:
    plans = f"(SELECT plan_id FROM core.plan WHERE person_id = {pid})"
    return {"person": wh.scalar(f"SELECT COUNT(*) FROM core.person WHERE person_id = {pid}"),
            "request": wh.scalar(f"SELECT COUNT(*) FROM core.request WHERE person_id = {pid}"),
            "assessment": wh.scalar(f"SELECT COUNT(*) FROM core.assessment WHERE request_id IN (SELECT request_id FROM core.request WHERE person_id = {pid})"),
            "plan": wh.scalar(f"SELECT COUNT(*) FROM core.plan WHERE person_id = {pid}"),
            "placement": wh.scalar(f"SELECT COUNT(*) FROM core.placement WHERE plan_id IN {plans}"),
            "need": wh.scalar(f"SELECT COUNT(*) FROM core.need WHERE plan_id IN {plans}"),
            "review": wh.scalar(f"SELECT COUNT(*) FROM core.review WHERE person_id = {pid}")}


@pytest.mark.parametrize("full_refresh", [False, True], ids=["incremental", "full_refresh"])
def test_a_person_deleted_in_the_cms_goes_from_every_entity(base: Base, tmp_path, monkeypatch, full_refresh):
    """Issue 16: a deleted person stayed in core and the marts until a full refresh while child tables
    vanished. The key scan deletes the person and everything hanging off them (the tracker's reviews
    too), both modes give the same warehouse and the same counts in ops.run_log.rows_deleted."""
    pid, before = _person_with_everything(base)
    assert before["person"] == 1 and before["plan"] >= 1 and before["placement"] >= 1 and before["review"] >= 1
    summary, wh = _cms_night(base, tmp_path, monkeypatch, _delete_person_everywhere(pid), full_refresh)
    try:
        assert _rows_of(wh, pid) == {name: 0 for name in before}
        deleted = dict(wh.frame("SELECT entity, rows_deleted FROM ops.run_log WHERE run_id = 'case' "
                                "AND rows_deleted IS NOT NULL").itertuples(index=False))
        assert deleted == {name: before[name] for name in ("person", "request", "assessment", "plan", "placement")
                           if before[name]}
        message = wh.scalar("SELECT message FROM ops.run_log WHERE run_id = 'case' AND entity = 'person'")
        assert f"person 1" in message and (f"review {before['review']}" in message or not before["review"])
        log = wh.frame("SELECT * FROM ops.run_log WHERE run_id = 'case'")
        assert (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all()
        assert summary["person"]["deleted"] == 1
    finally:
        wh.dispose()


def test_a_merge_moves_the_duplicates_records_to_the_survivor(base: Base, tmp_path, monkeypatch):
    """A merge as a CMS leaves it: the duplicate's requests and plans re-pointed to the survivor (without
    touching their updated_at) and the duplicate deleted. The key scan sees the new parent, reads those
    rows again, and the deletion cascade then finds nothing of the survivor's to remove."""
    survivor, dup = base.person_ids[0], base.person_ids[1]
    from send_pipeline.kernel.warehouse import Warehouse

    wh = Warehouse(f"duckdb:///{base.work / 'warehouse.duckdb'}")
    s0, d0 = _rows_of(wh, survivor), _rows_of(wh, dup)
    wh.dispose()
    statements = [f"UPDATE {t} SET person_id = {survivor} WHERE person_id = {dup}"
                  for t in ("cms_request", "cms_plan", "cms_consultation")] + [f"DELETE FROM cms_person WHERE person_id = {dup}"]
    summary, wh = _cms_night(base, tmp_path, monkeypatch, statements)
    try:
        after = _rows_of(wh, survivor)
        assert _rows_of(wh, dup)["person"] == 0
        for name in ("request", "assessment", "plan", "placement", "need"):
            assert after[name] == s0[name] + d0[name], name
        assert summary["person"]["deleted"] == 1
        assert "deleted" not in summary["request"]
    finally:
        wh.dispose()


def test_the_share_guard_counts_deletions(base: Base, tmp_path, monkeypatch):
    """A CMS that suddenly lacks most of its people (a bad view, a restore from an old backup) stops the
    source: core keeps its last good rows."""
    from send_pipeline.kernel.errors import SourceUnusable

    with pytest.raises(SourceUnusable, match=r"core\.person .*SEND_MAX_LOSS_SHARE"):
        _cms_night(base, tmp_path, monkeypatch, ["DELETE FROM cms_person WHERE person_id % 3 = 0"])


def test_one_bad_file_stops_only_itself(base: Base, tmp_path, monkeypatch):
    """Issue 17: a corrupt workbook beside two good ones. The good ones load (committed, marked loaded);
    the bad one is left out, stays in the inbox unmarked, and load_source fails naming it with what to
    do; the run log says 'partial'. Replaced by a readable export, it loads the next night."""
    from send_pipeline.kernel.errors import FilesStopped
    from send_pipeline.kernel.settings import Settings
    from send_pipeline.kernel.warehouse import Warehouse
    from send_pipeline.nightly import steps as pipeline
    from send_pipeline.ops.stops import what_to_do

    la, work = tmp_path / "la", tmp_path / "work"
    shutil.copytree(base.la, la)
    shutil.copytree(base.work, work)
    point_at(monkeypatch, la, work)
    monkeypatch.setenv("SEND_DATA_DOCS", "0")
    inbox = la / "inbox"
    rows = tracker_rows(base, 3)
    for name, part in (("annual_reviews_2099-01.xlsx", rows[:2]), ("annual_reviews_2099-02.xlsx", rows[2:])):
        write_tracker(la, part)
        (inbox / "annual_reviews_2099-00.xlsx").rename(inbox / name)
    (inbox / "annual_reviews_2099-03.xlsx").write_bytes(b"this is not a workbook")
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    before = wh.scalar("SELECT COUNT(*) FROM core.review")
    wh.dispose()

    def night(run_id):
        run = pipeline.Run(Settings.resolve(), run_id, AS_AT)
        extracted = pipeline.extract_source("reviews", run)
        pipeline.validate_source("reviews", run)
        return extracted, pipeline.load_source("reviews", run)

    with pytest.raises(FilesStopped) as stopped:
        night("bad-night")
    message = str(stopped.value)
    assert message.startswith("annual_reviews_2099-03.xlsx: not a readable .xlsx workbook")
    assert "(1 file(s) of reviews not loaded; its other files were)" in message
    assert what_to_do(stopped.value, "reviews").startswith("replace annual_reviews_2099-03.xlsx in the inbox")
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    try:
        assert wh.scalar("SELECT COUNT(*) FROM core.review") == before + 3  # both good workbooks
        marked = set(wh.frame("SELECT file_name FROM ops.loaded_file WHERE run_id = 'bad-night'").iloc[:, 0])
        assert marked == {"annual_reviews_2099-01.xlsx", "annual_reviews_2099-02.xlsx"}
        log = wh.frame("SELECT status, message, rows_extracted, rows_loaded, rows_quarantined FROM ops.run_log "
                       "WHERE run_id = 'bad-night'")
        assert log.status.tolist() == ["partial"] and "annual_reviews_2099-03.xlsx" in log.message[0]
        assert (log.rows_extracted == log.rows_loaded + log.rows_quarantined).all()
    finally:
        wh.dispose()
    assert (inbox / "annual_reviews_2099-03.xlsx").exists()

    resent = [[*row[:6], "01/03/2025", "10/03/2025", "20/03/2025", "01/04/2025", *row[10:]] for row in rows]
    write_tracker(la, resent)  # the officer re-sends it readable (next cycle's reviews)
    (inbox / "annual_reviews_2099-00.xlsx").replace(inbox / "annual_reviews_2099-03.xlsx")
    extracted, loaded = night("next-night")
    assert extracted["review"]["files"] == ["annual_reviews_2099-03.xlsx"] and extracted["review"]["stopped"] == []
    wh = Warehouse(f"duckdb:///{work / 'warehouse.duckdb'}")
    try:
        assert wh.scalar("SELECT COUNT(*) FROM core.review") == before + 6
        assert wh.scalar("SELECT status FROM ops.run_log WHERE run_id = 'next-night'") == "loaded"
    finally:
        wh.dispose()
