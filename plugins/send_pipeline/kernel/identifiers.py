"""DfE identifier checks: UPN check letter, ULN check digit, URN / UKPRN shape.

Algorithms: govtalk UPN data standard and the CIN validator (spec/sen2.md §5.2), ILR DD01 for ULN.
"""
from __future__ import annotations

import re

UPN_ALPHA = "ABCDEFGHJKLMNPQRTUVWXYZ"  # I, O and S are never used
_UPN_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-HJ-NP-RT-Z]$")


def upn_check_letter(upn12: str) -> str:
    """Check letter for characters 2-13 of a UPN (12 characters, last may be a letter)."""
    if len(upn12) != 12:
        raise ValueError("a UPN body is 12 characters")
    total = 0
    for pos, ch in enumerate(upn12, start=2):
        if ch.isdigit():
            value = int(ch)
        elif pos == 13 and ch in UPN_ALPHA:
            value = UPN_ALPHA.index(ch)
        else:
            raise ValueError("UPN characters 2-12 must be digits")
        total += value * pos
    return UPN_ALPHA[total % 23]


def upn_problem(upn: str | None) -> str | None:
    """None when the UPN is well formed with a correct check letter, else what is wrong."""
    if upn is None or upn == "":
        return "UPN missing"
    if len(upn) != 13:
        return "UPN must be 13 characters"
    if not _UPN_SHAPE.match(upn):
        if not upn[1:12].isdigit():
            return "UPN characters 2-12 not all numeric"
        return "UPN character 13 not a recognised value"
    if upn[0] != upn_check_letter(upn[1:]):
        return "UPN invalid (wrong check letter at character 1)"
    return None


def is_valid_upn(upn: str | None) -> bool:
    return upn_problem(upn) is None


def make_upn(la_code: str, establishment: str, year2: str, serial3: str) -> str:
    """A permanent UPN with a correct check letter (used by the synthetic LA)."""
    body = f"{la_code:0>3}{establishment:0>4}{year2:0>2}{serial3:0>3}"
    return upn_check_letter(body) + body


def uln_problem(uln: str | None) -> str | None:
    """None when a ULN passes the ILR DD01 check digit (9999999999 is a special value)."""
    if uln is None or uln == "":
        return "ULN missing"
    if len(uln) != 10 or not uln.isdigit():
        return "ULN must be 10 digits"
    if uln == "9999999999":
        return None
    r = sum(int(d) * w for d, w in zip(uln[:9], range(10, 1, -1))) % 11
    if r == 0:
        return "ULN invalid (check digit cannot be satisfied)"
    if int(uln[9]) != 10 - r:
        return "ULN invalid (wrong check digit)"
    return None


def is_valid_uln(uln: str | None) -> bool:
    return uln_problem(uln) is None


def make_uln(first9: str) -> str | None:
    """Complete a 9-digit ULN stem with its check digit; None when no digit can satisfy it."""
    r = sum(int(d) * w for d, w in zip(first9, range(10, 1, -1))) % 11
    if r == 0 or 10 - r > 9:
        return None
    return first9 + str(10 - r)


def is_urn(value: object) -> bool:
    s = str(value) if value is not None else ""
    return s.isdigit() and 100000 <= int(s) <= 999999


def is_ukprn(value: object) -> bool:
    s = str(value) if value is not None else ""
    return len(s) == 8 and s.isdigit() and s.startswith("1")
