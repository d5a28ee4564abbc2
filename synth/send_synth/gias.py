"""Establishments of the synthetic LA and its neighbours, in the GIAS all-establishments layout."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from . import names as N

# (type name) -> (type code, group name, group code); codes as GIAS uses them
TYPES = {
    "Community school": (1, "Local authority maintained schools", 4),
    "Voluntary aided school": (2, "Local authority maintained schools", 4),
    "Voluntary controlled school": (3, "Local authority maintained schools", 4),
    "Foundation school": (5, "Local authority maintained schools", 4),
    "Community special school": (7, "Special schools", 5),
    "Non-maintained special school": (8, "Special schools", 5),
    "Other independent special school": (10, "Independent schools", 3),
    "Other independent school": (11, "Independent schools", 3),
    "Foundation special school": (12, "Special schools", 5),
    "Pupil referral unit": (14, "Local authority maintained schools", 4),
    "Local authority nursery school": (15, "Local authority maintained schools", 4),
    "Further education": (18, "Colleges", 1),
    "Sixth form centres": (31, "Colleges", 1),
    "Academy sponsor led": (28, "Academies", 10),
    "Academy special sponsor led": (33, "Academies", 10),
    "Academy converter": (34, "Academies", 10),
    "Free schools": (35, "Free Schools", 11),
    "Academy alternative provision sponsor led": (43, "Academies", 10),
    "Academy special converter": (44, "Academies", 10),
    "Special post 16 institution": (56, "Other types", 9),
}
PHASES = {"Not applicable": 0, "Nursery": 1, "Primary": 2, "Secondary": 4, "16 plus": 6, "All-through": 7}

# The LA's own special schools: name, capacity 2023/24, low age, high age, type
LA_SPECIAL = [
    ("Castlewood School", 160, 4, 11, "Community special school"),
    ("Kingsbury Academy", 100, 11, 19, "Academy special converter"),
    ("Riverbank School", 200, 2, 11, "Community special school"),
    ("Corley Centre", 140, 11, 19, "Academy special converter"),
    ("Tiverton School", 119, 2, 11, "Community special school"),
    ("Baginton Fields School", 126, 11, 19, "Foundation special school"),
    ("Sherbourne Fields School", 251, 2, 19, "Academy special sponsor led"),
    ("Woodfield School", 155, 11, 16, "Academy special sponsor led"),
]
SPECIAL_TOTAL_2017, SPECIAL_TOTAL_2023 = 901, 1251

LA_NAMES = {"331": "Coventry", "937": "Warwickshire", "334": "Solihull", "330": "Birmingham", "332": "Dudley"}

GIAS_COLUMNS = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)", "EstablishmentStatus (code)", "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (name)", "OpenDate", "ReasonEstablishmentClosed (name)", "CloseDate",
    "PhaseOfEducation (code)", "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge",
    "Boarders (name)", "NurseryProvision (name)", "OfficialSixthForm (name)", "Gender (name)",
    "ReligiousCharacter (name)", "Diocese (name)", "AdmissionsPolicy (name)", "SchoolCapacity",
    "SpecialClasses (name)", "CensusDate", "NumberOfPupils", "NumberOfBoys", "NumberOfGirls",
    "PercentageFSM", "TrustSchoolFlag (name)", "Trusts (name)", "UKPRN", "FurtherEducationType (name)",
    "OfstedLastInsp", "LastChangedDate", "Street", "Locality", "Town", "County (name)", "Postcode",
    "SchoolWebsite", "TelephoneNum", "HeadTitle (name)", "HeadFirstName", "HeadLastName",
    "HeadPreferredJobTitle", "GOR (name)", "UrbanRural (name)", "Easting", "Northing",
    "SEN1 (name)", "ResourcedProvisionOnRoll", "ResourcedProvisionCapacity", "SenUnitOnRoll",
    "SenUnitCapacity", "OfstedRating (name)",
]


def special_capacity_factor(academic_year: int) -> float:
    """Share of the 2023/24 capacity open in an academic year (2017 = 2017/18): 901 -> 1,251 places."""
    y = min(max(academic_year, 2017), 2023)
    total = SPECIAL_TOTAL_2017 + (SPECIAL_TOTAL_2023 - SPECIAL_TOTAL_2017) * (y - 2017) / 6
    if academic_year < 2017:
        total = SPECIAL_TOTAL_2017 * (1 - 0.02 * (2017 - academic_year))
    return total / SPECIAL_TOTAL_2023


def _postcode(rng: np.random.Generator, districts: list[str]) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    d = districts[int(rng.integers(len(districts)))]
    a, b = (letters[int(rng.integers(len(letters)))] for _ in range(2))
    return f"{d} {int(rng.integers(1, 10))}{a}{b}"


def build_establishments(rng: np.random.Generator, la_code: str, until: date) -> pd.DataFrame:
    """One row per establishment with the internal fields the generator needs (kind, ages, ...)."""
    neighbours = [c for c in ("937", "334", "330", "332") if c != la_code][:3]
    home_name = LA_NAMES.get(la_code, f"Local authority {la_code}")
    rows: list[dict] = []
    used_urns: set[int] = set()
    used_ukprn: set[int] = set()

    def urn_in(lo: int, hi: int) -> int:
        while True:
            u = int(rng.integers(lo, hi))
            if u not in used_urns:
                used_urns.add(u)
                return u

    def ukprn() -> int:
        while True:
            u = int(rng.integers(10000000, 10090000))
            if u not in used_ukprn:
                used_ukprn.add(u)
                return u

    est_no_used: dict[str, set[int]] = {}

    def est_no(la: str, lo: int, hi: int) -> int:
        s = est_no_used.setdefault(la, set())
        while True:
            e = int(rng.integers(lo, hi))
            if e not in s:
                s.add(e)
                return e

    def add(la: str, name: str, type_name: str, kind: str, phase: str, low: int, high: int,
            capacity: int | None, districts: list[str], town: str, *, sixth: bool = False,
            religious: str = "Does not apply", status: str = "Open", open_date: str = "",
            close_date: str = "", reason_closed: str = "", est: tuple[int, int] | None = (2000, 3999)):
        tcode, group, gcode = TYPES[type_name]
        if type_name.startswith("Academy") or type_name == "Free schools":
            urn = urn_in(136000, 150999)
        elif kind in ("college", "spi"):
            urn = urn_in(130000, 135999)
        elif type_name.startswith("Other independent") or type_name.startswith("Non-maintained"):
            urn = urn_in(103990, 125999)
        else:
            urn = urn_in(103000, 103989) if la == la_code else urn_in(100000, 102999)
        has_ukprn = group in ("Academies", "Free Schools", "Colleges") or kind == "spi" or rng.random() < 0.3
        rows.append(dict(
            urn=urn, la_code=la, la_name=LA_NAMES.get(la, home_name if la == la_code else la),
            estab_no=(est_no(la, *est) if est else None), name=name, type_name=type_name, type_code=tcode,
            group_name=group, group_code=gcode, status=status, phase=phase, low=low, high=high,
            capacity=capacity, kind=kind, sixth=sixth, religious=religious, town=town,
            postcode=_postcode(rng, districts), ukprn=(ukprn() if has_ukprn else None),
            open_date=open_date, close_date=close_date, reason_closed=reason_closed, home=(la == la_code),
        ))
        return rows[-1]

    cv = ["CV1", "CV2", "CV3", "CV4", "CV5", "CV6"]
    town = "Coventry"
    base_places = list(N.COVENTRY_PLACES)
    rng.shuffle(base_places)
    extra = [f"{p}{sfx}" for sfx in (" Park", " Grange", " Hill", " Meadow", " Vale") for p in base_places]
    places = base_places + extra
    # --- home LA: nursery, primary, secondary
    for i in range(2):
        add(la_code, f"{places[i]} Nursery School", "Local authority nursery school", "nursery", "Nursery", 2, 5,
            90, cv, town, est=(1000, 1099))
    saints = list(N.SAINTS)
    rng.shuffle(saints)
    prim_types = (["Community school"] * 34 + ["Voluntary aided school"] * 10 + ["Voluntary controlled school"] * 5
                  + ["Foundation school"] * 3 + ["Academy converter"] * 20 + ["Academy sponsor led"] * 10
                  + ["Free schools"] * 2)
    pi = 2
    for k, t in enumerate(prim_types):
        rel = "Does not apply"
        if t == "Voluntary aided school":
            name = f"St {saints[k % len(saints)]}'s Catholic Primary School"
            if k >= 34 + len(saints):
                name = f"Holy Family Catholic Primary School {k}"
            rel = "Roman Catholic"
        elif t == "Voluntary controlled school":
            name = f"{places[pi]} Church of England Primary School"
            rel = "Church of England"
            pi += 1
        elif t.startswith("Academy"):
            name = f"{places[pi]} Primary Academy"
            pi += 1
        elif t == "Free schools":
            name = f"{places[pi]} Free School"
            pi += 1
        else:
            name = f"{places[pi]} {'Infant' if k in (3, 9) else 'Junior' if k in (4, 10) else 'Primary'} School"
            pi += 1
        low = 3 if rng.random() < 0.6 else 4
        cap = int(rng.choice([210, 315, 420, 420, 630]))
        add(la_code, name, t, "primary", "Primary", low, 11, cap, cv, town, religious=rel, est=(2000, 3699))
    sec = [("Community school", 2), ("Voluntary aided school", 2), ("Foundation school", 1),
           ("Academy converter", 9), ("Academy sponsor led", 4), ("Free schools", 1)]
    si = 0
    for t, n in sec:
        for _ in range(n):
            if t == "Voluntary aided school":
                title = ["Cardinal", "Blessed", "Bishop"][si % 3]
                name, rel = f"{title} {saints[-1 - si]} Catholic School", "Roman Catholic"
            else:
                name, rel = f"{places[pi]} {['Academy', 'School', 'College', 'Academy'][si % 4]}", "Does not apply"
                pi += 1
            sixth = rng.random() < 0.65
            add(la_code, name, t, "secondary", "Secondary", 11, 18 if sixth else 16,
                int(rng.choice([900, 1050, 1200, 1500, 1800])), cv, town, sixth=sixth, religious=rel, est=(4000, 4799))
            si += 1
    # --- home LA special schools
    for name, cap, lo, hi, t in LA_SPECIAL:
        add(la_code, name, t, "special_la", "Not applicable", lo, hi, cap, cv, town, sixth=hi > 16, est=(7000, 7199))
    # --- independent special, independent, colleges, AP
    for name, lo, hi in [("Meadowbrook Independent Special School", 7, 19), ("Stoneleigh House School", 5, 16),
                         ("The Oaks Learning Centre", 11, 19), ("Lanchester Lodge School", 8, 18)]:
        add(la_code, name, "Other independent special school", "indep_special", "Not applicable", lo, hi,
            int(rng.integers(30, 90)), cv, town, est=(6000, 6199))
    for name in ("Priory Grange Preparatory School", "Kenilworth Road Independent School"):
        add(la_code, name, "Other independent school", "indep", "All-through", 3, 18, int(rng.integers(200, 700)),
            cv, town, est=(6000, 6199))
    add(la_code, "Coventry City College", "Further education", "college", "16 plus", 16, 99, None, cv, town, est=None)
    add(la_code, "Tile Hill Sixth Form College", "Sixth form centres", "college", "16 plus", 16, 19, None, cv, town,
        est=None)
    add(la_code, "Eastern Green Specialist College", "Special post 16 institution", "spi", "16 plus", 16, 25, 120,
        cv, town, est=None)
    add(la_code, "Coventry Central Pupil Referral Unit", "Pupil referral unit", "pru", "Not applicable", 5, 16, 120,
        cv, town, est=(1100, 1199))
    add(la_code, "Wyken Alternative Provision Academy", "Academy alternative provision sponsor led", "pru",
        "Not applicable", 11, 16, 90, cv, town, est=(1100, 1199))
    # --- closed predecessors (academy conversions) and closures
    conv = [r for r in rows if r["type_name"] == "Academy converter" and r["kind"] == "primary"][:3]
    conv += [r for r in rows if r["type_name"] == "Academy sponsor led" and r["kind"] == "secondary"][:1]
    for j, succ in enumerate(conv):
        conv_day = date(2018 + j, 9, 1) if j < 2 else date(2019 + j, 4, 1)
        pred = add(la_code, succ["name"].replace(" Academy", " School").replace("Primary School", "Primary School"),
                   "Community school", succ["kind"], succ["phase"], succ["low"], succ["high"], succ["capacity"], cv,
                   town, sixth=succ["sixth"], status="Closed",
                   close_date=date.fromordinal(conv_day.toordinal() - 1).isoformat(),
                   reason_closed=("Academy Converter" if succ["type_name"] == "Academy converter"
                                  else "Academy Sponsor Led"), est=None)
        pred["estab_no"] = succ["estab_no"]
        succ["open_date"] = conv_day.isoformat()
        succ["predecessor"] = pred["urn"]
        pred["successor"] = succ["urn"]
    for nm, kind, ph, lo, hi in [("Stoke Heath Infant School", "primary", "Primary", 4, 7),
                                 ("Whitmore Park Junior School", "primary", "Primary", 7, 11)]:
        add(la_code, nm, "Community school", kind, ph, lo, hi, 180, cv, town, status="Closed",
            close_date="2016-08-31", reason_closed="Merged", est=(2000, 3699))
    # --- neighbouring LAs (out-of-area placements)
    districts = {"937": (["CV10", "CV11", "CV12", "CV21", "CV22", "CV8", "CV31", "CV32", "CV34"], N.WARKS_PLACES),
                 "334": (["B90", "B91", "B92", "B93", "B37"], N.SOLIHULL_PLACES),
                 "330": (["B23", "B27", "B29", "B21", "B10", "B31", "B15", "B13", "B14"], N.BHAM_PLACES),
                 "332": (["DY1", "DY2", "DY3"], ["Dudley", "Brierley Hill", "Stourbridge"])}
    plan = {0: (6, 5, 3, 2, 0, 1), 1: (3, 3, 2, 1, 0, 1), 2: (3, 3, 4, 2, 1, 1)}
    for ni, la in enumerate(neighbours):
        dists, plcs = districts[la]
        n_pri, n_sec, n_sp, n_isp, n_nm, n_col = plan[ni]
        plcs = list(plcs)
        rng.shuffle(plcs)
        k = 0
        for _ in range(n_pri):
            add(la, f"{plcs[k % len(plcs)]} {'Primary School' if k < len(plcs) else 'Park Primary School'}",
                "Community school" if rng.random() < 0.5 else "Academy converter", "primary", "Primary", 4, 11,
                int(rng.choice([210, 420])), dists, plcs[k % len(plcs)])
            k += 1
        for _ in range(n_sec):
            sixth = rng.random() < 0.6
            add(la, f"{plcs[k % len(plcs)]} {'High School' if k < len(plcs) else 'Academy'}", "Academy converter",
                "secondary", "Secondary", 11, 18 if sixth else 16, int(rng.choice([1000, 1400])), dists,
                plcs[k % len(plcs)], sixth=sixth, est=(4000, 4799))
            k += 1
        for s in range(n_sp):
            lo, hi = [(2, 19), (11, 19), (4, 11), (3, 19)][s % 4]
            suffix = ["Fields School", "Park Special School", "Brook School", "Hill School"][s % 4]
            add(la, f"{plcs[k % len(plcs)]} {suffix}",
                "Community special school" if s % 2 == 0 else "Academy special converter", "special_ooa",
                "Not applicable", lo, hi, int(rng.integers(90, 220)), dists, plcs[k % len(plcs)], sixth=hi > 16,
                est=(7000, 7199))
            k += 1
        for s in range(n_isp):
            stem = ["Ashgrove", "Hillcrest", "Riverside", "Beechwood"][(ni + s) % 4]
            add(la, f"{stem} {['Independent School', 'Learning Centre', 'College'][s % 3]}",
                "Other independent special school", "indep_special", "Not applicable", 8, 19, int(rng.integers(25, 80)),
                dists, plcs[k % len(plcs)], est=(6000, 6199))
            k += 1
        for s in range(n_nm):
            add(la, f"{plcs[k % len(plcs)]} School for Deaf and Visually Impaired Children",
                "Non-maintained special school", "nmss", "Not applicable", 4, 19, 80, dists, plcs[k % len(plcs)],
                est=(7000, 7199))
            k += 1
        for s in range(n_col):
            add(la, f"{plcs[0]} and {plcs[1]} College", "Further education", "college", "16 plus", 16, 99, None,
                dists, plcs[0], est=None)
    df = pd.DataFrame(rows)
    if "predecessor" not in df:
        df["predecessor"] = None
    if "successor" not in df:
        df["successor"] = None
    df["predecessor"] = df["predecessor"].astype("Int64")
    df["successor"] = df["successor"].astype("Int64")
    df["open"] = df["status"] == "Open"
    # stable order: by LA then URN (as GIAS exports sort by URN)
    return df.sort_values("urn", kind="stable").reset_index(drop=True)


def special_capacities(est: pd.DataFrame, scale: float) -> dict[int, int]:
    """2023/24 capacity (scaled) of each of the home LA's special schools, by URN."""
    sp = est[est["kind"] == "special_la"]
    return {int(u): max(1, int(round(c * scale))) for u, c in zip(sp["urn"], sp["capacity"])}


