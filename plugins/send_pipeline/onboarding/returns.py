"""Read a SEN2 person-level return (XML, collection years 2023 to 2026) into the CMS contract's entities.

The file is parsed by the project's own hardened streaming reader (sen2/reader.py: no entities, no
DTDs, a DOCTYPE rejected, one `Person` subtree in memory at a time) into the canonical SEN2 tables,
then `to_entities` turns those into person / request / assessment / plan / placement / need / review
TEXT tables carrying which return they came from (shapes.py) with ids derived from the return's own
identifiers (ids.py). The Blade CSV reader (blade.py) produces the same canonical tables, then calls
the same `to_entities`.

How a return's modules become contract rows (decisions where the spec is silent are marked DECISION):
- person: one row per Person; sex from `Sex`, or for 2023 from `GenderCurrent` (1 -> M, 2 -> F,
  0 / 9 -> missing).
- request: one row per Requests **with a ReceivedDate**. DECISION: a Requests element without one (a
  historical chain written for a plan transferred in, or an `H` request a council did not date) is no
  request of this LA that we can date: its plan is kept, with no request or assessment behind it.
  decision: RequestOutcome Y / N / W as given, `A` (awaiting) -> missing, `H` (decided before the
  period) -> Y; decision_date = RequestOutcomeDate.
- assessment: one per Assessment under a request row; outcome Y / N / W as given, `A` -> missing,
  `H` -> Y; week20_exception = Week20.
- plan: one per NamedPlan (start, cease, PB, OA, DP, PlanRes, PlanWBP); transferred_from_la from the
  ActivePlans' TransferLA; assessment_id only when the request row exists. For 2023, ActivePlans'
  Res / WBP fill residential / work_based when NamedPlan has none.
- placement: one per PlacementDetail (entry / leaving dates); a PlanDetail with the same setting and
  rank marks it `named_in_plan` 1, a PlanDetail matching none is a placement named in the plan with no
  dates (named_in_plan 1).
- need: one per SENneed; DECISION: recorded_date = the return's reference (census) date, the day the
  return says the need held.
- review: one per ActivePlans with any review item (ReviewMeeting, LastReview = decision date,
  ReviewOutcome M/A/C -> Maintain/Amend/Cease, ReviewDraft, PhaseTransferDueDate/FinalDate);
  review_type `Phase Transfer` when a phase-transfer item is given, else `Annual`.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..kernel.files import sha256_file
from ..sen2 import reader, structure as sen2_structure
from ..sen2.structure import Node, Structure
from . import ids, shapes

YEARS = (2023, 2024, 2025, 2026)
GENDER_2023 = {"1": "M", "2": "F"}  # GenderCurrent: 0 not known, 1 male, 2 female, 9 not specified
REVIEW_OUTCOME = {"M": "Maintain", "A": "Amend", "C": "Cease"}
# Items of 2023 / 2024 (spec §6) that the 2025 structure lacks: added so the reader keeps them. Items
# the older years lack are simply absent from their files (an absent element reads as missing).
OLDER_ITEMS = {2023: {"Person": [("GenderCurrent", "string")],
                      "PlacementDetail": [("AttendancePattern", "string")],
                      "ActivePlans": [("Res", "residential"), ("WBP", "work_based")]},
               2024: {}}


class ReturnUnreadable(ValueError):
    """The file is no SEN2 return we can read (unsafe XML, or a collection year we have no structure for)."""


@dataclass
class Returned:
    """One return read into contract-shaped TEXT tables."""
    file: str
    year: int
    reference_date: str | None
    tables: dict[str, pd.DataFrame]
    unknown_elements: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}


def structure_for(year: int) -> Structure:
    """The reader's structure for a collection year: the project's own (include/sen2) where it has one,
    else (2023, 2024) the 2025 structure with that year's extra items added (OLDER_ITEMS)."""
    year = int(year)
    if year not in YEARS:
        raise ReturnUnreadable(f"collection year {year} is not one this reader knows (2023 to 2026)")
    if sen2_structure.structure_path(year).exists():
        return sen2_structure.load(year)
    base = sen2_structure.load(2025)
    root = copy.deepcopy(base.root)
    for n in root.walk():
        for name, type_ in OLDER_ITEMS[year].get(n.name, []):
            if name not in n.leaves:
                n.children.append(Node(name, type_))
    return Structure(year, base.raw, root)


def read_return(path: Path | str) -> Returned:
    """Read one SEN2 XML return (streamed, hardened) into contract-shaped TEXT tables, whole."""
    path = Path(path)
    year, ref, unknown, chunks = _open(path)
    parts = list(chunks)
    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in shapes.ENTITIES}
    return Returned(path.name, year, ref, tables, unknown)


