"""The SEN2 return end to end: plan the run → write the file → validate it → write the report.

`build_return(...)` runs every step (tests, benchmarks, the CLI). The `sen2_census` DAG runs the same
steps as separate tasks (`plan_run`, `write_return`, `validate_return`, `write_report`), which meet in
the output folder: `SEND_OUTPUT_DIR/sen2/<year>/`:
  SEN2_<LA>_<year>.xml  the return (0600)
  validation.csv / validation.html  findings by rule, people named by CMS id (0600)
  summary.csv  counts per module, DfE headline figures beside last year's published ones and the warehouse's
               (marts.dfe_measures), reconciliation (0600)
  dfe_measures.csv  every measure of the DfE's tables the file yields, with every breakdown (0600)
  .work/  hand-over between tasks: the tables the file was written from (with the CMS ids the report
          names records by), findings, figures (0700 folder, 0600 files)
Validation checks the file itself against the year's XSD (in a child process, beside the rules), runs the
rule registry on the tables written, and reads the file back (reader.py) to prove it holds exactly those
tables, value for value, and agrees with independent counts in the warehouse: so what the rules checked
is what will be uploaded.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from ..kernel.files import owner_only_dir, write_owner_only
from ..kernel.safe_cells import csv_safe
from ..kernel.settings import Settings
from ..kernel.warehouse import Warehouse
from . import calendar, data, figures, reader, report, rules, scope, structure, writer
from .checks import beside_warehouse, finding_counts, previous_figures, quarantined_counts, read_warehouse_measures, reconcile, xsd_check, xsd_findings

log = logging.getLogger(__name__)

SOFTWARE_CODE = "send_pipeline"
RELEASE = "1.0"
DMO_CODES = {"yes": "Y", "no": "N", "recruiting": "R", "y": "Y", "n": "N", "r": "R"}


# ------------------------------------------------------------------------------------------ plan
def plan_run(year: int | None = None, la_code: str | None = None, as_at: str | date | None = None,
             serial_no: str = "001", dmo: str | None = None, dco: str | None = None, dsco: str | None = None,
             logical_date: date | None = None, default_la: str = "331") -> dict:
    """The run's parameters, checked, as a JSON-able dict: collection year, LA, period, census day."""
    if not year:
        year = calendar.collection_year_for(logical_date or date.today())
    year = int(year)
    structure.load(year)  # fails early, with what to add, for a year we have no structure for
    la_code = f"{int(la_code or default_la):03d}"
    serial_no = str(serial_no or "001").strip()
    if not (len(serial_no) == 3 and serial_no.isdigit()):
        raise ValueError(f"serial_no must be 3 digits (e.g. 001), not {serial_no!r}")
    codes = {}
    for name, value in (("DMO", dmo), ("DCO", dco), ("DSCO", dsco)):
        if value:
            code = DMO_CODES.get(str(value).strip().lower())
            if not code:
                raise ValueError(f"{name} must be Y, N or R, not {value!r}")
            codes[name] = code
    per = calendar.period(year, as_at or None)
    return {"year": year, "la_code": la_code, "serial_no": serial_no, "period": per.as_dict(), "officers": codes}


def plan_from_params(params: dict, logical_date: date | None, settings: Settings) -> dict:
    """plan_run from the DAG's params (blank = default) and the run's logical date."""
    p = params or {}
    return plan_run(p.get("collection_year") or None, p.get("la_code") or None, p.get("as_at") or None,
                    p.get("serial_no") or "001", p.get("dmo") or None, p.get("dco") or None, p.get("dsco") or None,
                    logical_date=logical_date, default_la=settings.la_code)


def plan_jobs(params: dict, logical_date: date | None, settings_for) -> list[dict]:
    """One job per LA: this LA's; in consortium mode each LA of SEND_LAS (or the `la_code` param's LA).
    `settings_for(None)` is the (consortium's) settings, `settings_for(la)` one LA's."""
    whole = settings_for(None)
    p = params or {}
    if not whole.consortium:
        return [plan_from_params(p, logical_date, whole)]
    las = [f"{int(p['la_code']):03d}"] if p.get("la_code") else whole.las()
    return [plan_from_params({**p, "la_code": la}, logical_date, settings_for(la)) for la in las]


