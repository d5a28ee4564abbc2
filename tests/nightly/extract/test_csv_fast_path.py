"""The columnar CSV reader (Arrow) gives exactly what the row-by-row reader gives, or declines."""
from __future__ import annotations

from pathlib import Path

import pytest

from send_pipeline.nightly.extract import files as extract

CASES = {
    "plain": ("a,b,c\n1,007,x\n2,, y \n", True),
    "crlf": ("a,b\r\n1,2\r\n3,4\r\n", True),
    "quotes": ('a,b\n"x, y","he said ""hi"""\n3,4', True),
    "unicode": ('nom,b\nZoë,"£1,234.50"\n', True),
    "quoted_header": ('"a,x",b\n1,2\n', True),
    "leading_zeros_and_numbers": ("urn,amount\n0100,1e3\n2,(12.50)\n", True),
    "blank_line": ("a,b\n1,2\n\n3,4\n", False),
    "short_line": ("a,b,c\n1,2\n3,4,5\n", False),
    "long_line": ("a,b\n1,2,3\n", False),
    "whitespace_line": ("a,b\n1,2\n , \n3,4\n", False),
    "tab_line": ("a,b\n\t,\t\n1,2\n", False),
    "line_break_in_quotes": ('a,b\n"x\ny",2\n3,4\n', False),
    "leading_blank_lines": ("\n\na,b\n1,2\n", False),
    "bom": ("\ufeff a ,b\n1,2\n", False),
    "header_only": ("a,b\n", False),
    "cr_line_ends": ("a,b\r1,2\r3,4\r", False),
}


@pytest.mark.parametrize("name", CASES)
def test_columnar_reader_matches_the_row_reader_or_declines(name):
    text, fast_expected = CASES[name]
    fast = extract._read_csv_columnar(text, "f.csv")
    slow = extract._read_csv_rows(text, Path("f.csv"))
    assert (fast is not None) == fast_expected
    if fast is not None:  # the same columns and values (the fast path keeps text Arrow-backed, for memory)
        assert fast.columns.tolist() == slow.columns.tolist()
        assert fast.astype(object).where(fast.notna(), None).values.tolist() == slow.values.tolist()
        assert all(isinstance(v, str) for v in fast.drop(columns=["_source_row", "_parse_error"]).values.ravel())


def test_whole_column_text_matches_value_by_value():
    """Extract's column-wise text conversion gives what the value-by-value `_text` gives."""
    from datetime import datetime

    import pandas as pd

    columns = {
        "datetimes": [datetime(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5), None, datetime(2024, 2, 29),
                      datetime(2024, 1, 2, 0, 0, 0, 5)],
        "ints": [1, 2, None, 40],
        "whole_floats": [1.0, 2.0, float("nan"), -3.0],
        "fractions": [1.5, 2.0, None],
        "text": ["a", None, " b "],
        "mixed": [1, "x", None, datetime(2024, 1, 2)],
        "bytes": [b"ab", None],
    }
    for name, values in columns.items():
        series = pd.Series(values, dtype=object)
        if name == "whole_floats":
            series = series.astype(float)
        expected = [None if v is None or (isinstance(v, float) and v != v) else extract._text(v) for v in values]
        assert extract._column_text(series) == expected, name


def test_workbook_size_is_checked_before_reading(tmp_path):
    """A stray value at XFD1048576 would make the reader allocate ~512 GiB: stopped by name first;
    blank styled padding does not count, and a sheet declared huge is refused by its declaration."""
    import zipfile

    import openpyxl
    import pytest
    from openpyxl.styles import Font

    from send_pipeline.kernel.errors import SourceUnusable
    from send_pipeline.nightly.extract.files import check_sheet_size, read_workbook

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Reviews"
    ws.append(["CMS ID", "Outcome"])
    ws.append([1, "Maintain"])
    for r in range(3, 5003):  # 5,000 rows of formatting, no values
        ws.cell(r, 1).font = Font(bold=True)
    padded = tmp_path / "padded.xlsx"
    book.save(padded)
    check_sheet_size(padded, "Reviews", limit=20_000)  # declared 10,004 cells; values 2 x 2
    assert read_workbook(padded, "Reviews")["CMS ID"].tolist() == ["1"]
    ws["XFD1048576"] = "x"
    stray = tmp_path / "stray.xlsx"
    book.save(stray)
    with pytest.raises(SourceUnusable, match="XFD1048576"):
        read_workbook(stray, "Reviews")
    src = zipfile.ZipFile(padded)  # the declaration alone (cells absent) is refused too
    forged = tmp_path / "declared.xlsx"
    with zipfile.ZipFile(forged, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B5002"/>', b'<dimension ref="A1:XFD1048576"/>')
            out.writestr(item, data)
    with pytest.raises(SourceUnusable, match="declares its size as XFD1048576"):
        read_workbook(forged, "Reviews")
