"""UPN check letters and ULN check digits (spec/sen2.md §5.2; CIN validator test cases)."""
import pytest

from send_pipeline.kernel.identifiers import is_ukprn, is_urn, make_uln, make_upn, uln_problem, upn_check_letter, upn_problem


@pytest.mark.parametrize("upn", ["A950000178301", "H243278544154"])
def test_valid_upns(upn):
    assert upn_problem(upn) is None


@pytest.mark.parametrize("upn, message", [
    ("R247962919251", "wrong check letter"),
    ("X428558133462", "wrong check letter"),
    ("A95000017830", "13 characters"),
    ("A9500001783O1", "not all numeric"),
    ("A95000017830I", "character 13"),      # I is never a final character
    (None, "missing"),
])
def test_invalid_upns(upn, message):
    assert message in upn_problem(upn)


def test_check_letter_by_hand():
    # 950000178301: 9*2+5*3+0*4+0*5+0*6+0*7+1*8+7*9+8*10+3*11+0*12+1*13 = 230; 230 mod 23 = 0 -> 'A'
    assert upn_check_letter("950000178301") == "A"


def test_temporary_upn_letter_contributes_its_index():
    body = "33120012400A"  # temporary: final letter A contributes 0
    upn = upn_check_letter(body) + body
    assert upn_problem(upn) is None


def test_made_upns_are_valid():
    assert upn_problem(make_upn("331", "2001", "24", "7")) is None


def test_uln_check_digit():
    # 123456789: 10*1+9*2+8*3+7*4+6*5+5*6+4*7+3*8+2*9 = 210; 210 mod 11 = 1 -> check digit 10-1 = 9
    assert make_uln("123456789") == "1234567899"
    assert uln_problem("1234567899") is None
    assert "wrong check digit" in uln_problem("1234567898")
    assert uln_problem("9999999999") is None
    assert "10 digits" in uln_problem("12345")


def test_urn_and_ukprn_shapes():
    assert is_urn("103000") and not is_urn("99999") and not is_urn("1000000")
    assert is_ukprn("10001234") and not is_ukprn("20001234") and not is_ukprn("1000123")
