"""Deterministic ids for records read from a return, which carries no CMS ids.

A return identifies a child by UPN, else ULN, else name and date of birth, and a record by its own
dates; the ids are derived from exactly those, so the same child, request or plan read from two
returns (or twice from one) gets the same id, and nothing depends on file order or run:

  person_id     = id("person", identity)   identity = "upn:<UPN>" | "uln:<ULN>" | "name:<surname>|<forename>|<dob>"
  request_id    = id("request", person_id, ReceivedDate)
  assessment_id = id("assessment", request_id)
  plan_id       = id("plan", person_id, StartDate)       (the plan's start is stable across returns)
  placement_id  = id("placement", plan_id, URN | UKPRN | setting, rank, EntryDate)

`id(...)` is the first 8 bytes of SHA-256 over the parts joined by U+001F, reduced into
[10^15, 9*10^15): a bigint every engine and JSON holds exactly (< 2^53), disjoint in practice from a
CMS's own small serial ids. Names are compared normalised (NFKC, case-folded, letters and digits only).
Two records of one parent with the same natural key (e.g. two requests received on one day) get an
ordinal suffix in document order.
"""
from __future__ import annotations

import hashlib
import unicodedata

LOW, SPAN = 10**15, 8 * 10**15
SEP = "\x1f"


def stable_id(*parts) -> int:
    text = SEP.join("" if p is None else str(p) for p in parts)
    h = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    return LOW + h % SPAN


def norm_name(value) -> str:
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", str(value)).casefold()
    return "".join(ch for ch in s if ch.isalnum())


def identity(upn, uln, surname, forename, dob) -> str | None:
    """The match identity of a child (UPN, else ULN, else name + date of birth); None when none is usable."""
    if upn and str(upn).strip():
        return "upn:" + str(upn).strip().upper()
    if uln and str(uln).strip():
        return "uln:" + str(uln).strip()
    if dob and (norm_name(surname) or norm_name(forename)):
        return f"name:{norm_name(surname)}|{norm_name(forename)}|{str(dob).strip()}"
    return None


def with_ordinals(keys: list[tuple]) -> list[tuple]:
    """Each key's parts, with an ordinal appended to the second and later repeats, in order:
    [a, b, a] -> [a, b, (*a, 2)]."""
    seen: dict = {}
    out = []
    for k in keys:
        seen[k] = seen.get(k, 0) + 1
        out.append(tuple(k) if seen[k] == 1 else (*k, seen[k]))
    return out