@dataclass(frozen=True)
class Paths:
    folder: Path
    xml: Path
    validation_csv: Path
    validation_html: Path
    summary_csv: Path
    dfe_measures_csv: Path
    work: Path


def paths(output_dir: Path, job: dict) -> Paths:
    folder = Path(output_dir) / "sen2" / str(job["year"])
    return Paths(folder, folder / f"SEN2_{job['la_code']}_{job['year']}.xml", folder / "validation.csv",
                 folder / "validation.html", folder / "summary.csv", folder / "dfe_measures.csv", folder / ".work")


def _target(target, out_dir: Path | str | None) -> tuple[str, Path, str]:
    """(warehouse URL, output folder, default LA) from Settings, a Warehouse or a URL."""
    if isinstance(target, Settings):
        return target.warehouse_url, Path(out_dir or target.output_dir), target.la_code
    settings = Settings.resolve()
    url = target.url if isinstance(target, Warehouse) else str(target)
    return url, Path(out_dir or settings.output_dir), settings.la_code


# ------------------------------------------------------------------------------------------ write
def write_return(target, job: dict, out_dir: Path | str | None = None, now: datetime | None = None) -> dict:
    """Select the scope from the warehouse and write the XML (0600) plus the id hand-over."""
    started = time.perf_counter()
    url, output, _ = _target(target, out_dir)
    p = paths(output, job)
    per = calendar.Period.from_dict(job["period"])
    st = structure.load(job["year"])
    wh = Warehouse(url)
    try:
        core = scope.load(wh, per)
        selected = scope.select(core, per)
        header, sources = _header(wh, job, per, now)
    finally:
        wh.dispose()
    if p.work.exists():  # nothing of an earlier build may be mistaken for this one's
        shutil.rmtree(p.work)
    writer.write(p.xml, st, header, selected.tables)
    save_tables(p.work, selected.tables)
    counts = {name: int(len(frame)) for name, frame in selected.tables.items()}
    write_owner_only(p.work / "built.json", json.dumps({"job": job, "counts": counts, "header_sources": sources,
                                                        "sanitised_values": selected.sanitised}, indent=1))
    seconds = round(time.perf_counter() - started, 2)
    log.info("SEN2 %s for LA %s written to %s in %.1f s: %s", job["year"], job["la_code"], p.xml, seconds, counts)
    return {"xml": str(p.xml), "counts": counts, "seconds": seconds, "_tables": selected.tables}


def save_tables(work: Path, tables: dict[str, pd.DataFrame]) -> None:
    """The tables the file was written from, for the validation task (0600: they hold what the file holds)."""
    owner_only_dir(work)
    for name, frame in tables.items():
        path = work / f"table_{name}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.chmod(0o600)
        tmp.replace(path)


def load_tables(work: Path) -> dict[str, pd.DataFrame]:
    return {path.stem.removeprefix("table_"): pd.read_parquet(path) for path in sorted(work.glob("table_*.parquet"))}


def _header(wh: Warehouse, job: dict, per: calendar.Period, now: datetime | None) -> tuple[dict, dict]:
    now = now or datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)
    header = {"Collection": "SEN2", "Year": str(job["year"]), "ReferenceDate": per.census.isoformat(),
              "SourceLevel": "L", "LEA": job["la_code"], "SoftwareCode": SOFTWARE_CODE, "Release": RELEASE,
              "SerialNo": job["serial_no"], "DateTime": now.strftime("%Y-%m-%dT%H:%M:%S")}
    sources = {}
    given = job.get("officers") or {}
    published = _published_officers(wh, job["la_code"], job["year"])
    for name in ("DMO", "DCO", "DSCO"):
        if name in given:
            header[name], sources[name] = given[name], "param"
        elif name in published:
            header[name], sources[name] = published[name]
    return header, sources


