"""The checks behind `sen2.build.validate_return`: the XSD check in a child process and its findings,
the file read back and reconciled with what was written and with independent warehouse counts, the
headline figures beside last year's published ones and the warehouse's, and the findings counted.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from . import calendar, data, figures, reader

log = logging.getLogger(__name__)

def xsd_check(path: Path, year: int):
    """Start the XSD check in a child Python process (libxml2 is CPU-bound: it runs on the other core while
    the rules run here); returns a function that waits for the errors. A plain subprocess, not
    multiprocessing: it neither re-imports the caller's main module (Airflow's task runner) nor forks
    a process that holds DuckDB / Arrow threads. Falls back to checking here if it cannot start."""
    import os
    import subprocess
    import sys

    plugins = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([plugins, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    try:
        child = subprocess.Popen([sys.executable, "-m", "send_pipeline.sen2.reader", "--xsd", str(path), str(int(year))],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    except OSError as exc:  # pragma: no cover - restricted environments
        log.warning("XSD check in-process (%s)", exc)
        errors = reader.xsd_errors(path, year)
        return lambda: errors

    def wait() -> list[dict]:
        out, err = child.communicate()
        if child.returncode == 3:
            raise reader.UnsafeXML(err.decode("utf-8", "replace").strip().splitlines()[-1])
        if child.returncode != 0:
            raise RuntimeError(f"XSD check failed: {err.decode('utf-8', 'replace')[-2000:]}")
        return json.loads(out)
    return wait


def xsd_findings(errors: list[dict], tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    requests = tables["requests"]
    for err in errors:
        table, row = "header", 0
        pseq = err.get("person_seq")
        if pseq is not None:
            own = requests.index[requests["person_seq"] == pseq]
            k = err.get("request_index")
            if k is not None and 0 < k <= len(own):
                table, row = "requests", int(own[k - 1])
            else:
                hit = tables["person"].index[tables["person"]["person_seq"] == pseq]
                table, row = ("person", int(hit[0])) if len(hit) else ("header", 0)
        rows.append({"rule": "XSD", "severity": "error", "table": table, "row": row,
                     "detail": f"line {err.get('line')}: {err.get('message')}"})
    return pd.DataFrame(rows, columns=["rule", "severity", "table", "row", "detail"])


def reconcile(read_back: dict[str, pd.DataFrame], written: dict[str, pd.DataFrame], expected: dict,
              per: calendar.Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file read back against the records written (every value) and against warehouse counts."""
    P0, P1 = pd.Timestamp(per.start), pd.Timestamp(per.end)
    rows, bad = [], []
    for name, mine in written.items():
        got = read_back.get(name, pd.DataFrame())
        differing = differences(got, mine)
        rows.append({"section": "reconciliation", "measure": f"records_{name}", "value": len(got),
                     "warehouse_value": len(mine),
                     "how": f"records read back from the file vs records written ({differing} values differ)"})
        if len(got) != len(mine) or differing:
            bad.append(f"{name}: written {len(mine)} records, read back {len(got)}, {differing} values differ")

    def dates(t, c):
        return pd.to_datetime(read_back[t][c], format="%Y-%m-%d", errors="coerce")

    a = read_back["assessment"]
    in_file = {
        "active_plans": len(read_back["active_plans"]),
        "plans_ceased_in_period": int(dates("named_plan", "CeaseDate").between(P0, P1).sum()),
        "requests_received_in_period": int((dates("requests", "ReceivedDate").between(P0, P1)
                                            & (read_back["requests"]["RequestOutcome"] != "H")).sum()),
        "plans_issued_in_period": int(((a["AssessmentOutcome"] == "Y")
                                       & dates("assessment", "AssessmentOutcomeDate").between(P0, P1)).sum()),
    }
    for name, got in in_file.items():
        want = int(expected.get(name) or 0)
        rows.append({"section": "reconciliation", "measure": name, "value": got, "warehouse_value": want,
                     "how": "file vs an independent count in the warehouse (include/sql/sen2/reconcile.sql)"})
        if got != want:
            bad.append(f"{name}: warehouse {want}, file {got}")
    mismatches = pd.DataFrame([{"rule": "REC01", "severity": "error", "table": "header", "row": 0, "detail": b}
                               for b in bad], columns=["rule", "severity", "table", "row", "detail"])
    return pd.DataFrame(rows), mismatches


def _text_values(s: pd.Series) -> list:
    return [v if v.__class__ is str else (None if v is None or pd.isna(v) else str(v)) for v in s.tolist()]


def differences(got: pd.DataFrame, mine: pd.DataFrame) -> int:
    """Values that differ between the file's version of a table and the written one (document order)."""
    if len(got) != len(mine):
        return abs(len(got) - len(mine))
    n = 0
    for col in got.columns:
        if col not in mine.columns:
            continue
        if col in ("person_seq", "request_seq"):
            a = pd.to_numeric(got[col]).to_numpy()
            b = pd.to_numeric(mine[col]).to_numpy()
            n += int((a != b).sum())
            continue
        n += sum(x != y for x, y in zip(_text_values(got[col]), _text_values(mine[col])))
    return n


def previous_figures(session: data.Session, job: dict) -> dict[str, dict | None]:
    prev = figures.time_periods(job["year"] - 1)
    existing = session.tables_in("ref")
    return {t: session.ref_row(f"dfe_{t}", job["la_code"], prev["academic"] if t in figures.ACADEMIC else prev["calendar"],
                               existing)
            for t in figures.TABLES}


def read_warehouse_measures(session: data.Session, job: dict) -> pd.DataFrame | None:
    """The same measures as the warehouse computes them (marts.dfe_measures) for this return's periods, when
    the marts have been built past its census day: shown beside the file's headline figures."""
    if "dfe_measures" not in session.tables_in("marts"):
        return None
    tp = figures.time_periods(job["year"])
    return session.query("SELECT dfe_table, time_period, breakdown_topic, breakdown, measure, value FROM marts.dfe_measures "
                         "WHERE time_period IN (:calendar, :academic) AND breakdown_topic = breakdown",
                         {"calendar": int(tp["calendar"]), "academic": int(tp["academic"])})


def beside_warehouse(headline: pd.DataFrame, warehouse: pd.DataFrame) -> pd.DataFrame:
    keys = ["dfe_table", "time_period", "measure"]
    mine = warehouse.assign(time_period=pd.to_numeric(warehouse["time_period"]).astype(int).astype(str))[keys + ["value"]]
    out = headline.merge(mine.rename(columns={"value": "warehouse_value"}), on=keys, how="left")
    return out


def quarantined_counts(session: data.Session) -> dict[str, int]:
    if not {"open_quarantine", "quarantine", "run_log"} <= session.tables_in("ops"):
        return {}
    frame = session.read("quarantine")
    return {str(e): int(n) for e, n in zip(frame["entity"], frame["n"])}


def finding_counts(located: pd.DataFrame) -> tuple[int, int]:
    if not len(located):
        return 0, 0
    return int((located["severity"] == "error").sum()), int((located["severity"] == "query").sum())
