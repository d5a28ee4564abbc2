"""Each SEN2 module's canonical table (`sen2.scope` selects the rows): the XML element names as
columns, every value formatted as the text the XML will hold (missing = element omitted), text values
cleared of characters XML 1.0 cannot carry, and the statutory phase-transfer deadline (SEND Regulations
2014 reg 18) of the ActivePlans review items.
"""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # canonical text: Arrow strings, NaN = omitted
REVIEW_OUTCOME = {"maintain": "M", "amend": "A", "cease": "C"}
# characters XML 1.0 cannot carry (control characters, surrogates, U+FFFE/U+FFFF)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ------------------------------------------------------------------------------------------ formatting
def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def fmt_date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce").dt.strftime("%Y-%m-%d").astype(TEXT)


def fmt_int(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("Int64").astype(TEXT)


_XML_ILLEGAL_RE2 = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"  # (valid UTF-8 holds no surrogates)


def fmt_text(s: pd.Series, counter: list | None = None) -> pd.Series:
    """Trimmed text; blank → missing; characters XML cannot carry are removed (and counted)."""
    if isinstance(s.dtype, pd.StringDtype):  # Arrow strings: vectorised
        bad = s.str.contains(_XML_ILLEGAL_RE2, regex=True).fillna(False).astype(bool)
        if bad.any():
            if counter is not None:
                counter.extend([1] * int(bad.sum()))
            s = s.str.replace(_XML_ILLEGAL_RE2, "", regex=True)
        t = s.str.strip().astype(TEXT)
        return t.where(t != "")
    out = []
    for v in s.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
            continue
        v = v if v.__class__ is str else str(v)
        if _XML_ILLEGAL.search(v):
            v = _XML_ILLEGAL.sub("", v)
            if counter is not None:
                counter.append(1)
        out.append(v.strip() or None)
    return pd.Series(out, index=s.index, dtype=TEXT)


def fmt_code(s: pd.Series) -> pd.Series:
    return fmt_text(s).str.upper()


def _when(mask, values: pd.Series) -> pd.Series:
    mask = pd.Series(np.asarray(mask, dtype=bool), index=values.index) if not isinstance(mask, pd.Series) \
        else mask.fillna(False).astype(bool)
    return values.where(mask)


def _frame(columns: dict) -> pd.DataFrame:
    """A canonical table from Series (sharing one index) and arrays, numbered from 0."""
    return pd.DataFrame({k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else pd.Series(v))
                         for k, v in columns.items()})


# ------------------------------------------------------------------------------------------ tables
def person_table(p: pd.DataFrame, sanitised: list) -> pd.DataFrame:
    return _frame({
        "person_seq": p["person_seq"], "person_id": p["person_id"],
        "Surname": fmt_text(p["surname"], sanitised),
        "Forename": fmt_text(p["forename"], sanitised),
        "PersonBirthDate": fmt_date(p["dob"]),
        "Sex": fmt_code(p["sex"]), "Ethnicity": fmt_code(p["ethnicity"]),
        "PostCode": fmt_text(p["postcode"], sanitised).str.upper(),
        "UPN": fmt_code(p["upn"]), "UniqueLearnerNumber": fmt_text(p["uln"]),
        "UPNunknown": fmt_code(p["upn_unknown_reason"]),
    })


def requests_table(r: pd.DataFrame) -> pd.DataFrame:
    code = r["req_code"]
    not_h = code != "H"
    yn = code.isin(["Y", "N"])
    return _frame({
        "person_seq": r["person_seq"], "request_seq": r["request_seq"],
        "person_id": r["person_id"], "request_id": r["request_id"],
        "plan_id": r["plan_id"],
        # UNVERIFIED: ReceivedDate kept for H requests when known (needed for the 20-week measure)
        "ReceivedDate": fmt_date(r["received_date"]),
        "RequestSource": _when(not_h, fmt_int(r["request_source"])),
        "RYA": _when(not_h, fmt_int(r["rya"])),
        "RequestOutcomeDate": _when(yn, fmt_date(r["decision_date"])),
        "RequestOutcome": code,
        "RequestMediation": _when(yn, fmt_int(r["mediation"])),
        "RequestTribunal": _when(yn, fmt_int(r["tribunal"])),
        "Exported": fmt_code(r["exported_to_la"]),
    })