def iter_return(path: Path | str, people: int = 20_000):
    """The same tables `people` persons at a time (a generator of {entity: frame}): a Kent-size return,
    or ten of them, is read in bounded memory when each chunk is written away (e.g. to the landing)."""
    return _open(Path(path), people)[3]


def _open(path: Path, people: int = 20_000):
    try:
        header = reader.peek_header(path)
    except reader.UnsafeXML as exc:
        raise ReturnUnreadable(f"{path.name}: {exc}") from None
    try:
        year = int(header.get("Year") or 0)
    except ValueError:
        year = 0
    st = structure_for(year)
    ref = header.get("ReferenceDate")
    prov = {"origin": "sen2_xml", "return_file": path.name, "return_year": str(year),
            "return_reference_date": ref, "return_sha256": sha256_file(path)}
    unknown: dict[str, int] = {}

    def chunks():
        try:
            for canonical in reader.read_chunks(path, structure=st, people=people, unknown=unknown):
                yield to_entities(canonical, prov)
        except reader.UnsafeXML as exc:
            raise ReturnUnreadable(f"{path.name}: {exc}") from None
    return year, ref, unknown, chunks()


# ------------------------------------------------------------------------------------------ canonical -> contract
def _rows(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None or not len(frame):
        return []
    return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in frame.to_dict("records")]


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _by_request(frame) -> dict:
    out: dict = {}
    for r in _rows(frame):
        out.setdefault(int(r["request_seq"]), []).append(r)
    return out


def _code(v, mapping: dict | None = None):
    if v is None:
        return None
    v = str(v).strip().upper()
    return mapping.get(v) if mapping is not None else v


DECISION = {"Y": "Y", "N": "N", "W": "W", "H": "Y", "A": None}


def to_entities(canonical: dict[str, pd.DataFrame], provenance: dict) -> dict[str, pd.DataFrame]:
    """The canonical SEN2 tables (reader or Blade) as contract-shaped TEXT tables with derived ids."""
    ref = provenance.get("return_reference_date")
    people = _rows(canonical.get("person"))
    by_person_seq, person_rows = {}, []
    for p in people:
        ident = ids.identity(p.get("UPN"), p.get("UniqueLearnerNumber"), p.get("Surname"), p.get("Forename"),
                             p.get("PersonBirthDate"))
        # a child with no usable identity still gets an id (its place in this return): matching quarantines it
        pid = ids.stable_id("person", ident or f"unidentified:{provenance.get('return_sha256')}:{p['person_seq']}")
        by_person_seq[int(p["person_seq"])] = pid
        sex = p.get("Sex") or GENDER_2023.get(str(p.get("GenderCurrent") or "").strip())
        person_rows.append({"person_id": pid, "upn": p.get("UPN"), "uln": p.get("UniqueLearnerNumber"),
                            "upn_unknown_reason": p.get("UPNunknown"), "forename": p.get("Forename"),
                            "surname": p.get("Surname"), "dob": p.get("PersonBirthDate"), "sex": sex,
                            "ethnicity": p.get("Ethnicity"), "postcode": p.get("PostCode")})

    assessments, named, plan_detail = (_by_request(canonical.get(t)) for t in ("assessment", "named_plan", "plan_detail"))
    active, placement_detail, needs = (_by_request(canonical.get(t)) for t in ("active_plans", "placement_detail", "sen_need"))
    out = {name: [] for name in shapes.ENTITIES}
    out["person"] = person_rows
    requests = _rows(canonical.get("requests"))
    # natural keys (after the person), made unique within the person in document order
    req_keys = ids.with_ordinals([(r["person_seq"], r.get("ReceivedDate")) for r in requests])
    plan_keys = ids.with_ordinals([(r["person_seq"], (named.get(int(r["request_seq"])) or [{}])[0].get("StartDate")
                                    or f"request{k[1:]}") for r, k in zip(requests, req_keys)])
    for r, rkey, pkey in zip(requests, req_keys, plan_keys):
        seq, pid = int(r["request_seq"]), by_person_seq[int(r["person_seq"])]
        request_id = assessment_id = None
        ass = (assessments.get(seq) or [None])[0]
        if r.get("ReceivedDate"):
            request_id = ids.stable_id("request", pid, *rkey[1:])
            out["request"].append({
                "request_id": request_id, "person_id": pid, "received_date": r.get("ReceivedDate"),
                "request_source": r.get("RequestSource"), "rya": r.get("RYA"),
                "decision": _code(r.get("RequestOutcome"), DECISION), "decision_date": r.get("RequestOutcomeDate"),
                "exported_to_la": r.get("Exported"), "mediation": r.get("RequestMediation"),
                "tribunal": r.get("RequestTribunal")})
            if ass is not None:
                assessment_id = ids.stable_id("assessment", request_id)
                out["assessment"].append({
                    "assessment_id": assessment_id, "request_id": request_id,
                    "outcome": _code(ass.get("AssessmentOutcome"), DECISION),
                    "outcome_date": ass.get("AssessmentOutcomeDate"), "week20_exception": ass.get("Week20"),
                    "mediation": ass.get("AssessmentMediation"), "tribunal": ass.get("AssessmentTribunal"),
                    "other_mediation": ass.get("OtherMediation"), "other_tribunal": ass.get("OtherTribunal")})
        np_ = (named.get(seq) or [None])[0]
        ap = (active.get(seq) or [None])[0]
        if np_ is None and ap is None:
            continue
        plan_id = ids.stable_id("plan", pid, *pkey[1:])
        np_, ap = np_ or {}, ap or {}
        out["plan"].append({
            "plan_id": plan_id, "person_id": pid, "assessment_id": assessment_id,
            "start_date": np_.get("StartDate"), "transferred_from_la": ap.get("TransferLA"),
            "cease_date": np_.get("CeaseDate"), "cease_reason": np_.get("CeaseReason"),
            "personal_budget": np_.get("PB"), "organised_arrangements": np_.get("OA"),
            "direct_payments": np_.get("DP"), "residential": np_.get("PlanRes") or ap.get("Res"),
            "work_based": np_.get("PlanWBP") or ap.get("WBP")})
        out["placement"].extend(_placements(plan_id, plan_detail.get(seq, []), placement_detail.get(seq, [])))
        out["need"].extend({"plan_id": plan_id, "need_code": n.get("SENtype"), "need_rank": n.get("SENtypeRank"),
                            "recorded_date": ref} for n in needs.get(seq, []))
        review = _review(pid, plan_id, ap)
        if review:
            out["review"].append(review)
    return {name: shapes.text_frame(name, _columns(rows), provenance) for name, rows in out.items()}