def _published_officers(wh: Warehouse, la_code: str, year: int) -> dict[str, tuple[str, str]]:
    """DMO/DCO/DSCO as the DfE last published them for the LA (ref.dfe_sen2_dmo_dco), if loaded."""
    with data.Session(wh) as session:
        if "dfe_sen2_dmo_dco" not in session.tables_in("ref"):
            return {}
        frame = session.query("SELECT time_period, des_med_off, des_clin_off, des_so_care_off "
                              "FROM ref.dfe_sen2_dmo_dco WHERE old_la_code = :la", {"la": la_code})
    frame = frame[pd.to_numeric(frame["time_period"], errors="coerce") < year]
    if frame.empty:
        return {}
    row = frame.sort_values("time_period").iloc[-1]
    out = {}
    for name, col in (("DMO", "des_med_off"), ("DCO", "des_clin_off"), ("DSCO", "des_so_care_off")):
        code = DMO_CODES.get(str(row[col] or "").strip().lower())
        if code:
            out[name] = (code, f"the DfE's {row['time_period']} figures")
    return out


# ------------------------------------------------------------------------------------------ validate
def validate_return(target, job: dict, out_dir: Path | str | None = None, now: datetime | None = None,
                    tables: dict[str, pd.DataFrame] | None = None, timings: dict | None = None) -> dict:
    """XSD on the file, the rule registry on the records written, the file read back and reconciled
    (record by record with what was written, and with independent warehouse counts), sign-off figures."""
    started = time.perf_counter()
    timings = timings if timings is not None else {}
    url, output, _ = _target(target, out_dir)
    p = paths(output, job)
    per = calendar.Period.from_dict(job["period"])
    built = json.loads((p.work / "built.json").read_text())
    tables = tables if tables is not None else load_tables(p.work)
    wh = Warehouse(url)
    try:
        with data.Session(wh) as session:
            schools = session.read("school")
            expected = session.read("reconcile", {"census": per.census, "period_start": per.start, "period_end": per.end})
            previous = previous_figures(session, job)
            quarantined = quarantined_counts(session)
            warehouse_measures = read_warehouse_measures(session, job)
    finally:
        wh.dispose()

    t = time.perf_counter()
    pending_xsd = xsd_check(p.xml, job["year"])  # libxml2 on the other core while the rules run here

    header = reader.peek_header(p.xml)
    ctx = rules.RuleContext(
        job["year"], per.census, per.start, per.end, job["la_code"], structure.load(job["year"]),
        now=now or datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None),
        known_urns={str(int(u)) for u in schools["urn"].dropna()},
        known_ukprns={str(u).strip() for u in schools["ukprn"].dropna() if str(u).strip()},
        header_sources=built["header_sources"], quarantined=quarantined,
        sanitised=int(built.get("sanitised_values", 0)))
    found = rules.run(tables, header, ctx)
    timings["rules"] = round(time.perf_counter() - t, 2)
    xsd_errors = pending_xsd()
    timings["xsd_and_rules"] = round(time.perf_counter() - t, 2)  # side by side on two cores

    t = time.perf_counter()
    parsed = reader.read(p.xml, job["year"])
    recon, mismatches = reconcile(parsed.tables, tables, expected.iloc[0].to_dict(), per)
    timings["read_back_and_reconcile"] = round(time.perf_counter() - t, 2)

    found = pd.concat([found, xsd_findings(xsd_errors, tables), mismatches], ignore_index=True)
    located = report.locate(found, tables)
    measures = figures.compute(parsed.tables, per, schools)
    headline = figures.with_previous(measures, previous, per, job["la_code"])
    if warehouse_measures is not None:
        headline = beside_warehouse(headline, warehouse_measures)
    summary = pd.concat([pd.DataFrame(figures.module_counts(parsed.tables)), headline, recon], ignore_index=True)
    owner_only_dir(p.work)
    write_owner_only(p.work / "findings.json", located.to_json(orient="records"))
    write_owner_only(p.work / "dfe_measures.json", measures.to_json(orient="records"))
    write_owner_only(p.work / "summary.json", summary.to_json(orient="records"))
    errors, queries = finding_counts(located)
    seconds = round(time.perf_counter() - started, 2)
    log.info("SEN2 %s validated in %.1f s: %d errors, %d queries", job["year"], seconds, errors, queries)
    return {"errors": errors, "queries": queries, "xsd_errors": len(xsd_errors),
            "reconciled": bool(mismatches.empty), "seconds": seconds}