def assessment_table(a: pd.DataFrame) -> pd.DataFrame:
    code = a["ass_code"]
    decided = code.isin(["Y", "N"])
    dated = a["ass_dated"].fillna(False).astype(bool)
    return _frame({
        "person_seq": a["person_seq"], "request_seq": a["request_seq"],
        "assessment_id": a["a_assessment_id"].astype("Int64"),
        "AssessmentOutcome": code,
        "AssessmentOutcomeDate": _when(dated, fmt_date(a["a_outcome_date"])),
        "AssessmentMediation": _when(decided, fmt_int(a["a_mediation"])),
        "AssessmentTribunal": _when(decided, fmt_int(a["a_tribunal"])),
        "OtherMediation": _when(decided, fmt_int(a["a_other_mediation"])),
        "OtherTribunal": _when(decided, fmt_int(a["a_other_tribunal"])),
        "Week20": _when(dated, fmt_int(a["a_week20_exception"])),
    })


def named_plan_table(n: pd.DataFrame, C) -> pd.DataFrame:
    pb = pd.to_numeric(n["personal_budget"], errors="coerce")
    oa = pd.to_numeric(n["organised_arrangements"], errors="coerce")
    ceased = n["cease_date"].notna() & (n["cease_date"] <= C)
    return _frame({
        "person_seq": n["person_seq"], "request_seq": n["request_seq"],
        "plan_id": n["plan_id"],
        "StartDate": fmt_date(n["start_date"]),
        "PlanRes": fmt_code(n["residential"]), "PlanWBP": fmt_code(n["work_based"]),
        "PB": fmt_int(n["personal_budget"]),
        # OA is about a personal budget: given when there is one (or when the CMS says yes regardless)
        "OA": _when((pb == 1) | (oa == 1), fmt_int(n["organised_arrangements"])),
        "DP": fmt_code(n["direct_payments"]),
        "CeaseDate": _when(ceased, fmt_date(n["cease_date"])),
        "CeaseReason": _when(ceased, fmt_int(n["cease_reason"])),
    })


def _placement_cols(p: pd.DataFrame, sanitised: list) -> dict:
    return {
        "URN": fmt_int(p["urn"]), "UKPRN": fmt_text(p["ukprn"]),
        "SENSetting": fmt_code(p["setting_code"]),
        "SENSettingOther": fmt_text(p["setting_other"], sanitised),
        "PlacementRank": fmt_int(p["placement_rank"]),
    }


def plan_detail_table(named: pd.DataFrame, placement: pd.DataFrame, C, sanitised: list) -> pd.DataFrame:
    """Placements named in the plan (Section I): per rank, the one current on the plan's reference day
    (the census, or the cease date), else the latest that had started by then."""
    keys = named[["person_seq", "request_seq", "plan_id", "cease_date"]]
    p = placement[placement["named_in_plan"].fillna(0).astype(int) == 1].merge(keys, on="plan_id")
    ref = p["cease_date"].where(p["cease_date"].notna() & (p["cease_date"] <= C), C)
    p = p[p["entry_date"].isna() | (p["entry_date"] <= ref)].copy()
    ref = ref.loc[p.index]
    p["current"] = (p["leaving_date"].isna() | (p["leaving_date"] >= ref)).astype(int)
    p = p.sort_values(["request_seq", "placement_rank", "current", "entry_date", "placement_id"], na_position="first")
    p = p.drop_duplicates(["request_seq", "placement_rank"], keep="last")
    p = p.sort_values(["request_seq", "placement_rank", "placement_id"]).reset_index(drop=True)
    return _frame({
        "person_seq": p["person_seq"], "request_seq": p["request_seq"],
        "placement_id": p["placement_id"], **_placement_cols(p, sanitised),
        "SENunitIndicator": fmt_int(p["sen_unit"]),
        "ResourcedProvisionIndicator": fmt_int(p["resourced_provision"]),
    }) if len(p) else _empty("plan_detail")


