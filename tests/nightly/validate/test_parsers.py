"""Readers: what people type into spreadsheets and what finance systems export (hand-worked values)."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from send_pipeline.kernel.errors import ParseError, SourceUnusable
from send_pipeline.nightly.extract.files import decode_text_file
from send_pipeline.nightly.validate.parsers import parse_amount, parse_flag, parse_int, parse_uk_date


@pytest.mark.parametrize("text, expected", [
    ("12/03/2024", date(2024, 3, 12)),      # UK order: 12 March
    ("12.3.24", date(2024, 3, 12)),
    ("1/9/2023", date(2023, 9, 1)),
    ("2024-03-12", date(2024, 3, 12)),
    ("29/02/2024", date(2024, 2, 29)),      # leap day exists in 2024
    (" 05-11-2019 ", date(2019, 11, 5)),
    ("45363", date(2024, 3, 12)),           # Excel serial typed as text
    (45363, date(2024, 3, 12)),             # Excel serial as a number
    (45363.75, date(2024, 3, 12)),          # serial with a time part
    (datetime(2024, 3, 12, 9, 30), date(2024, 3, 12)),
    ("2024-03-12 00:00:00", date(2024, 3, 12)),
])
def test_uk_dates(text, expected):
    assert parse_uk_date(text) == expected


@pytest.mark.parametrize("text", ["TBC", "tbc", "n/a", "N/A", "", "  ", None, "-", "unknown"])
def test_placeholder_dates_are_no_date(text):
    assert parse_uk_date(text) is None


@pytest.mark.parametrize("text, message", [
    ("31/02/2024", "not a real date"),
    ("29/02/2023", "not a real date"),       # 2023 is not a leap year
    ("03/31/2024", "month/day order"),       # US order
    ("next week", "not a date"),
])
def test_bad_dates_say_what_is_wrong(text, message):
    with pytest.raises(ParseError, match=message):
        parse_uk_date(text)


@pytest.mark.parametrize("text, expected", [
    ("£1,234.56", Decimal("1234.56")),
    ("-£120.00", Decimal("-120.00")),
    ("(120.00)", Decimal("-120.00")),
    ("£(1,000.00)", None),                   # not a shape finance systems write: must not guess
    ("1234.5", Decimal("1234.50")),
    ("£ 2,567", Decimal("2567.00")),
    ("£-5.00", Decimal("-5.00")),
    ("  £16,957.00 ", Decimal("16957.00")),
])
def test_amounts(text, expected):
    if expected is None:
        with pytest.raises(ParseError):
            parse_amount(text)
    else:
        assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["£1,2O0.00", "twelve", "£1,23,4.00", "1.234"])
def test_bad_amounts(text):
    with pytest.raises(ParseError, match="not money"):
        parse_amount(text)


def test_blank_amount_is_none():
    assert parse_amount("") is None


def test_flags_and_ints():
    assert [parse_flag(v) for v in ("1", "0", "Y", "no", "", None)] == [1, 0, 1, 0, None, None]
    assert parse_int("103000.0") == 103000
    with pytest.raises(ParseError):
        parse_flag("maybe")
    with pytest.raises(ParseError):
        parse_int("12a")


def test_cp1252_utf8_bom_and_stray_bytes(tmp_path):
    cp = tmp_path / "cp.csv"
    cp.write_bytes("Supplier,Amount\nCaf\u00e9 \u2013 Ltd,\u00a31.00\n".encode("cp1252"))
    text, enc = decode_text_file(cp)
    assert enc == "cp1252" and "Caf\u00e9 \u2013 Ltd" in text and "\u00a31.00" in text
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfURN\n100000\n")
    text, enc = decode_text_file(bom)
    assert enc == "utf-8-sig" and text.startswith("URN")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n3,\x81\n")  # 0x81 is undefined in cp1252 and invalid UTF-8
    with pytest.raises(SourceUnusable, match="line 3"):
        decode_text_file(bad)


def test_one_undefined_byte_marks_only_its_record(tmp_path):
    from send_pipeline.nightly.extract.files import decode_export, read_csv

    path = tmp_path / "led.csv"
    # record 2 spans lines 3-4 (a quoted line break); the bad byte is on line 5 (record 3)
    path.write_bytes(b'a,b\r\n1,ok\r\n2,"two\r\nlines"\r\n3,bad\x90byte\r\n4,\xe9t\xe9\r\n')
    text, enc, bad = decode_export(path)
    assert set(bad) == {5} and "0x90 at line 5" in bad[5] and enc == "cp1252 (line by line)"
    frame = read_csv(path)
    assert frame["a"].tolist() == ["1", "2", "3", "4"] and frame.loc[3, "b"] == "\u00e9t\u00e9"
    assert frame["_parse_error"].notna().tolist() == [False, False, True, False]
    assert "0x90 at line 5" in frame.loc[2, "_parse_error"]