def gias_frame(est: pd.DataFrame, rng: np.random.Generator, until: date, on_roll: dict[int, int],
               rp_roll: dict[int, int], unit_roll: dict[int, int]) -> pd.DataFrame:
    """The GIAS CSV frame: real column names, realistic values, non-alphabetical order."""
    n = len(est)
    out = pd.DataFrame(index=range(n))
    out["URN"] = est["urn"].astype(str)
    out["LA (code)"] = est["la_code"]
    out["LA (name)"] = est["la_name"]
    out["EstablishmentNumber"] = est["estab_no"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out["EstablishmentName"] = est["name"]
    out["TypeOfEstablishment (code)"] = est["type_code"].astype(str)
    out["TypeOfEstablishment (name)"] = est["type_name"]
    out["EstablishmentTypeGroup (code)"] = est["group_code"].astype(str)
    out["EstablishmentTypeGroup (name)"] = est["group_name"]
    out["EstablishmentStatus (code)"] = np.where(est["status"] == "Open", "1", "2")
    out["EstablishmentStatus (name)"] = est["status"]
    opened = est["open_date"].fillna("")
    out["ReasonEstablishmentOpened (name)"] = np.where(
        opened != "", np.where(est["predecessor"].notna(), np.where(est["type_name"] == "Academy converter",
                                                                    "Academy Converter", "Academy Sponsor Led"),
                               "New Provision"), "Not applicable")
    out["OpenDate"] = [_uk(d) for d in opened]
    out["ReasonEstablishmentClosed (name)"] = est["reason_closed"].replace("", "Not applicable")
    out["CloseDate"] = [_uk(d) for d in est["close_date"].fillna("")]
    out["PhaseOfEducation (code)"] = est["phase"].map(PHASES).astype(str)
    out["PhaseOfEducation (name)"] = est["phase"]
    out["StatutoryLowAge"] = est["low"].astype(str)
    out["StatutoryHighAge"] = est["high"].astype(str)
    out["Boarders (name)"] = np.where(est["kind"].isin(["indep_special", "nmss"]) & (rng.random(n) < 0.4),
                                      "Boarding school", "No boarders")
    out["NurseryProvision (name)"] = np.where(est["low"] <= 3, "Has Nursery Classes", "No Nursery Classes")
    out["OfficialSixthForm (name)"] = np.where(est["sixth"], "Has a sixth form", "Does not have a sixth form")
    out["Gender (name)"] = "Mixed"
    out["ReligiousCharacter (name)"] = est["religious"]
    out["Diocese (name)"] = np.where(est["religious"] == "Roman Catholic", "Archdiocese of Birmingham",
                                     np.where(est["religious"] == "Church of England", "Diocese of Coventry",
                                              "Not applicable"))
    out["AdmissionsPolicy (name)"] = np.where(est["kind"].isin(["primary", "secondary"]), "Non-selective",
                                              "Not applicable")
    out["SchoolCapacity"] = est["capacity"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out["SpecialClasses (name)"] = np.where(est["kind"].isin(["special_la", "special_ooa", "indep_special", "nmss"]),
                                            "Has Special Classes", "No Special Classes")
    out["CensusDate"] = f"16-01-{until.year if until.month >= 6 else until.year - 1}"
    cap = est["capacity"].fillna(0).astype(float).to_numpy()
    pupils = np.where(est["kind"].isin(["college"]), rng.integers(1500, 6000, n),
                      np.round(cap * rng.uniform(0.85, 1.02, n))).astype(int)
    for i, u in enumerate(est["urn"]):
        if int(u) in on_roll:  # the LA special schools: roll from the generated placements
            pupils[i] = max(pupils[i] if est["kind"].iat[i] != "special_la" else 0, on_roll[int(u)])
    pupils = np.where(est["status"] == "Open", pupils, 0)
    special = est["kind"].isin(["special_la", "special_ooa", "indep_special", "nmss"]).to_numpy()
    boys = np.round(pupils * np.where(special, 0.72, 0.51)).astype(int)
    out["NumberOfPupils"] = [str(p) if p else "" for p in pupils]
    out["NumberOfBoys"] = [str(b) if p else "" for b, p in zip(boys, pupils)]
    out["NumberOfGirls"] = [str(p - b) if p else "" for b, p in zip(boys, pupils)]
    out["PercentageFSM"] = np.where(pupils > 0, np.round(rng.uniform(8, 48, n), 1).astype(str), "")
    out["TrustSchoolFlag (name)"] = np.where(est["group_name"].isin(["Academies", "Free Schools"]),
                                             "Supported by a multi-academy trust", "Not applicable")
    trusts = ["Three Spires Learning Trust", "Godiva Academies Trust", "Arden Multi-Academy Trust",
              "Sowe Valley Education Trust", "Midlands Catholic Academy Trust"]
    out["Trusts (name)"] = [trusts[int(u) % len(trusts)] if g in ("Academies", "Free Schools") else ""
                            for u, g in zip(est["urn"], est["group_name"])]
    out["UKPRN"] = est["ukprn"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out["FurtherEducationType (name)"] = np.where(est["kind"] == "college", "General further education",
                                                  "Not applicable")
    insp = [date(2016 + int(rng.integers(0, 8)), int(rng.integers(1, 13)), int(rng.integers(1, 28))) for _ in range(n)]
    out["OfstedLastInsp"] = [d.strftime("%d-%m-%Y") for d in insp]
    out["LastChangedDate"] = [date.fromordinal(until.toordinal() - int(rng.integers(3, 400))).strftime("%d-%m-%Y")
                              for _ in range(n)]
    out["Street"] = [N.STREETS[int(rng.integers(len(N.STREETS)))] for _ in range(n)]
    out["Locality"] = ""
    out["Town"] = est["town"]
    out["County (name)"] = np.where(est["la_code"] == "937", "Warwickshire",
                                    np.where(est["la_code"].isin(["331", "334", "330", "332"]), "West Midlands", ""))
    out["Postcode"] = est["postcode"]
    out["SchoolWebsite"] = ["www." + "".join(ch for ch in nm.lower() if ch.isalnum())[:40] + ".sch.uk"
                            for nm in est["name"]]
    phone_prefix = {"331": ("024 76", 6), "937": ("01926 ", 6), "334": ("0121 7", 6), "330": ("0121 ", 7)}
    out["TelephoneNum"] = [phone_prefix.get(la, ("01384 ", 6))[0] + str(int(rng.integers(10 ** (k - 1), 10 ** k)))
                           for la, k in ((la, phone_prefix.get(la, ("", 6))[1]) for la in est["la_code"])]
    out["HeadTitle (name)"] = rng.choice(["Mr", "Mrs", "Ms", "Miss", "Dr"], n)
    out["HeadFirstName"] = rng.choice(N.OFFICER_FORENAMES, n)
    out["HeadLastName"] = rng.choice(N.OFFICER_SURNAMES, n)
    out["HeadPreferredJobTitle"] = np.where(est["kind"] == "college", "Principal", "Headteacher")
    out["GOR (name)"] = "West Midlands"
    out["UrbanRural (name)"] = np.where(est["la_code"] == "937", "(England/Wales) Urban city and town",
                                        "(England/Wales) Urban major conurbation")
    out["Easting"] = rng.integers(426000, 440000, n).astype(str)
    out["Northing"] = rng.integers(273000, 285000, n).astype(str)
    sen1 = {"special_la": "ASD - Autistic Spectrum Disorder", "special_ooa": "SLD - Severe Learning Difficulty",
            "indep_special": "SEMH - Social, Emotional and Mental Health", "nmss": "HI - Hearing Impairment"}
    out["SEN1 (name)"] = est["kind"].map(sen1).fillna("")
    out["ResourcedProvisionOnRoll"] = [str(rp_roll.get(int(u), "")) for u in est["urn"]]
    out["ResourcedProvisionCapacity"] = [str(max(8, int(np.ceil(rp_roll[int(u)] / 4) * 4))) if int(u) in rp_roll else ""
                                         for u in est["urn"]]
    out["SenUnitOnRoll"] = [str(unit_roll.get(int(u), "")) for u in est["urn"]]
    out["SenUnitCapacity"] = [str(max(8, int(np.ceil(unit_roll[int(u)] / 4) * 4))) if int(u) in unit_roll else ""
                              for u in est["urn"]]
    out["OfstedRating (name)"] = np.where(est["status"] == "Open", rng.choice(
        ["Outstanding", "Good", "Good", "Good", "Requires improvement", "Inadequate"], n,
        p=[.15, .25, .25, .2, .12, .03]), "")
    return out[GIAS_COLUMNS]


def _uk(iso: str) -> str:
    """GIAS writes dates as dd-mm-yyyy."""
    if not iso:
        return ""
    y, m, d = iso.split("-")
    return f"{d}-{m}-{y}"