def _setting(p: dict) -> tuple:
    return (p.get("URN") or p.get("UKPRN") or p.get("SENSetting"), p.get("PlacementRank"))


def _placements(plan_id: int, named: list[dict], actual: list[dict]) -> list[dict]:
    named_settings = {_setting(p) for p in named}
    rows, matched = [], set()
    keys = ids.with_ordinals([(*_setting(p), p.get("EntryDate")) for p in actual])
    for p, key in zip(actual, keys):
        in_plan = _setting(p) in named_settings
        if in_plan:
            matched.add(_setting(p))
        rows.append(_placement(plan_id, p, key, in_plan))
    for p in named:
        if _setting(p) not in matched:
            rows.append(_placement(plan_id, p, (*_setting(p), None, "named"), True))
    return rows


def _placement(plan_id: int, p: dict, key, named_in_plan: bool) -> dict:
    return {"placement_id": ids.stable_id("placement", plan_id, *key),
            "plan_id": plan_id, "urn": p.get("URN"), "ukprn": p.get("UKPRN"), "setting_code": p.get("SENSetting"),
            "setting_other": p.get("SENSettingOther"), "placement_rank": p.get("PlacementRank"),
            "entry_date": p.get("EntryDate"), "leaving_date": p.get("LeavingDate"),
            "sen_unit": p.get("SENunitIndicator"), "resourced_provision": p.get("ResourcedProvisionIndicator"),
            "named_in_plan": "1" if named_in_plan else "0", "residential": p.get("Res"), "work_based": p.get("WBP")}


def _review(pid: int, plan_id: int, ap: dict) -> dict | None:
    items = ("ReviewMeeting", "LastReview", "ReviewOutcome", "ReviewDraft", "PhaseTransferDueDate", "PhaseTransferFinalDate")
    if not any(ap.get(i) for i in items):
        return None
    phase = ap.get("PhaseTransferDueDate") or ap.get("PhaseTransferFinalDate")
    return {"person_id": pid, "plan_id": plan_id, "review_type": "Phase Transfer" if phase else "Annual",
            "meeting_date": ap.get("ReviewMeeting"), "decision_date": ap.get("LastReview"),
            "outcome": _code(ap.get("ReviewOutcome"), REVIEW_OUTCOME), "draft_amended_date": ap.get("ReviewDraft"),
            "due_date": ap.get("PhaseTransferDueDate"), "final_amended_date": ap.get("PhaseTransferFinalDate")}


def _columns(rows: list[dict]) -> dict:
    cols: dict = {}
    for r in rows:
        for k in r:
            cols.setdefault(k, None)
    return {k: [r.get(k) for r in rows] for k in cols} if rows else {}