# ------------------------------------------------------------------------------------------ report
def _number(v) -> str:
    """Counts as integers, percentages as published (one decimal), blanks blank."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return str(int(f)) if f.is_integer() else f"{f:.1f}"


def write_report(target, job: dict, out_dir: Path | str | None = None) -> dict:
    """validation.csv, validation.html and summary.csv; the verdict: ready to submit only with no errors."""
    _, output, _ = _target(target, out_dir)
    p = paths(output, job)
    located = pd.read_json(p.work / "findings.json", orient="records", dtype=False)
    located = located.reindex(columns=report.COLUMNS).fillna("")
    summary = pd.read_json(p.work / "summary.json", orient="records", dtype=False, precise_float=True)
    for col in ("value", "previous_value", "warehouse_value"):
        if col in summary:
            summary[col] = summary[col].map(_number)
    errors, queries = finding_counts(located)
    ready = errors == 0
    status = (f"READY TO SUBMIT: no errors; {queries} queries to explain in COLLECT" if ready else
              f"NOT READY TO SUBMIT: {errors} errors to fix in the CMS (then reload and re-run); {queries} queries")
    per = calendar.Period.from_dict(job["period"])
    report.write_csv(p.validation_csv, located)
    facts = [("Collection year", str(job["year"])), ("LA", job["la_code"]),
             ("Collection period", f"{per.start.isoformat()} to {per.end.isoformat()}"),
             ("Census (reference) day", per.census.isoformat() + ("" if not per.overridden else
                                                                  f" (as-at override; published census day {per.census_published})")),
             ("File", p.xml.name), ("Serial number", job["serial_no"])]
    counts = summary[summary["section"] == "module_counts"]
    facts += [(f"<{m}> records", str(v)) for m, v in zip(counts["measure"], counts["value"])]
    report.write_html(p.validation_html, located, f"SEN2 {job['year']} return, LA {job['la_code']}: validation", status, facts)
    cols = ["section", "dfe_table", "time_period", "geographic_level", "old_la_code", "breakdown_topic", "breakdown",
            "measure", "value", "previous_time_period", "previous_value", "warehouse_value", "how"]
    write_owner_only(p.summary_csv, csv_safe(summary.reindex(columns=cols)).to_csv(index=False))
    measures = pd.read_json(p.work / "dfe_measures.json", orient="records", dtype=False, precise_float=True)
    measures["value"] = measures["value"].map(_number)
    write_owner_only(p.dfe_measures_csv, csv_safe(measures).to_csv(index=False))
    log.info("SEN2 %s: %s (%s)", job["year"], status, p.validation_html)
    return {"ready_to_submit": ready, "errors": errors, "queries": queries, "status": status,
            "xml": str(p.xml), "validation_csv": str(p.validation_csv), "validation_html": str(p.validation_html),
            "summary_csv": str(p.summary_csv), "dfe_measures_csv": str(p.dfe_measures_csv)}


# ------------------------------------------------------------------------------------------ all
def build_return(target, year: int, la_code: str | None = None, as_at: str | date | None = None,
                 serial_no: str = "001", out_dir: Path | str | None = None, now: datetime | None = None,
                 dmo: str | None = None, dco: str | None = None, dsco: str | None = None) -> dict:
    """Build, validate and report the SEN2 return of `year` for `la_code` from the warehouse.

    `target` is the Settings (warehouse URL, output folder, LA), a Warehouse or a warehouse URL.
    Returns paths, counts, errors/queries and `ready_to_submit`.
    """
    t0 = time.perf_counter()
    _, _, default_la = _target(target, out_dir)
    job = plan_run(year, la_code, as_at, serial_no, dmo, dco, dsco, default_la=default_la)
    written = write_return(target, job, out_dir, now)
    timings: dict = {}
    checked = validate_return(target, job, out_dir, now, tables=written["_tables"], timings=timings)
    result = write_report(target, job, out_dir)
    return {**result, "job": job, "counts": written["counts"], "xsd_errors": checked["xsd_errors"],
            "reconciled": checked["reconciled"],
            "seconds": {"write": written["seconds"], **timings, "validate": checked["seconds"],
                        "total": round(time.perf_counter() - t0, 2)}}
