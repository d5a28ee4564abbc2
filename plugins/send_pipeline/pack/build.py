"""Build the monthly SEND performance pack: query each section (include/sql/pack/), protect it for a
public audience (the FOI tables' disclosure control), chart it (matplotlib, one accessible palette),
read it in one line, and write one self-contained HTML file (pack.render) (charts inline as SVG, prints to A4) and
a PDF of it (WeasyPrint), with each section's table as CSV, to SEND_OUTPUT_DIR/packs/<yyyy-mm>/.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pandas as pd

from ..kernel import files as landing
from ..kernel.run import Run
from ..kernel.safe_cells import csv_safe
from ..nightly.marts import render_model
from ..kernel.settings import SQL_DIR
from . import sections as S
from .render import chart_svg, render_html

log = logging.getLogger(__name__)

AUDIENCES = ("internal", "public")
STALE_DAYS = 3  # a pack with a blank as_at refuses marts older than this (the nightly has been failing)


def pack_dir(run: Run) -> Path:
    return run.settings.output_dir / "packs" / f"{run.as_at:%Y-%m}"


def query(wh, run: Run, section: S.Section) -> pd.DataFrame:
    sql = render_model(SQL_DIR / "pack" / f"{section.query_name}.sql", run)
    if wh.dialect == "postgresql":
        sql = sql.replace("%", "%%")
    with wh.connect() as conn:
        result = conn.exec_driver_sql(sql)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def select_rows(section: S.Section, raw: pd.DataFrame, audience: str, threshold: int) -> pd.DataFrame:
    """The rows a section shows: a ranked list's first `top`; in the public version, first leaving out
    rows based on fewer than `threshold` pupils (`public_min`), so a suppressed amount is not bounded by
    its neighbours in the ranking."""
    rows = raw
    column = section.extra.get("public_min")
    if audience == "public" and column:
        base = rows[column].map(S.num)
        rows = rows[(base >= threshold) | (base == 0)]
    if section.extra.get("top"):
        rows = rows.head(section.extra["top"])
    rows = rows.reset_index(drop=True)
    if audience == "public" and section.extra.get("public_relabel"):
        # a pseudonymous key is stable from pack to pack: the public sees a rank in this pack only
        column, label = section.extra["public_relabel"]
        rows = rows.assign(**{column: [label.format(n=i + 1) for i in range(len(rows))]})
        rows = rows.drop(columns=[c for c in section.extra.get("public_drop", ()) if c in rows])
    return rows


def layout(section: S.Section):
    """The section's table as the FOI disclosure control describes one: its counts (additive where they
    make up a group: a total and its parts), and money based on a pupil count."""
    from ..foi.disclosure import Layout, Measure

    grouped = {c for total, parts in section.groups for c in (total, *parts)}
    measures = tuple(Measure(c, "count", additive=c in grouped) for c in section.counts) + tuple(
        Measure(m, "money", base=b) for m, b in section.money)
    return Layout(keys=section.keys, measures=measures, totals=dict(section.totals), column_groups=section.groups)


def protect(section: S.Section, frame: pd.DataFrame, audience: str, threshold: int, protected=None) -> pd.DataFrame:
    """Public: counts 1 to threshold-1 and money based on them become `c`, with secondary suppression
    across each additive group (the FOI tables' disclosure control, foi.disclosure); then rates are
    computed from what is left, so a rate never gives a suppressed count back. Internal: as queried.
    `protected`: the section as protected together with the FOI tables (foi.together), same rows."""
    out = frame.copy().reset_index(drop=True)
    if audience == "public" and len(out) and (section.counts or section.money):
        from ..foi.disclosure import protect as foi_protect

        published = (protected if protected is not None else foi_protect(out, layout(section), threshold)).frame.copy()
        for key, label in section.totals.items():
            # a total is also published elsewhere (a yearly table): if it was hidden here, the cells it
            # adds up could be worked out from that one, so hide all of them
            others = [k for k in section.keys if k != key]
            is_total = published[key].astype(str) == str(label)
            for m in layout(section).measures:
                for _, row in published[is_total & (published[m.name].astype(str) == "c")].iterrows():
                    same = (published[others].astype(str) == row[others].astype(str)).all(axis=1)
                    published.loc[same, m.name] = "c"
        for money, base in section.money:  # an average per pupil beside a hidden count: the amount (here or
            if money.startswith("avg_"):    # in an FOI table) divided by it gives the count back
                published.loc[published[base].astype(str) == "c", money] = "c"
        for m in layout(section).measures:
            out[m.name] = published[m.name].to_numpy()
    for name, numer, denom in section.rates:
        parts = denom.split("+")
        values = []
        for _, row in out.iterrows():
            d = [S.num(row[p]) for p in parts]
            n = S.num(row[numer])
            if audience == "public" and ("c" in (row[numer], *(row[p] for p in parts)) or any(
                    v is not None and 0 < v < threshold for v in d)):
                values.append("c")  # based on a suppressed or small count: withheld
            elif n is None or any(v is None for v in d):
                values.append(None)  # not held (e.g. places before the latest year)
            else:
                values.append(S.pct(n, sum(d)))
        out[name] = values
    return out


def has_gaps(section: S.Section, table: pd.DataFrame) -> bool:
    """Whether the chart leaves out a suppressed value (public version)."""
    cols = [c for c in (*section.y, section.extra.get("dashed"), section.extra.get("marker")) if c and c in table]
    return bool(len(table)) and bool((table[cols].astype(str) == "c").to_numpy().any())


def build_packs(audience: str, threshold_value, requested_as_at, run: Run) -> dict:
    """The DAG's step: the pack for `audience` (internal, public or both), as at the marts' date.
    A requested as-at date other than the marts' is refused: the marts' statuses are as at their night."""
    import dataclasses

    from ..foi import catalogue as cat_mod
    from ..foi.build import ensure_marts

    marts_as_at = ensure_marts(run, cat_mod.load())
    if requested_as_at and str(requested_as_at) != marts_as_at.isoformat():
        raise ValueError(f"the marts are as at {marts_as_at}; run send_nightly with as_at={requested_as_at} first "
                         f"(or leave as_at blank for a pack as at {marts_as_at})")
    if not requested_as_at and (run.as_at - marts_as_at).days > STALE_DAYS:
        raise ValueError(f"the marts are as at {marts_as_at}, {(run.as_at - marts_as_at).days} days before this run's "
                         f"date {run.as_at}: send_nightly has not succeeded since. Fix the nightly and clear this task, "
                         f"or run by hand with as_at={marts_as_at} for a pack as at that date")
    run = dataclasses.replace(run, as_at=marts_as_at)
    wanted = AUDIENCES if audience in ("both", "", None) else (audience,)
    from ..foi.build import build_foi

    build_foi(run)  # the benchmark, plans and places tables the pack reads, current to the marts (once)
    return {a: build_pack(a, threshold_value, run, refresh_foi=False) for a in wanted}


def build_pack(audience: str, threshold_value, run: Run, refresh_foi: bool = True) -> dict:
    """Build the pack for `audience` (internal | public) as at the run's date."""
    from ..foi import steps as foi_steps
    from ..foi.build import build_foi

    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    started = time.perf_counter()
    threshold = foi_steps.threshold(threshold_value)
    if refresh_foi:
        build_foi(run)  # the benchmark, plans and places tables the pack reads, current to the marts
    wh = run.warehouse()
    built = []
    try:
        la = wh.frame("SELECT la_name FROM foi.la_identity")
        la_name = str(la.iloc[0, 0]) if len(la) and la.iloc[0, 0] not in (None, "z", "x") else f"LA {run.settings.la_code}"
        from ..forecast.marts import ensure as ensure_forecast_marts

        ensure_forecast_marts(wh)  # empty until send_forecast's first run: the sections say so

        raws = {section.id: query(wh, run, section) for section in S.SECTIONS}
        rows = {section.id: select_rows(section, raws[section.id], audience, threshold) for section in S.SECTIONS}
        together = {}
        if audience == "public":  # protected with the FOI tables: nothing hidden here is shown there
            from ..foi.together import protect_published

            together = protect_published(wh, run, threshold, pack_rows=rows)
        for section in S.SECTIONS:
            raw = raws[section.id]
            table = protect(section, rows[section.id], audience, threshold, together.get(f"pack:{section.id}"))
            reading = section.reading(table)
            if table.empty and len(raw) and section.extra.get("public_none"):  # all left out of a public ranking
                reading = section.extra["public_none"].format(threshold=threshold)
            built.append({"section": section, "raw": raw, "table": table, "reading": reading,
                          "svg": chart_svg(section, table), "gaps": audience == "public" and has_gaps(section, table)})
    finally:
        wh.dispose()
    folder = landing.owner_only_dir(pack_dir(run))
    stem = f"send_performance_pack_{audience}"
    page = render_html(run, audience, threshold, built, la_name)
    html_path = landing.write_owner_only(folder / f"{stem}.html", page)
    pdf_path = folder / f"{stem}.pdf"
    from weasyprint import HTML

    tmp = folder / f".{stem}.pdf.tmp"
    HTML(string=page, base_url=str(folder)).write_pdf(tmp)
    tmp.chmod(0o600)
    tmp.replace(pdf_path)
    tables = landing.owner_only_dir(landing.owner_only_dir(folder / "tables") / audience)
    for b in built:
        landing.write_owner_only(tables / f"{b['section'].id}.csv", csv_safe(b["table"]).to_csv(index=False))
    readings = {b["section"].id: b["reading"] for b in built}
    landing.write_owner_only(folder / f"{stem}.json", json.dumps(
        {"as_at": run.as_at.isoformat(), "audience": audience, "threshold": threshold, "la": la_name,
         "readings": readings, "rows": {b["section"].id: len(b["table"]) for b in built}}, indent=1))
    result = {"html": str(html_path), "pdf": str(pdf_path), "sections": len(built), "readings": readings,
              "seconds": round(time.perf_counter() - started, 1)}
    log.info("performance pack (%s) as at %s: %d sections in %.1f s", audience, run.as_at, len(built), result["seconds"])
    return result
