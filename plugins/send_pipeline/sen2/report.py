"""The validation report the statutory team works from: validation.csv and a readable validation.html.

Findings are grouped by rule with counts, errors first. Each names the person by CMS id (never by name)
and the record (request / assessment / plan / placement id) so it can be found and fixed in the CMS.
The return is "ready to submit" only with zero errors; queries are listed for explanation in COLLECT.
Both files are owner-only (0600): CMS ids are personal data.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..kernel.files import write_owner_only
from ..kernel.safe_cells import csv_safe
from .rules import RULES

SPECIAL = {
    "XSD": ("error", "File", "", "The file breaks the XSD for the year (types, code sets, order or cardinality)",
            "include/sen2/xsd/SEN2_<year>.xsd"),
    "REC01": ("error", "File", "", "The file does not reconcile with what was built or with the warehouse",
              "round-trip reader"),
}
RECORD_IDS = {
    "requests": ("request_id", "request"), "assessment": ("assessment_id", "assessment"), "named_plan": ("plan_id", "plan"),
    "active_plans": ("plan_id", "plan"), "plan_detail": ("placement_id", "placement"),
    "placement_detail": ("placement_id", "placement"), "sen_need": ("plan_id", "plan"),
}
COLUMNS = ["rule", "severity", "module", "fields", "message", "cms_person_id", "record", "detail", "source"]


def rule_info(code: str) -> dict:
    if code in RULES:
        r = RULES[code]
        return {"severity": r.severity, "module": r.module, "fields": ", ".join(r.fields), "message": r.message,
                "source": r.source}
    sev, module, fields, message, source = SPECIAL[code]
    return {"severity": sev, "module": module, "fields": fields, "message": message, "source": source}


def locate(findings: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Findings (rule, severity, table, row, detail) → report rows naming the CMS person and record."""
    people = tables["person"]
    person_of = {}
    if "person_id" in people.columns:
        person_of = {int(q): str(int(v)) for q, v in zip(people["person_seq"], people["person_id"]) if pd.notna(v)}
    parts = []
    for table, group in findings.groupby("table", sort=False, dropna=False):
        group = group.copy()
        frame = tables.get(table) if isinstance(table, str) else None
        if frame is None or not len(frame):
            group["cms_person_id"] = ""
            group["record"] = "header" if table == "header" else ""
        else:
            rows = frame.iloc[group["row"].astype(int).clip(upper=len(frame) - 1).to_numpy()]
            seqs = rows["person_seq"] if "person_seq" in rows else pd.Series(pd.NA, index=rows.index)
            group["cms_person_id"] = [
                (person_of.get(int(q)) or f"(Person #{int(q)} in the file)") if pd.notna(q) else "" for q in seqs]
            group["record"] = _records(table, rows)
        parts.append(group)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    info = pd.DataFrame([{"rule": c, **rule_info(c)} for c in out["rule"].unique()])
    out = out.drop(columns=["severity"]).merge(info, on="rule", how="left")
    out["_sev"] = (out["severity"] != "error").astype(int)
    out["_pid"] = pd.to_numeric(out["cms_person_id"], errors="coerce")
    out = out.sort_values(["_sev", "rule", "_pid", "record"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def _records(table: str, rows: pd.DataFrame) -> list[str]:
    if table in ("person", "header"):
        return [table] * len(rows)
    col, label = RECORD_IDS.get(table, (None, table))

    def column(name, default=pd.NA):
        return rows[name] if name in rows.columns else pd.Series(default, index=rows.index)

    out = []
    for i, p, q, r in zip(column(col), column("plan_id"), column("request_seq"), column("SENtypeRank", None)):
        if pd.notna(i):
            text = f"{label} {int(i)}"
        elif table in ("requests", "assessment") and pd.notna(p):
            text = f"plan {int(p)} (transferred in / historical)"
        elif pd.notna(q):
            text = f"{label} (Requests #{int(q)} in the file)"
        else:
            text = label
        if table == "sen_need":
            text += f" need rank {r}"
        out.append(text)
    return out


def summarise(report: pd.DataFrame) -> pd.DataFrame:
    if not len(report):
        return pd.DataFrame(columns=["rule", "severity", "module", "message", "count"])
    grouped = report.groupby(["rule", "severity", "module", "message"], sort=False).size().reset_index(name="count")
    return grouped


def write_csv(path: Path, report: pd.DataFrame) -> Path:
    return write_owner_only(path, csv_safe(report).to_csv(index=False))


def write_html(path: Path, report: pd.DataFrame, title: str, status: str, facts: list[tuple[str, str]],
               max_rows: int = 300) -> Path:
    esc = html.escape
    errors = int((report["severity"] == "error").sum()) if len(report) else 0
    queries = int((report["severity"] == "query").sum()) if len(report) else 0
    colour = "#1b5e20" if errors == 0 else "#b71c1c"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>body{{font-family:sans-serif;margin:2em;max-width:70em}}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
        "th{background:#eee}.error{color:#b71c1c}.query{color:#e65100}.status{padding:0.6em 1em;color:#fff;"
        f"background:{colour};font-size:1.3em}}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='status'>{esc(status)}</p>",
        "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts) + "</table>",
        f"<p>{errors} error(s) must be fixed in the CMS before submission; {queries} query(ies) need an explanation "
        "in COLLECT (or a correction). People are named by CMS id only. Every finding is in validation.csv.</p>",
    ]
    summary = summarise(report)
    if len(summary):
        parts.append("<h2>Rules with findings</h2><table><tr><th>rule</th><th>severity</th><th>module</th>"
                     "<th>what to check</th><th>count</th></tr>")
        for r in summary.itertuples(index=False):
            parts.append(f"<tr><td><a href='#{esc(r.rule)}'>{esc(r.rule)}</a></td><td class='{esc(r.severity)}'>"
                         f"{esc(r.severity)}</td><td>{esc(r.module)}</td><td>{esc(r.message)}</td><td>{r.count}</td></tr>")
        parts.append("</table>")
        for code, group in report.groupby("rule", sort=False):
            info = rule_info(code)
            parts.append(f"<h3 id='{esc(code)}'>{esc(code)} <span class='{esc(info['severity'])}'>({esc(info['severity'])})"
                         f"</span>: {esc(info['message'])}</h3><p>Fields: {esc(info['fields'])}. {len(group)} finding(s)"
                         + (f"; the first {max_rows} are shown" if len(group) > max_rows else "") + ".</p>")
            parts.append("<table><tr><th>CMS person id</th><th>record</th><th>detail</th></tr>")
            for r in group.head(max_rows).itertuples(index=False):
                parts.append(f"<tr><td>{esc(str(r.cms_person_id))}</td><td>{esc(str(r.record))}</td>"
                             f"<td>{esc(str(r.detail))}</td></tr>")
            parts.append("</table>")
    else:
        parts.append("<p>No findings.</p>")
    counts = report["rule"].value_counts().to_dict() if len(report) else {}
    parts.append(f"<details><summary>Every rule checked ({len(RULES)} rules plus the XSD and the reconciliation)"
                 "</summary><table><tr><th>rule</th><th>severity</th><th>module</th><th>what it checks</th><th>source</th>"
                 "<th>findings</th></tr>")
    for r in RULES.values():
        parts.append(f"<tr><td>{esc(r.code)}</td><td class='{esc(r.severity)}'>{esc(r.severity)}</td><td>{esc(r.module)}"
                     f"</td><td>{esc(r.message)}</td><td>{esc(r.source)}</td><td>{counts.get(r.code, 0)}</td></tr>")
    parts.append("</table></details>")
    parts.append("</body></html>")
    return write_owner_only(path, "\n".join(parts))
