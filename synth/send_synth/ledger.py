"""Finance ledger lines of the SEND cost centres, and the banded funding rates."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import names as N
from .util import fy_of, iso, to_weekday, ymd

ACCOUNTS = {
    5101: "High needs top-up – mainstream (banded funding)",
    5102: "High needs top-up – special school and resourced provision",
    5103: "Independent / non-maintained special school fees",
    5104: "Post-16 high needs placements",
    5105: "Alternative provision and tuition (incl. home tuition)",
    5201: "SEN home to school transport",
    6101: "Agency staff",
    6102: "Consultants",
}
COST_CENTRE = {5101: "E4410", 5102: "E4410", 5103: "E4410", 5104: "E4410", 5105: "E4410", 5201: "E4420",
               6101: "E4430", 6102: "E4430"}
BANDS = ["M1", "M2", "M3", "M4", "M5"]
RATES_2023 = {"M1": 2567, "M2": 4454, "M3": 6969, "M4": 8856, "M5": 16957}
RATES_2017 = {"M1": 2430, "M2": 4215, "M3": 6595, "M4": 8380, "M5": 16045}
RATE_SETS = [("2017-04-01", RATES_2017), ("2023-04-01", RATES_2023)]
LEDGER_COLUMNS = ["Transaction ID", "Posting Date", "Financial Year", "Cost Centre", "Account Code",
                  "Account Description", "Supplier", "URN", "CMS ID", "Band", "Description", "Amount"]
TERMS = [("Summer", 4, 20, 5, 1), ("Autumn", 9, 22, 10, 1), ("Spring", 1, 12, 1, 20)]  # name, post m/d, census m/d


def banding_rates() -> pd.DataFrame:
    rows = []
    for eff, rates in RATE_SETS:
        for band in BANDS:
            for cat in range(1, 6):
                rows.append((band, f"Cat {cat}", str(rates[band]), eff))
        rows.append(("P", "Cat 6", "", eff))
    return pd.DataFrame(rows, columns=["band", "category", "annual_amount", "effective_from"])


def money(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """£1,234.56; credits -£120.00 or (120.00)."""
    x = np.asarray(x, dtype=float)
    paren = rng.random(len(x)) < 0.4
    out = []
    for v, pr in zip(x, paren):
        if v < 0:
            out.append(f"({-v:,.2f})" if pr else f"-£{-v:,.2f}")
        else:
            out.append(f"£{v:,.2f}")
    return np.array(out, dtype=object)


def build(rng: np.random.Generator, placements: pd.DataFrame, plans: pd.DataFrame, est: pd.DataFrame,
          officers: pd.DataFrame, scale: float, until: int) -> pd.DataFrame:
    """All ledger lines (internal columns: amount as float, day, fy)."""
    first_fy, last_fy = 2017, int(fy_of(np.array([until]))[0])
    P = placements
    npl = len(plans)
    person_id = plans["person_id"].to_numpy()
    band = np.array(BANDS)[rng.choice(5, npl, p=[0.40, 0.30, 0.17, 0.09, 0.04])]
    # yearly amounts per plan and account (at 2017/18 prices)
    a5102 = np.clip(rng.normal(20000, 3500, npl), 11000, 32000)
    a5102_rp = np.clip(rng.normal(13500, 2000, npl), 8000, 20000)
    a5103 = np.clip(rng.lognormal(np.log(85000), 0.3, npl), 45000, 220000)
    a5104_col = np.clip(rng.normal(9000, 2500, npl), 3000, 18000)
    a5104_spi = np.clip(rng.normal(45000, 9000, npl), 25000, 80000)
    a5105 = np.clip(rng.normal(12000, 3000, npl), 5000, 22000)
    kind = P["inst_kind"].astype(str).to_numpy()
    setting = P["setting"].astype(str).to_numpy()
    inst = P["inst"].to_numpy()
    plan = P["plan"].to_numpy()
    resid = P["residential"].notna().to_numpy()
    rp = (P["rp"] | P["unit"]).to_numpy()
    urn_of = est["urn"].to_numpy()
    name_of = est["name"].to_numpy()
    acct = np.select(
        [np.isin(kind, ["primary", "secondary", "nursery"]) & rp, np.isin(kind, ["primary", "secondary", "nursery"]),
         np.isin(kind, ["special_la", "special_ooa"]), np.isin(kind, ["indep_special", "nmss"]),
         np.isin(kind, ["college", "spi"]), (kind == "pru") | np.isin(setting, ["OLA", "NIEO"])],
        [5102, 5101, 5102, 5103, 5104, 5105], 0)
    annual = np.select(
        [acct == 5101, (acct == 5102) & rp, acct == 5102, acct == 5103, (acct == 5104) & (kind == "spi"), acct == 5104,
         acct == 5105],
        [0, a5102_rp[plan], a5102[plan] * np.where(kind == "special_ooa", 1.2, 1.0),
         a5103[plan] * np.where(resid, 1.5, 1.0), a5104_spi[plan], a5104_col[plan], a5105[plan]], 0.0)
    tutor = np.array(N.TUITION_PROVIDERS)[plan % len(N.TUITION_PROVIDERS)]
    supplier = np.where(inst >= 0, name_of[np.clip(inst, 0, None)], tutor)
    urn = np.where(inst >= 0, urn_of[np.clip(inst, 0, None)].astype(str), "")
    s = P["s"].to_numpy()
    e = P["e"].to_numpy()
    parts = []
    for fy in range(first_fy, last_fy + 1):
        for tname, pm, pd_, cm, cd in TERMS:
            y = fy + 1 if pm < 4 else fy
            census = int(ymd(y, cm, cd))
            on = np.flatnonzero((s <= census) & (e >= census) & (acct > 0))
            if not len(on):
                continue
            post = to_weekday(ymd(y, pm, pd_) + rng.integers(0, 21, len(on)))
            keep = post <= until
            on, post = on[keep], post[keep]
            a = acct[on]
            infl = 1.02 ** (fy - 2017)
            rate_set = RATES_2023 if fy >= 2023 else RATES_2017
            amt = np.where(a == 5101, np.array([rate_set[b] for b in band[plan[on]]]) / 3.0, annual[on] * infl / 3.0)
            label = f"{tname} term {y}"
            desc = np.where(a == 5101, "Top-up " + label + " – " + band[plan[on]],
                            np.where(a == 5103, "Placement fees " + label,
                                     np.where(a == 5105, "Tuition / AP " + label, "Top-up " + label)))
            parts.append(pd.DataFrame({
                "day": post, "acct": a, "supplier": supplier[on], "urn": urn[on],
                "cms": person_id[plan[on]].astype(str), "band": np.where(a == 5101, band[plan[on]], ""),
                "desc": desc, "amount": np.round(amt, 2)}))
    pupil = pd.concat(parts, ignore_index=True)
    # credits (~1%): reversals and overpayment recoveries
    cr = pupil.sample(frac=0.01, random_state=np.random.RandomState(int(rng.integers(2**31)))).copy()
    cr["day"] = to_weekday(cr["day"].to_numpy() + rng.integers(14, 60, len(cr)))
    part = rng.random(len(cr)) < 0.5
    cr["amount"] = -np.round(np.where(part, cr["amount"] * rng.uniform(0.2, 0.8, len(cr)), cr["amount"]), 2)
    cr["desc"] = np.where(part, "Credit – overpayment recovered", "Reversal – pupil left placement")
    cr = cr[cr["day"] <= until]
    # transport: monthly invoices per route (and passenger assistants)
    trans = []
    specials = est.index[est["kind"].isin(["special_la"]) & est["open"]].to_numpy()
    active_plans = lambda d: int(((plans["local_start"] <= d) & (plans["cease"] > d)).sum())  # noqa: E731
    for fy in range(first_fy, last_fy + 1):
        n_routes = max(1, int(round(0.07 * active_plans(int(ymd(fy, 4, 1))))))
        sup = np.array(N.TRANSPORT_SUPPLIERS)[rng.integers(0, len(N.TRANSPORT_SUPPLIERS), n_routes)]
        monthly = np.round(np.clip(rng.lognormal(np.log(2600), 0.35, n_routes), 900, 9000), 2)
        escort = rng.random(n_routes) < 0.4
        dest = specials[rng.integers(0, len(specials), n_routes)]
        with_urn = rng.random(n_routes) < 0.5
        for k in range(12):
            m = (4 + k - 1) % 12 + 1
            y = fy if m >= 4 else fy + 1
            if m == 8:
                continue
            post = to_weekday(ymd(y, m, 8) + rng.integers(0, 18, n_routes))
            ok = post <= until
            mon = pd.Timestamp(year=y, month=m, day=1).strftime("%B %Y")
            rid = np.array([f"CV{fy % 100:02d}-{r + 1:03d}" for r in range(n_routes)])
            infl = 1.03 ** (fy - 2017)
            d = pd.DataFrame({"day": post, "acct": 5201, "supplier": sup,
                              "urn": np.where(with_urn, urn_of[dest].astype(str), ""), "cms": "", "band": "",
                              "desc": "Route " + rid + " – " + mon, "amount": np.round(monthly * infl, 2)})
            esc = d[escort].copy()
            esc["desc"] = "Passenger assistant – route " + rid[escort] + " – " + mon
            esc["amount"] = np.round(esc["amount"] * 0.35, 2)
            trans += [d[ok], esc[ok[escort]]]
    # agency staff (weekly timesheets), consultants (a few a year)
    staff = []
    ag = officers[officers["is_agency"] == 1]
    for _, o in ag.iterrows():
        start = int(o["start"])
        end = min(int(o["end"]), until)
        fridays = np.arange(start + (4 - (start + 3) % 7) % 7, end + 1, 7)
        if not len(fridays):
            continue
        hrs = np.round(np.clip(rng.normal(36, 3, len(fridays)), 20, 45) * 2) / 2
        rate = round(float(rng.uniform(38, 46)), 2)
        agency = N.AGENCIES[int(o["officer_id"]) % len(N.AGENCIES)]
        post = to_weekday(fridays + rng.integers(5, 12, len(fridays)))
        ok = post <= until
        desc = [f"Agency EHC Plan Co-ordinator – {o['name']} – w/e "
                f"{pd.Timestamp(int(f), unit='D').strftime('%d/%m/%Y')} – {h:.1f} hrs" for f, h in zip(fridays, hrs)]
        staff.append(pd.DataFrame({"day": post, "acct": 6101, "supplier": agency, "urn": "", "cms": "", "band": "",
                                   "desc": desc, "amount": np.round(hrs * rate, 2)})[ok])
    for fy in range(first_fy, last_fy + 1):
        n = int(rng.integers(2, 6))
        which = rng.integers(0, len(N.CONSULTANTS), n)
        post = to_weekday(ymd(fy, 4, 1) + rng.integers(10, 355, n))
        ok = post <= until
        staff.append(pd.DataFrame({"day": post, "acct": 6102, "supplier": [N.CONSULTANTS[w][0] for w in which],
                                   "urn": "", "cms": "", "band": "", "desc": [N.CONSULTANTS[w][1] for w in which],
                                   "amount": np.round(rng.uniform(2000, 25000, n), 2)})[ok])
    L = pd.concat([pupil, cr] + trans + staff, ignore_index=True)
    L = L[L["day"] <= until]
    L = L.sort_values(["day", "acct", "supplier", "cms", "desc"], kind="stable").reset_index(drop=True)
    L["fy"] = fy_of(L["day"].to_numpy())
    L = L[L["fy"] >= first_fy].reset_index(drop=True)
    step = rng.integers(1, 4, len(L))
    L["tid"] = ["T" + str(v) for v in 1000000 + np.cumsum(step)]
    return L


def to_frame(L: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    d = iso(L["day"].to_numpy())
    out = pd.DataFrame({
        "Transaction ID": L["tid"],
        "Posting Date": [f"{x[8:10]}/{x[5:7]}/{x[:4]}" for x in d],
        "Financial Year": [f"{y}/{(y + 1) % 100:02d}" for y in L["fy"]],
        "Cost Centre": L["acct"].map(COST_CENTRE),
        "Account Code": L["acct"].astype(str),
        "Account Description": L["acct"].map(ACCOUNTS),
        "Supplier": L["supplier"],
        "URN": L["urn"],
        "CMS ID": L["cms"],
        "Band": L["band"],
        "Description": L["desc"],
        "Amount": money(L["amount"].to_numpy(), rng),
    })
    return out[LEDGER_COLUMNS]


def export_day(fy: int, until: int, rng: np.random.Generator) -> int:
    """The day the finance system exported a financial year's ledger (just after it closed)."""
    d = int(to_weekday(np.array([ymd(fy + 1, 4, 3) + int(rng.integers(0, 8))]))[0])
    return d if d < until else until - 1  # the part-year export is the one named by `until`


__all__ = ["ACCOUNTS", "LEDGER_COLUMNS", "banding_rates", "build", "to_frame", "export_day"]