def placement_table(active: pd.DataFrame, placement: pd.DataFrame, P0, C, sanitised: list) -> pd.DataFrame:
    """Placements of plans held on C that were open at some time from the start of the period to C."""
    keys = active[["person_seq", "request_seq", "plan_id"]]
    p = placement.merge(keys, on="plan_id")
    p = p[(p["entry_date"].isna() | (p["entry_date"] <= C)) & (p["leaving_date"].isna() | (p["leaving_date"] >= P0))]
    p = p.sort_values(["request_seq", "entry_date", "placement_rank", "placement_id"], na_position="first")
    p = p.reset_index(drop=True)
    left = p["leaving_date"].notna() & (p["leaving_date"] <= C)
    return _frame({
        "person_seq": p["person_seq"], "request_seq": p["request_seq"],
        "placement_id": p["placement_id"], **_placement_cols(p, sanitised),
        "EntryDate": fmt_date(p["entry_date"]),
        "LeavingDate": _when(left, fmt_date(p["leaving_date"])),
        "SENunitIndicator": fmt_int(p["sen_unit"]),
        "ResourcedProvisionIndicator": fmt_int(p["resourced_provision"]),
        "Res": fmt_code(p["residential"]), "WBP": fmt_code(p["work_based"]),
    }) if len(p) else _empty("placement_detail")


def need_table(active: pd.DataFrame, need: pd.DataFrame) -> pd.DataFrame:
    keys = active[["person_seq", "request_seq", "plan_id"]]
    n = need.merge(keys, on="plan_id")
    n = n.sort_values(["request_seq", "need_rank", "recorded_date"], na_position="first")
    n = n.drop_duplicates(["request_seq", "need_rank"], keep="last").reset_index(drop=True)
    return _frame({
        "person_seq": n["person_seq"], "request_seq": n["request_seq"],
        "plan_id": n["plan_id"],
        "SENtype": fmt_code(n["need_code"]), "SENtypeRank": fmt_int(n["need_rank"]),
    }) if len(n) else _empty("sen_need")


def phase_transfer_deadline(meeting: pd.Series, dob: pd.Series, school_type: pd.Series,
                            next_placement: pd.Series) -> pd.Series:
    """The date by which a phase-transfer review must have reviewed and amended the plan (SEND Regulations
    2014 reg 18), as marts.annual_reviews computes it (dbt/models/marts/annual_reviews.sql):
    - at a post-16 institution (the school's GIAS type maps to a DfE FE column): at least 5 months before
      the move to another one (reg 18(2)) - the person's next placement start, else 1 September;
    - else by the age on 31 August of the review's academic year, the next standard transfer (reception
      at 4, juniors at 7, secondary at 11, post-16 at 16): 31 March of the calendar year of a transfer from
      secondary school (a sixth form included) to post-16, 15 February of that year for any other (reg 18(1)).
    NaT when the date of birth is missing."""
    from .arithmetic import setting_columns, setting_map

    fe = {r["dfe_column"] for r in setting_columns() if r["group_column"] == "fe_total"}
    post_16_types = {value for (kind, value), col in setting_map().items() if kind == "gias_type" and col in fe}
    meeting, dob = pd.to_datetime(meeting), pd.to_datetime(dob)
    ay = meeting.dt.year - (meeting.dt.month < 9).astype(int)
    age = ay - dob.dt.year - (dob.dt.month >= 9).astype(int)
    post_16 = school_type.astype(object).isin(post_16_types)
    out = []
    for year, a, p16, nxt in zip(ay, age, post_16, pd.to_datetime(next_placement)):
        if pd.isna(year):
            out.append(pd.NaT)
        elif p16:
            transfer = nxt if pd.notna(nxt) else pd.Timestamp(int(year) + 1, 9, 1)
            out.append(transfer - pd.DateOffset(months=5))
        elif pd.isna(a):
            out.append(pd.NaT)
        elif a >= 16:
            out.append(pd.Timestamp(int(year) + 1, 3, 31))
        elif a >= 11:
            out.append(pd.Timestamp(int(year + 16 - a), 3, 31))
        else:
            point = 4 if a < 4 else 7 if a < 7 else 11
            out.append(pd.Timestamp(int(year + point - a), 2, 15))
    return pd.Series(pd.to_datetime(out), index=meeting.index, dtype="datetime64[ns]")


