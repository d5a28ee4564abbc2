"""The business rules of the SEN2 return (second validation layer, after the XSD), as a registry.

Each rule has a code, a severity (`error`: COLLECT would not let the return be authorised, fix it in the
CMS; `query`: explain or amend), the module and fields it looks at, a plain-English message and a check
that returns the offending rows. The checks read the canonical tables (scope.py / reader.py), so they
run the same on the return we built and on a file downloaded from COLLECT.

Provenance (shared/spec/sen2.md §5): the DfE's own rule numbers and messages were not available, so the
codes below are ours. Rules drawn from the DfE guide (§5.3) and the DfE-wide identifier algorithms
(§5.2) are marked as such; the rest transcribe the "probable COLLECT checks" of §5.5 and say UNVERIFIED
in their message. Every rule has its own test in tests/sen2/test_rules.py (fires on a crafted bad
record, silent on a good one).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import numpy as np
import pandas as pd

from ..kernel.identifiers import UPN_ALPHA, uln_problem, upn_problem
from .calendar import SEN2_DIR, census_days
from .structure import Structure

ERROR, QUERY = "error", "query"
WEEK = pd.Timedelta(days=7)
_POSTCODE = re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$")


@dataclass
class RuleContext:
    year: int
    census: date
    period_start: date
    period_end: date
    la_code: str
    structure: Structure
    now: datetime = field(default_factory=datetime.now)
    known_urns: set[str] | None = None     # GIAS URNs (None: not checked, e.g. a file without a warehouse)
    known_ukprns: set[str] | None = None
    header_sources: dict[str, str] = field(default_factory=dict)  # DMO/DCO/DSCO → where the value came from
    quarantined: dict[str, int] = field(default_factory=dict)  # warehouse entity → rows held back by the load
    sanitised: int = 0  # text values that lost characters XML cannot carry (control characters)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    module: str
    fields: tuple[str, ...]
    message: str
    check: Callable
    source: str = "spec §5.5 (UNVERIFIED)"


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, module: str, fields: tuple[str, ...], message: str, source: str = "spec §5.5 (UNVERIFIED)"):
    def register(fn):
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = Rule(code, severity, module, tuple(fields), message, fn, source)
        return fn
    return register


# --------------------------------------------------------------------------------------- view
class View:
    """The tables with parsed dates and parent values lined up, computed once per run."""

    def __init__(self, tables: dict[str, pd.DataFrame], header: dict, ctx: RuleContext):
        self.tables = {k: v.reset_index(drop=True) for k, v in tables.items()}
        self.tables["header"] = pd.DataFrame([header or {}])
        self.ctx = ctx
        self.census = pd.Timestamp(ctx.census)
        self.p0, self.p1 = pd.Timestamp(ctx.period_start), pd.Timestamp(ctx.period_end)
        self._dates: dict[tuple[str, str], pd.Series] = {}
        self._text: dict[tuple[str, str], pd.Series] = {}
        self._maps: dict[tuple, pd.Series] = {}

    def t(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def s(self, name: str, col: str) -> pd.Series:
        key = (name, col)
        if key not in self._text:
            frame = self.tables[name]
            if col not in frame.columns:
                out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
            else:
                col_ = frame[col]
                out = col_.astype(object).where(col_.notna(), None)
                if out.dtype != object:  # pragma: no cover - pandas keeps object here
                    out = pd.Series(out.tolist(), index=frame.index, dtype=object)
            self._text[key] = out
        return self._text[key]

    def has(self, name: str, col: str) -> pd.Series:
        return self.s(name, col).notna()

    def d(self, name: str, col: str) -> pd.Series:
        key = (name, col)
        if key not in self._dates:
            self._dates[key] = pd.to_datetime(self.s(name, col), format="%Y-%m-%d", errors="coerce")
        return self._dates[key]

    def by_request(self, name: str, source: str, col: str, date_: bool = False) -> pd.Series:
        """A column of a request-level table, lined up with the rows of `name`."""
        key = ("r", name, source, col, date_)
        if key not in self._maps:
            self._maps[key] = self._by_request(name, source, col, date_)
        return self._maps[key]

    def _by_request(self, name: str, source: str, col: str, date_: bool) -> pd.Series:
        lookup = self.d(source, col) if date_ else self.s(source, col)
        lookup = pd.Series(lookup.to_numpy(), index=self.t(source)["request_seq"].to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        return pd.Series(self.t(name)["request_seq"].map(lookup).to_numpy(), index=self.t(name).index)

    def by_person(self, name: str, col: str, date_: bool = False) -> pd.Series:
        key = ("p", name, col, date_)
        if key not in self._maps:
            self._maps[key] = self._by_person(name, col, date_)
        return self._maps[key]

    def _by_person(self, name: str, col: str, date_: bool) -> pd.Series:
        lookup = self.d("person", col) if date_ else self.s("person", col)
        lookup = pd.Series(lookup.to_numpy(), index=self.t("person")["person_seq"].to_numpy())
        return pd.Series(self.t(name)["person_seq"].map(lookup).to_numpy(), index=self.t(name).index)

    def request_has(self, name: str, child: str) -> pd.Series:
        """For each row of request-level table `name`: does table `child` hold a row for its request?"""
        present = set(self.t(child)["request_seq"].dropna().astype(int))
        return self.t(name)["request_seq"].isin(present)


def hits(table: str, mask: pd.Series, detail=None) -> pd.DataFrame:
    """The rows of `table` where `mask` holds; `detail` (text, Series, or a function of the hit rows' index)
    explains each without naming anyone."""
    mask = mask.fillna(False).astype(bool)
    idx = mask.index[mask.to_numpy()]
    if callable(detail):  # computed only when something was found
        detail = detail() if len(idx) else ""
    if isinstance(detail, pd.Series):
        det = detail.loc[idx].astype(object).where(detail.loc[idx].notna(), "").astype(str).to_numpy()
    else:
        det = [detail or ""] * len(idx)
    return pd.DataFrame({"table": table, "row": idx.to_numpy(dtype=np.int64), "detail": det})


def _fmt(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%Y-%m-%d").fillna("blank")


def _weeks(a: pd.Series, b: pd.Series) -> pd.Series:
    return ((b - a).dt.days / 7).round(1)


# --------------------------------------------------------------------------------------- header
@rule("HDR01", ERROR, "Header", ("ReferenceDate", "Year"),
      "ReferenceDate is not the census day of the collection year (UNVERIFIED that COLLECT insists; spec §2)")
def _hdr01(v: View):
    ref = v.d("header", "ReferenceDate")
    year = pd.to_numeric(v.s("header", "Year"), errors="coerce")
    census = year.map(lambda y: pd.Timestamp(census_days()[int(y)]) if pd.notna(y) and int(y) in census_days() else pd.NaT)
    return hits("header", ref.isna() | (census.notna() & (ref != census)),
                lambda: "ReferenceDate " + _fmt(ref) + ", census day " + _fmt(pd.to_datetime(census)))


@rule("HDR02", ERROR, "Header", ("Year",), "Year is not the collection year being prepared")
def _hdr02(v: View):
    year = v.s("header", "Year")
    return hits("header", year != str(v.ctx.year), lambda: "Year " + year.astype(str) + f", expected {v.ctx.year}")


@rule("HDR03", ERROR, "Header", ("LEA",), "LEA is not the submitting local authority's DfE number")
def _hdr03(v: View):
    lea = v.s("header", "LEA")
    return hits("header", lea != str(v.ctx.la_code), lambda: "LEA " + lea.astype(str) + f", expected {v.ctx.la_code}")


@rule("HDR04", ERROR, "Header", ("DateTime",), "DateTime is missing or in the future")
def _hdr04(v: View):
    when = pd.to_datetime(v.s("header", "DateTime"), format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    return hits("header", when.isna() | (when > pd.Timestamp(v.ctx.now) + pd.Timedelta(minutes=5)))


@rule("HDR05", QUERY, "Header", ("DMO", "DCO", "DSCO"),
      "DMO/DCO/DSCO were not given for this run and were copied from the DfE's last published figures: confirm "
      "them (DAG params dmo, dco, dsco); their location and Y/N/R codes are UNVERIFIED (spec §3.2)")
def _hdr05(v: View):
    copied = [f"{k} from {src}" for k, src in sorted(v.ctx.header_sources.items()) if src != "param"]
    frame = v.t("header")
    return hits("header", pd.Series([bool(copied)] * len(frame), index=frame.index), lambda: "; ".join(copied))


@rule("HDR06", QUERY, "Header", ("(records held back by the nightly load)",),
      "Rows of the last nightly load are in quarantine, so these records may be missing from the return: fix them "
      "at source (reasons in SEND_OUTPUT_DIR/quality/<run>/quarantine/) and reload", source="pipeline (send_nightly)")
def _hdr06(v: View):
    held = {k: n for k, n in sorted(v.ctx.quarantined.items()) if n}
    frame = v.t("header")
    return hits("header", pd.Series([bool(held)] * len(frame), index=frame.index),
                lambda: "; ".join(f"{k}: {n} rows" for k, n in held.items()))


@rule("HDR07", QUERY, "Person/PlacementDetail", ("Surname", "Forename", "PostCode", "SENSettingOther"),
      "Some names or descriptions held characters XML cannot carry (control characters); they were left out of "
      "the file: correct them in the CMS", source="XML 1.0")
def _hdr07(v: View):
    frame = v.t("header")
    return hits("header", pd.Series([v.ctx.sanitised > 0] * len(frame), index=frame.index),
                lambda: f"{v.ctx.sanitised} values")


# --------------------------------------------------------------------------------------- person
@rule("PER01", ERROR, "Person", ("UPN",), "UPN is invalid (check letter, digits or 13th character)",
      source="spec §5.2 (govtalk UPN standard; CIN rules 1510/1540/1550)")
def _per01(v: View):
    upn = v.s("person", "UPN")
    suspect = upn.notna() & ~_upn_ok(upn)
    problem = upn[suspect].map(upn_problem)
    return hits("person", suspect & upn.index.isin(problem.index[problem.notna()]), lambda: problem.reindex(upn.index))


def _upn_ok(upn: pd.Series) -> pd.Series:
    """Well-formed permanent UPNs whose check letter is right (vectorised; the rest go to upn_problem)."""
    ok = pd.Series(False, index=upn.index)
    shaped = upn.str.fullmatch(r"[A-Z]\d{12}").fillna(False).astype(bool)
    if shaped.any():
        body = np.array([list(u[1:]) for u in upn[shaped]], dtype=np.int64)
        letters = np.array(list(UPN_ALPHA))[(body * np.arange(2, 14)).sum(axis=1) % 23]
        ok[shaped] = letters == upn[shaped].str[0].to_numpy()
    return ok


def _la_numbers() -> set[str]:
    out: set[str] = set()
    with open(SEN2_DIR / "la_codes.csv", newline="", encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    for rec in csv.DictReader(rows):
        out.update(f"{n:03d}" for n in range(int(rec["range_from"]), int(rec["range_to"]) + 1))
    return out


@rule("PER02", QUERY, "Person", ("UPN",),
      "UPN characters 2-4 are not a recognised LA number (list in include/sen2/la_codes.csv is UNVERIFIED for SEN2)",
      source="spec §4.9 (CIN rule 1530)")
def _per02(v: View):
    upn = v.s("person", "UPN")
    las = _la_numbers()
    la = upn.str.slice(1, 4)
    bad = upn.notna() & (upn.str.len() == 13) & ~la.isin(las)
    return hits("person", bad, lambda: "LA number " + la.astype(str))


@rule("PER03", ERROR, "Person", ("UPN",), "The same UPN is given for more than one person",
      source="spec §5.2 (CIN rule 1520)")
def _per03(v: View):
    upn = v.s("person", "UPN")
    return hits("person", upn.notna() & upn.duplicated(keep=False))


@rule("PER04", QUERY, "Person", ("UniqueLearnerNumber",),
      "ULN fails its check digit (whether COLLECT applies the check is UNVERIFIED)", source="spec §5.2 (ILR DD01)")
def _per04(v: View):
    uln = v.s("person", "UniqueLearnerNumber")
    suspect = uln.notna() & ~_uln_ok(uln)
    problem = uln[suspect].map(uln_problem).reindex(uln.index)
    return hits("person", problem.notna(), lambda: problem)


def _uln_ok(uln: pd.Series) -> pd.Series:
    """ULNs that pass the ILR check digit (vectorised; the rest go to uln_problem for the reason)."""
    ok = pd.Series(False, index=uln.index)
    shaped = uln.str.fullmatch(r"\d{10}").fillna(False).astype(bool)
    if shaped.any():
        digits = np.array([list(u) for u in uln[shaped]], dtype=np.int64)
        r = (digits[:, :9] * np.arange(10, 1, -1)).sum(axis=1) % 11
        ok[shaped] = (r != 0) & (digits[:, 9] == 10 - r)
    return ok


@rule("PER05", ERROR, "Person", ("UniqueLearnerNumber",), "The same ULN is given for more than one person")
def _per05(v: View):
    uln = v.s("person", "UniqueLearnerNumber")
    return hits("person", uln.notna() & (uln != "9999999999") & uln.duplicated(keep=False))


@rule("PER06", ERROR, "Person", ("UPN", "UniqueLearnerNumber", "UPNunknown"),
      "No UPN, no ULN and no UPN-unknown reason: record the UPN (or ULN), or why it is not known",
      source="spec §5.3.1 (DfE guide)")
def _per06(v: View):
    return hits("person", ~v.has("person", "UPN") & ~v.has("person", "UniqueLearnerNumber") & ~v.has("person", "UPNunknown"))


@rule("PER07", ERROR, "Person", ("UPNunknown", "UPN", "UniqueLearnerNumber"),
      "UPNunknown is given although the person has a UPN or ULN", source="spec §3.3 (DfE guide)")
def _per07(v: View):
    return hits("person", v.has("person", "UPNunknown") & (v.has("person", "UPN") | v.has("person", "UniqueLearnerNumber")))


@rule("PER08", ERROR, "Person", ("PersonBirthDate",), "PersonBirthDate is after the census day")
def _per08(v: View):
    return hits("person", v.d("person", "PersonBirthDate") > v.census)


@rule("PER09", QUERY, "Person", ("PersonBirthDate",), "Person is older than 25 on the census day but has an active plan")
def _per09(v: View):
    dob = v.by_person("active_plans", "PersonBirthDate", date_=True)
    old = dob + pd.DateOffset(years=26) <= v.census
    people = set(v.t("active_plans").loc[old.fillna(False).to_numpy(), "person_seq"])
    return hits("person", v.t("person")["person_seq"].isin(people))


@rule("PER10", QUERY, "Person", ("PostCode",), "PostCode is not in a valid UK postcode format")
def _per10(v: View):
    pc = v.s("person", "PostCode")
    return hits("person", pc.notna() & ~pc.map(lambda p: bool(_POSTCODE.match(str(p).upper()))))


# --------------------------------------------------------------------------------------- requests
def _r(v: View):
    return v.s("requests", "RequestOutcome")


@rule("REQ01", ERROR, "Requests", ("ReceivedDate", "RequestOutcome"), "ReceivedDate is missing (required unless RequestOutcome is H)",
      source="spec §3.4 (DfE guide)")
def _req01(v: View):
    return hits("requests", (_r(v) != "H") & v.d("requests", "ReceivedDate").isna())


@rule("REQ02", ERROR, "Requests", ("ReceivedDate",), "ReceivedDate is after the end of the collection period")
def _req02(v: View):
    rcv = v.d("requests", "ReceivedDate")
    return hits("requests", (_r(v) != "H") & (rcv > v.p1), lambda: "received " + _fmt(rcv))


@rule("REQ03", ERROR, "Requests", ("ReceivedDate", "PersonBirthDate"), "ReceivedDate is before the person's date of birth")
def _req03(v: View):
    return hits("requests", v.d("requests", "ReceivedDate") < v.by_person("requests", "PersonBirthDate", date_=True))


@rule("REQ04", ERROR, "Requests", ("RequestOutcomeDate", "RequestOutcome"), "RequestOutcomeDate is missing for a decision (Y or N)",
      source="spec §5.3.2 (DfE guide)")
def _req04(v: View):
    return hits("requests", _r(v).isin(["Y", "N"]) & v.d("requests", "RequestOutcomeDate").isna(), lambda: "outcome " + _r(v).astype(str))


@rule("REQ05", ERROR, "Requests", ("RequestOutcomeDate", "RequestOutcome"), "RequestOutcomeDate is given although the outcome is A, W or H",
      source="spec §5.3.2 (DfE guide)")
def _req05(v: View):
    return hits("requests", _r(v).isin(["A", "W", "H"]) & v.has("requests", "RequestOutcomeDate"), lambda: "outcome " + _r(v).astype(str))


@rule("REQ06", ERROR, "Requests", ("RequestOutcomeDate", "ReceivedDate"), "RequestOutcomeDate is before ReceivedDate")
def _req06(v: View):
    rcv, dec = v.d("requests", "ReceivedDate"), v.d("requests", "RequestOutcomeDate")
    return hits("requests", dec < rcv, lambda: "received " + _fmt(rcv) + ", decided " + _fmt(dec))


@rule("REQ07", ERROR, "Requests", ("RequestOutcomeDate",), "RequestOutcomeDate is after the census day")
def _req07(v: View):
    dec = v.d("requests", "RequestOutcomeDate")
    return hits("requests", dec > v.census, lambda: "decided " + _fmt(dec))


@rule("REQ08", QUERY, "Requests", ("ReceivedDate", "RequestOutcomeDate"),
      "Decision whether to assess took (or is taking) more than 6 weeks", source="spec §5.4 (SEND Regulations 2014)")
def _req08(v: View):
    rcv, dec = v.d("requests", "ReceivedDate"), v.d("requests", "RequestOutcomeDate")
    decided_late = _r(v).isin(["Y", "N"]) & (dec - rcv > 6 * WEEK)
    awaited = (_r(v) == "A") & (v.census - rcv > 6 * WEEK)
    detail = pd.Series(np.where(awaited, "awaiting decision " + _weeks(rcv, pd.Series(v.census, index=rcv.index)).astype(str) + " weeks",
                                "decided after " + _weeks(rcv, dec).astype(str) + " weeks"), index=rcv.index)
    return hits("requests", decided_late | awaited, lambda: detail)


@rule("REQ09", ERROR, "Requests", ("RequestSource",), "RequestSource is missing (mandatory this year unless the outcome is H)",
      source="spec §3.4, §6 (mandatory from 2026)")
def _req09(v: View):
    if not v.ctx.structure.mandatory("RequestSource"):
        return hits("requests", pd.Series(False, index=v.t("requests").index))
    return hits("requests", (_r(v) != "H") & ~v.has("requests", "RequestSource"))


@rule("REQ10", ERROR, "Requests", ("RequestOutcome",), "An Assessment is given although RequestOutcome is not Y or H",
      source="spec §5.3.2 (DfE guide)")
def _req10(v: View):
    return hits("requests", ~_r(v).isin(["Y", "H"]) & v.request_has("requests", "assessment"), lambda: "outcome " + _r(v).astype(str))


@rule("REQ11", ERROR, "Requests", ("RequestOutcome",), "RequestOutcome is Y or H but there is no Assessment")
def _req11(v: View):
    return hits("requests", _r(v).isin(["Y", "H"]) & ~v.has("requests", "Exported") & ~v.request_has("requests", "assessment"),
                lambda: "outcome " + _r(v).astype(str))


@rule("REQ12", ERROR, "Requests", ("Exported",), "An exported request carries an Assessment or ActivePlans (nothing further is required)",
      source="spec §5.3.6 (DfE guide)")
def _req12(v: View):
    further = v.request_has("requests", "assessment") | v.request_has("requests", "active_plans")
    return hits("requests", v.has("requests", "Exported") & further)


@rule("REQ13", ERROR, "Requests", ("Exported",), "Exported names the submitting LA itself")
def _req13(v: View):
    return hits("requests", v.s("requests", "Exported") == str(v.ctx.la_code))


@rule("REQ14", QUERY, "Requests", ("RYA", "RequestMediation", "RequestTribunal"),
      "RYA, RequestMediation or RequestTribunal is missing for a decision (Y or N) (UNVERIFIED that COLLECT requires them)")
def _req14(v: View):
    missing = ~v.has("requests", "RYA") | ~v.has("requests", "RequestMediation") | ~v.has("requests", "RequestTribunal")
    return hits("requests", _r(v).isin(["Y", "N"]) & missing)


# --------------------------------------------------------------------------------------- assessment
def _a(v: View):
    return v.s("assessment", "AssessmentOutcome")


@rule("ASM01", ERROR, "Assessment", ("AssessmentOutcomeDate", "AssessmentOutcome"),
      "AssessmentOutcomeDate is missing for a decision not to issue (N)", source="spec §5.3.4 (DfE guide)")
def _asm01(v: View):
    return hits("assessment", (_a(v) == "N") & v.d("assessment", "AssessmentOutcomeDate").isna())


@rule("ASM02", ERROR, "Assessment", ("AssessmentOutcomeDate", "AssessmentOutcome"),
      "AssessmentOutcomeDate is given although the outcome is A, W or H", source="spec §5.3.4 (DfE guide)")
def _asm02(v: View):
    return hits("assessment", _a(v).isin(["A", "W", "H"]) & v.has("assessment", "AssessmentOutcomeDate"), lambda: "outcome " + _a(v).astype(str))


@rule("ASM03", ERROR, "Assessment", ("AssessmentOutcomeDate", "RequestOutcomeDate", "ReceivedDate"),
      "AssessmentOutcomeDate is before the request was received or decided")
def _asm03(v: View):
    out = v.d("assessment", "AssessmentOutcomeDate")
    rcv = v.by_request("assessment", "requests", "ReceivedDate", date_=True)
    dec = v.by_request("assessment", "requests", "RequestOutcomeDate", date_=True)
    return hits("assessment", (out < rcv) | (out < dec), lambda: "outcome " + _fmt(out) + ", decided " + _fmt(dec))


@rule("ASM04", ERROR, "Assessment", ("AssessmentOutcomeDate",), "AssessmentOutcomeDate is after the census day")
def _asm04(v: View):
    out = v.d("assessment", "AssessmentOutcomeDate")
    return hits("assessment", out > v.census, lambda: "outcome " + _fmt(out))


@rule("ASM05", QUERY, "Assessment", ("AssessmentOutcomeDate", "ReceivedDate", "Week20"),
      "Plan issued more than 20 weeks after the request and no 20-week exception (Week20 = 0) is recorded",
      source="spec §5.4 (SEND Regulations 2014; issue date = AssessmentOutcomeDate, UNVERIFIED)")
def _asm05(v: View):
    out = v.d("assessment", "AssessmentOutcomeDate")
    rcv = v.by_request("assessment", "requests", "ReceivedDate", date_=True)
    late = (_a(v) == "Y") & (out - rcv > 20 * WEEK) & (v.s("assessment", "Week20") != "1")
    return hits("assessment", late, lambda: "issued after " + _weeks(rcv, out).astype(str) + " weeks")


@rule("ASM06", QUERY, "Assessment", ("AssessmentOutcomeDate", "ReceivedDate"),
      "Decision not to issue a plan was made more than 16 weeks after the request", source="spec §5.4 (SEND Regulations 2014)")
def _asm06(v: View):
    out = v.d("assessment", "AssessmentOutcomeDate")
    rcv = v.by_request("assessment", "requests", "ReceivedDate", date_=True)
    return hits("assessment", (_a(v) == "N") & (out - rcv > 16 * WEEK), lambda: "decided after " + _weeks(rcv, out).astype(str) + " weeks")


@rule("ASM07", ERROR, "Assessment", ("Week20",), "Week20 is missing for a plan issued in the period (the 20-week measure needs it)")
def _asm07(v: View):
    return hits("assessment", (_a(v) == "Y") & v.has("assessment", "AssessmentOutcomeDate") & ~v.has("assessment", "Week20"))


@rule("ASM08", ERROR, "Assessment", ("AssessmentOutcome",), "Plan issued (Y with a date) or historical (H) but no NamedPlan",
      source="spec §5.3.5 (DfE guide)")
def _asm08(v: View):
    issued = ((_a(v) == "Y") & v.has("assessment", "AssessmentOutcomeDate")) | (_a(v) == "H")
    return hits("assessment", issued & ~v.request_has("assessment", "named_plan"), lambda: "outcome " + _a(v).astype(str))


@rule("ASM09", ERROR, "Assessment", ("AssessmentOutcome",), "NamedPlan is given although no plan has been issued (outcome N, A, W, or Y without a date)",
      source="spec §5.3.4 (DfE guide)")
def _asm09(v: View):
    issued = ((_a(v) == "Y") & v.has("assessment", "AssessmentOutcomeDate")) | (_a(v) == "H")
    return hits("assessment", ~issued & v.request_has("assessment", "named_plan"), lambda: "outcome " + _a(v).astype(str))


@rule("ASM10", QUERY, "Assessment", ("AssessmentOutcome", "ReceivedDate"),
      "Assessment still open (no plan issued yet) more than 20 weeks after the request", source="spec §5.4 (SEND Regulations 2014)")
def _asm10(v: View):
    rcv = v.by_request("assessment", "requests", "ReceivedDate", date_=True)
    open_ = (_a(v) == "A") | ((_a(v) == "Y") & ~v.has("assessment", "AssessmentOutcomeDate"))
    return hits("assessment", open_ & (v.census - rcv > 20 * WEEK),
                lambda: "open " + _weeks(rcv, pd.Series(v.census, index=rcv.index)).astype(str) + " weeks")


# --------------------------------------------------------------------------------------- named plan
@rule("NPL01", ERROR, "NamedPlan", ("StartDate",), "StartDate is after the census day")
def _npl01(v: View):
    start = v.d("named_plan", "StartDate")
    return hits("named_plan", start > v.census, lambda: "start " + _fmt(start))


@rule("NPL02", QUERY, "NamedPlan", ("StartDate", "AssessmentOutcomeDate"),
      "StartDate is before the date the plan was issued (AssessmentOutcomeDate) (UNVERIFIED rule)")
def _npl02(v: View):
    start = v.d("named_plan", "StartDate")
    issued = v.by_request("named_plan", "assessment", "AssessmentOutcomeDate", date_=True)
    return hits("named_plan", start < issued, lambda: "start " + _fmt(start) + ", issued " + _fmt(issued))


@rule("NPL03", ERROR, "NamedPlan", ("CeaseDate", "StartDate"), "CeaseDate is before StartDate")
def _npl03(v: View):
    start, cease = v.d("named_plan", "StartDate"), v.d("named_plan", "CeaseDate")
    return hits("named_plan", cease < start, lambda: "start " + _fmt(start) + ", ceased " + _fmt(cease))


@rule("NPL04", ERROR, "NamedPlan", ("CeaseDate", "CeaseReason"), "CeaseDate and CeaseReason must be given together")
def _npl04(v: View):
    return hits("named_plan", v.has("named_plan", "CeaseDate") != v.has("named_plan", "CeaseReason"))


@rule("NPL05", QUERY, "NamedPlan", ("CeaseDate",), "CeaseDate is outside the collection period")
def _npl05(v: View):
    cease = v.d("named_plan", "CeaseDate")
    return hits("named_plan", (cease < v.p0) | (cease > v.p1), lambda: "ceased " + _fmt(cease))


@rule("NPL06", ERROR, "NamedPlan", ("PB", "OA", "DP"), "OA = 1 or DP is given but there is no personal budget (PB is not 1)")
def _npl06(v: View):
    pb = v.s("named_plan", "PB")
    return hits("named_plan", (pb != "1") & ((v.s("named_plan", "OA") == "1") | v.has("named_plan", "DP")))


@rule("NPL07", QUERY, "NamedPlan", ("CeaseReason",), "CeaseReason is 9 (Other): COLLECT will ask what the reason was",
      source="spec §5.1 (DfE guide: prompt in COLLECT)")
def _npl07(v: View):
    return hits("named_plan", v.s("named_plan", "CeaseReason") == "9")


@rule("NPL08", ERROR, "NamedPlan", ("CeaseDate",), "The plan ceased on or before the census day but ActivePlans is given")
def _npl08(v: View):
    ceased = v.d("named_plan", "CeaseDate") <= v.census
    return hits("named_plan", ceased & v.request_has("named_plan", "active_plans"))


@rule("NPL09", ERROR, "NamedPlan", ("CeaseDate",), "The plan has not ceased but there is no ActivePlans record (every plan active on the census day needs one)")
def _npl09(v: View):
    return hits("named_plan", ~v.has("named_plan", "CeaseDate") & ~v.request_has("named_plan", "active_plans"))


@rule("NPL10", QUERY, "NamedPlan", ("PlanDetail",), "No placement named in the plan (PlanDetail with PlacementRank 1) (UNVERIFIED: real returns omit it)")
def _npl10(v: View):
    pd_ = v.t("plan_detail")
    ranked = set(pd_.loc[v.s("plan_detail", "PlacementRank") == "1", "request_seq"].dropna().astype(int))
    return hits("named_plan", ~v.t("named_plan")["request_seq"].isin(ranked))


@rule("NPL11", ERROR, "NamedPlan", ("PlacementRank",), "Two placements named in the plan have the same PlacementRank")
def _npl11(v: View):
    rank = v.s("plan_detail", "PlacementRank")
    pair = pd.DataFrame({"r": v.t("plan_detail")["request_seq"], "k": rank})
    return hits("plan_detail", rank.notna() & pair.duplicated(keep=False), lambda: "rank " + rank.astype(str))


# --------------------------------------------------------------------------------------- placements
def _placement_tables():
    return ("plan_detail", "placement_detail")


@rule("PLC01", ERROR, "PlanDetail/PlacementDetail", ("URN", "UKPRN", "SENSetting"),
      "Give exactly one of URN, UKPRN or SENSetting for each placement", source="spec §5.3.7 (DfE guide)")
def _plc01(v: View):
    out = []
    for t in _placement_tables():
        n = v.has(t, "URN").astype(int) + v.has(t, "UKPRN").astype(int) + v.has(t, "SENSetting").astype(int)
        out.append(hits(t, n != 1, lambda: n.astype(str) + " of the three given"))
    return pd.concat(out, ignore_index=True)


@rule("PLC02", QUERY, "PlanDetail/PlacementDetail", ("SENSetting", "SENSettingOther"),
      "SENSetting is OTH or NIEO: describe the setting in SENSettingOther (COLLECT prompts for it)", source="spec §5.3.8 (DfE guide)")
def _plc02(v: View):
    out = []
    for t in _placement_tables():
        setting = v.s(t, "SENSetting")
        out.append(hits(t, setting.isin(["OTH", "NIEO"]) & ~v.has(t, "SENSettingOther"), lambda: "setting " + setting.astype(str)))
    return pd.concat(out, ignore_index=True)


@rule("PLC03", ERROR, "PlacementDetail", ("EntryDate",), "EntryDate (the day the placement started) is missing")
def _plc03(v: View):
    return hits("placement_detail", v.d("placement_detail", "EntryDate").isna())


@rule("PLC04", ERROR, "PlacementDetail", ("EntryDate", "LeavingDate"), "LeavingDate is before EntryDate")
def _plc04(v: View):
    entry, leave = v.d("placement_detail", "EntryDate"), v.d("placement_detail", "LeavingDate")
    return hits("placement_detail", leave < entry, lambda: "entry " + _fmt(entry) + ", left " + _fmt(leave))


@rule("PLC05", ERROR, "PlacementDetail", ("EntryDate", "LeavingDate"), "EntryDate or LeavingDate is after the census day")
def _plc05(v: View):
    entry, leave = v.d("placement_detail", "EntryDate"), v.d("placement_detail", "LeavingDate")
    return hits("placement_detail", (entry > v.census) | (leave > v.census), lambda: "entry " + _fmt(entry) + ", left " + _fmt(leave))


@rule("PLC06", QUERY, "PlanDetail/PlacementDetail", ("URN", "UKPRN"),
      "URN or UKPRN is not in the GIAS extract (COLLECT probably checks GIAS / UKRLP: UNVERIFIED)")
def _plc06(v: View):
    out = []
    urns, ukprns = v.ctx.known_urns, v.ctx.known_ukprns
    for t in _placement_tables():
        bad = pd.Series(False, index=v.t(t).index)
        if urns is not None:
            bad |= v.has(t, "URN") & ~v.s(t, "URN").isin(urns)
        if ukprns is not None:
            bad |= v.has(t, "UKPRN") & ~v.s(t, "UKPRN").isin(ukprns)
        out.append(hits(t, bad, lambda: "URN " + v.s(t, "URN").fillna("-").astype(str) + " / UKPRN " + v.s(t, "UKPRN").fillna("-").astype(str)))
    return pd.concat(out, ignore_index=True)


@rule("PLC07", QUERY, "PlanDetail/PlacementDetail", ("UKPRN",), "UKPRN does not start with 1 (UNVERIFIED: UKPRNs are 1nnnnnnn)")
def _plc07(v: View):
    out = []
    for t in _placement_tables():
        ukprn = v.s(t, "UKPRN")
        out.append(hits(t, ukprn.notna() & ~ukprn.astype(str).str.startswith("1"), lambda: "UKPRN " + ukprn.astype(str)))
    return pd.concat(out, ignore_index=True)


def _open_on_census(v: View) -> pd.Series:
    entry, leave = v.d("placement_detail", "EntryDate"), v.d("placement_detail", "LeavingDate")
    return (entry.isna() | (entry <= v.census)) & (leave.isna() | (leave > v.census))


@rule("PLC08", ERROR, "PlacementDetail", ("PlacementRank", "EntryDate", "LeavingDate"),
      "More than one primary (rank 1) placement is open on the census day")
def _plc08(v: View):
    t = v.t("placement_detail")
    primary = _open_on_census(v) & (v.s("placement_detail", "PlacementRank") == "1")
    dup = primary & t["request_seq"].where(primary).duplicated(keep=False) & t["request_seq"].notna()
    return hits("placement_detail", dup)


# --------------------------------------------------------------------------------------- active plans
@rule("APL01", ERROR, "ActivePlans", ("PlacementDetail",),
      "No placement is open on the census day (record where the person is, or NIEO / NEET with detail)")
def _apl01(v: View):
    open_ = set(v.t("placement_detail").loc[_open_on_census(v).to_numpy(), "request_seq"].dropna().astype(int))
    return hits("active_plans", ~v.t("active_plans")["request_seq"].isin(open_))


@rule("APL02", ERROR, "ActivePlans", ("SENneed",), "No primary need (SENneed with SENtypeRank 1)", source="spec §5.3.9 (DfE guide)")
def _apl02(v: View):
    primary = set(v.t("sen_need").loc[(v.s("sen_need", "SENtypeRank") == "1").to_numpy(), "request_seq"].dropna().astype(int))
    return hits("active_plans", ~v.t("active_plans")["request_seq"].isin(primary))


@rule("APL03", ERROR, "ActivePlans", ("SENtype", "SENtypeRank"), "SENneed ranks repeat, or the same need is given twice",
      source="spec §5.3.9 (DfE guide)")
def _apl03(v: View):
    t = v.t("sen_need")
    rank, kind = v.s("sen_need", "SENtypeRank"), v.s("sen_need", "SENtype")
    by_rank = pd.DataFrame({"r": t["request_seq"], "k": rank}).duplicated(keep=False)
    by_type = pd.DataFrame({"r": t["request_seq"], "k": kind}).duplicated(keep=False)
    return hits("sen_need", by_rank | by_type, lambda: kind.astype(str) + " rank " + rank.astype(str))


@rule("APL04", ERROR, "ActivePlans", ("TransferLA",), "TransferLA names the submitting LA itself")
def _apl04(v: View):
    return hits("active_plans", v.s("active_plans", "TransferLA") == str(v.ctx.la_code))


# --------------------------------------------------------------------------------------- reviews
REVIEW_DATES = ("ReviewMeeting", "LastReview", "ReviewDraft", "PhaseTransferFinalDate")


@rule("REV01", ERROR, "ActivePlans", REVIEW_DATES, "A review date is after the census day")
def _rev01(v: View):
    late = pd.Series(False, index=v.t("active_plans").index)
    for c in REVIEW_DATES:
        late |= v.d("active_plans", c) > v.census
    return hits("active_plans", late)


@rule("REV02", ERROR, "ActivePlans", ("LastReview", "ReviewMeeting"), "LastReview (the decision) is before ReviewMeeting",
      source="spec §5.3.11 (DfE guide)")
def _rev02(v: View):
    meet, dec = v.d("active_plans", "ReviewMeeting"), v.d("active_plans", "LastReview")
    return hits("active_plans", dec < meet, lambda: "meeting " + _fmt(meet) + ", decision " + _fmt(dec))


@rule("REV03", ERROR, "ActivePlans", ("ReviewMeeting", "ReviewOutcome", "LastReview"),
      "ReviewOutcome and LastReview must be given together, and only with a ReviewMeeting")
def _rev03(v: View):
    meet, out, last = v.has("active_plans", "ReviewMeeting"), v.has("active_plans", "ReviewOutcome"), v.has("active_plans", "LastReview")
    return hits("active_plans", (out != last) | ((out | last) & ~meet))


@rule("REV04", QUERY, "ActivePlans", ("ReviewMeeting", "LastReview"),
      "Review decision sent (or still awaited) more than 4 weeks after the meeting", source="spec §5.4 (SEND Regulations 2014)")
def _rev04(v: View):
    meet, dec = v.d("active_plans", "ReviewMeeting"), v.d("active_plans", "LastReview")
    late = dec - meet > 4 * WEEK
    awaited = dec.isna() & (v.census - meet > 4 * WEEK)
    census = pd.Series(v.census, index=meet.index)
    detail = pd.Series(np.where(awaited, "decision awaited " + _weeks(meet, census).astype(str) + " weeks",
                                "decision after " + _weeks(meet, dec).astype(str) + " weeks"), index=meet.index)
    return hits("active_plans", late | awaited, lambda: detail)


@rule("REV05", QUERY, "ActivePlans", ("ReviewMeeting",), "No review meeting in the 12 months before the census day (plan older than a year)",
      source="spec §5.4 (SEND Regulations 2014)")
def _rev05(v: View):
    meet = v.d("active_plans", "ReviewMeeting")
    start = v.by_request("active_plans", "named_plan", "StartDate", date_=True)
    transferred = v.has("active_plans", "TransferLA")
    year_ago = v.census - pd.DateOffset(years=1)
    stale = (start < year_ago) & ~transferred & (meet.isna() | (meet < year_ago))
    return hits("active_plans", stale, lambda: "last meeting " + _fmt(meet))


@rule("REV06", ERROR, "ActivePlans", ("ReviewDraft", "ReviewMeeting"), "ReviewDraft (draft amended plan) is before ReviewMeeting")
def _rev06(v: View):
    meet, draft = v.d("active_plans", "ReviewMeeting"), v.d("active_plans", "ReviewDraft")
    return hits("active_plans", draft < meet, lambda: "meeting " + _fmt(meet) + ", draft " + _fmt(draft))


@rule("REV07", QUERY, "ActivePlans", ("ReviewDraft", "ReviewOutcome"), "ReviewDraft is given but the review decision was not to amend (A)")
def _rev07(v: View):
    return hits("active_plans", v.has("active_plans", "ReviewDraft") & (v.s("active_plans", "ReviewOutcome") != "A"))


@rule("REV08", QUERY, "ActivePlans", ("PhaseTransferFinalDate", "PhaseTransferDueDate"),
      "Phase transfer: the final plan was issued after the statutory date (15 February / 31 March)",
      source="spec §5.4 (SEND Regulations 2014; UNVERIFIED as an SEN2 rule)")
def _rev08(v: View):
    due, final = v.d("active_plans", "PhaseTransferDueDate"), v.d("active_plans", "PhaseTransferFinalDate")
    return hits("active_plans", final > due, lambda: "due " + _fmt(due) + ", final " + _fmt(final))


# --------------------------------------------------------------------------------------- run
def run(tables: dict[str, pd.DataFrame], header: dict, ctx: RuleContext, codes: list[str] | None = None) -> pd.DataFrame:
    """Every rule (or those in `codes`) → one row per finding: rule, severity, table, row, detail."""
    view = View(tables, header, ctx)
    found = []
    for code, r in RULES.items():
        if codes is not None and code not in codes:
            continue
        frame = r.check(view)
        if len(frame):
            frame = frame.assign(rule=code, severity=r.severity)
            found.append(frame)
    cols = ["rule", "severity", "table", "row", "detail"]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return pd.concat(found, ignore_index=True)[cols]


def catalogue() -> pd.DataFrame:
    return pd.DataFrame([{"rule": r.code, "severity": r.severity, "module": r.module, "fields": ", ".join(r.fields),
                          "message": r.message, "source": r.source} for r in RULES.values()])