def active_plans_table(active: pd.DataFrame, person: pd.DataFrame, review: pd.DataFrame, P0, C) -> pd.DataFrame:
    a = active[["person_seq", "request_seq", "plan_id", "person_id", "local_start", "transferred_from_la",
                "transfer_in_date"]].copy()
    a["person_id"] = a["person_id"].astype("Int64")
    rv = review[review["meeting_date"].notna() & (review["meeting_date"] <= C)]
    rv = rv.merge(a[["request_seq", "person_id", "local_start"]], on="person_id")
    rv = rv[rv["meeting_date"] >= rv["local_start"]]
    latest = rv.sort_values(["request_seq", "meeting_date", "decision_date"], na_position="first") \
        .drop_duplicates("request_seq", keep="last").set_index("request_seq")
    # UNVERIFIED: the latest phase-transfer review whose deadline is in the current academic year or later
    # (a Year 5 summer review, held the academic year before, is for the transfer of the year after)
    ay_start = pd.Timestamp(C.year - 1 if C.month < 9 else C.year, 9, 1)
    pt = rv[rv["review_type"].astype(str).str.strip().str.lower() == "phase transfer"].copy()
    missing = pd.Series(np.nan, index=pt.index, dtype=object)
    pt["deadline"] = phase_transfer_deadline(pt["meeting_date"], pt["person_id"].map(person.set_index("person_id")["dob"]),
                                             pt.get("school_type", missing), pt.get("next_placement_date", missing))
    pt = pt[pt["deadline"] >= ay_start]
    pt = pt.sort_values(["request_seq", "meeting_date"]).drop_duplicates("request_seq", keep="last").set_index("request_seq")

    seqs = a["request_seq"].to_numpy()
    lt = latest.reindex(seqs).reset_index(drop=True)
    ptr = pt.reindex(seqs).reset_index(drop=True)
    decided = (lt["decision_date"].notna() & (lt["decision_date"] <= C)).to_numpy()
    outcome = lt["outcome"].astype(object).map(
        lambda v: REVIEW_OUTCOME.get(v.strip().lower()) if isinstance(v, str) else None).to_numpy()
    draft_ok = (lt["draft_amended_date"].notna() & (lt["draft_amended_date"] <= C)).to_numpy()
    deadline = fmt_date(ptr["deadline"]).to_numpy() if "deadline" in ptr else np.full(len(ptr), None)
    has_pt = ptr["meeting_date"].notna().to_numpy()
    final_ok = has_pt & (ptr["final_amended_date"].notna() & (ptr["final_amended_date"] <= C)).to_numpy()
    tin = a["transfer_in_date"]
    transferred = tin.notna() & (tin >= P0) & (tin <= C)
    return _frame({
        "person_seq": a["person_seq"].to_numpy(), "request_seq": seqs, "plan_id": a["plan_id"].to_numpy(),
        "TransferLA": _when(transferred, fmt_code(a["transferred_from_la"])).to_numpy(),
        "ReviewMeeting": fmt_date(lt["meeting_date"]),
        "ReviewOutcome": np.where(decided, outcome, None),
        "ReviewDraft": np.where(draft_ok, fmt_date(lt["draft_amended_date"]).to_numpy(), None),
        "PhaseTransferDueDate": np.where(has_pt, deadline, None),
        "PhaseTransferFinalDate": np.where(final_ok, fmt_date(ptr["final_amended_date"]).to_numpy(), None),
        "LastReview": np.where(decided, fmt_date(lt["decision_date"]).to_numpy(), None),
    })


# ------------------------------------------------------------------------------------------ empty tables
_COLUMNS = {
    "plan_detail": ["person_seq", "request_seq", "placement_id", "URN", "UKPRN", "SENSetting", "SENSettingOther",
                    "PlacementRank", "SENunitIndicator", "ResourcedProvisionIndicator"],
    "placement_detail": ["person_seq", "request_seq", "placement_id", "URN", "UKPRN", "SENSetting", "SENSettingOther",
                         "PlacementRank", "EntryDate", "LeavingDate", "SENunitIndicator", "ResourcedProvisionIndicator",
                         "Res", "WBP"],
    "sen_need": ["person_seq", "request_seq", "plan_id", "SENtype", "SENtypeRank"],
}


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _COLUMNS[name]})
