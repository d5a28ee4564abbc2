"""Build the monthly SEND performance pack: query each section (include/sql/pack/), protect it for a
public audience (the FOI tables' disclosure control), chart it (matplotlib, one accessible palette),
read it in one line, and write one self-contained HTML file (charts inline as SVG, prints to A4) and
a PDF of it (WeasyPrint), with each section's table as CSV, to SEND_OUTPUT_DIR/packs/<yyyy-mm>/.
"""
from __future__ import annotations

import html
import io
import json
import logging
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .. import landing
from ..pipeline import Run, render_model
from ..settings import SQL_DIR
from . import sections as S

log = logging.getLogger(__name__)

AUDIENCES = ("internal", "public")
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]  # Okabe-Ito
TABLE_ROWS = 14  # rows of a section's table printed in the pack (the CSV beside it has them all)


def pack_dir(run: Run) -> Path:
    return run.settings.output_dir / "packs" / f"{run.as_at:%Y-%m}"


def query(wh, run: Run, section: S.Section) -> pd.DataFrame:
    sql = render_model(SQL_DIR / "pack" / f"{section.id}.sql", run)
    if wh.dialect == "postgresql":
        sql = sql.replace("%", "%%")
    with wh.connect() as conn:
        result = conn.exec_driver_sql(sql)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def protect(section: S.Section, frame: pd.DataFrame, audience: str, threshold: int) -> pd.DataFrame:
    """Public: counts 1 to threshold-1 and money based on them become `c` (FOI disclosure control);
    then rates are computed from what is left, so a rate never gives a suppressed count back."""
    out = frame.copy()
    if audience == "public" and len(out) and (section.counts or section.money):
        from ..foi.disclosure import Layout, Measure
        from ..foi.disclosure import protect as foi_protect

        measures = tuple(Measure(c, "count") for c in section.counts) + tuple(
            Measure(m, "money", base=b) for m, b in section.money)
        keyed = out.reset_index(drop=True)
        measures = tuple(Measure(m.name, m.kind, additive=m.kind == "count" and any(
            m.name == total or m.name in parts for total, parts in section.groups), base=m.base) for m in measures)
        published = foi_protect(keyed, Layout(keys=section.keys, measures=measures,
                                              column_groups=section.groups), threshold).frame
        for m in measures:
            out[m.name] = published[m.name].to_numpy()
    for name, numer, denom in section.rates:
        parts = denom.split("+")
        values = []
        for _, row in out.iterrows():
            d = [S.num(row[p]) for p in parts]
            n = S.num(row[numer])
            small = audience == "public" and any(v is not None and 0 < v < threshold for v in d)
            withheld = n is None or any(v is None for v in d) or small
            values.append(("c" if audience == "public" else None) if withheld else S.pct(n, sum(d)))
        out[name] = values
    return out


def chart_svg(section: S.Section, frame: pd.DataFrame) -> str:
    """The section's chart as an inline SVG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "font.family": "DejaVu Sans", "svg.fonttype": "none", "svg.hashsalt": section.id,
                         "axes.spines.top": False, "axes.spines.right": False})
    data = frame.copy()
    if section.extra.get("latest_only") and len(data):
        data = data[data[section.series] == data[section.series].max()]
        series = None
    else:
        series = section.series
    if section.extra.get("only"):
        data = data[data[section.series].isin(section.extra["only"])]
    for col in section.y:
        data[col] = data[col].map(S.num).astype(float)
    fig, ax = plt.subplots(figsize=(7.2, 3.0 if section.chart != "stacked_hbar" else 3.6), dpi=100)
    if series and section.chart in ("line", "bar"):
        wide = data.pivot_table(index=section.x, columns=series, values=section.y[0], aggfunc="first", dropna=False)
    else:
        wide = data.set_index(section.x)[list(section.y)]
    labels = [_label(section, v) for v in wide.index]
    if section.chart == "line":
        for i, col in enumerate(wide.columns):
            ax.plot(range(len(wide)), wide[col].to_numpy(), marker="o", markersize=3, color=PALETTE[i % 8],
                    label=str(col) if series else _pretty(col))
        ax.set_xticks(range(len(wide)), labels, rotation=45 if len(wide) > 8 else 0, ha="right" if len(wide) > 8 else "center")
    elif section.chart == "bar":
        width = 0.8 / max(1, len(wide.columns))
        for i, col in enumerate(wide.columns):
            ax.bar([x + i * width for x in range(len(wide))], wide[col].to_numpy(), width, color=PALETTE[i % 8],
                   label=_label(section, col).replace("_", " ") if series else _pretty(col))
        ax.set_xticks([x + width * (len(wide.columns) - 1) / 2 for x in range(len(wide))], labels,
                      rotation=30 if len(wide) > 6 else 0, ha="right" if len(wide) > 6 else "center")
    elif section.chart == "hbar":
        values = wide[section.y[0]].to_numpy()[::-1]
        ax.barh(range(len(wide)), values, color=PALETTE[0], label=_pretty(section.y[0]))
        ax.set_yticks(range(len(wide)), [lbl[:38] for lbl in labels][::-1])
    elif section.chart == "stacked_hbar":
        left = [0.0] * len(wide)
        for i, col in enumerate(wide.columns):
            values = wide[col].fillna(0).to_numpy()
            ax.barh(range(len(wide)), values, left=left, color=PALETTE[i % 8], label=_pretty(col))
            left = [a + b for a, b in zip(left, values)]
        ax.set_yticks(range(len(wide)), [lbl[:30] for lbl in labels])
        ax.invert_yaxis()
    value_axis = ax.xaxis if section.chart in ("hbar", "stacked_hbar") else ax.yaxis
    (ax.set_xlabel if section.chart in ("hbar", "stacked_hbar") else ax.set_ylabel)(section.y_label)
    if section.chart not in ("hbar", "stacked_hbar"):
        ax.set_xlabel(section.x_label or _pretty(section.x))
    if section.percent_axis:
        value_axis.set_major_formatter(matplotlib.ticker.PercentFormatter(decimals=0))
    elif section.money or "£" in section.y_label:
        value_axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"£{v / 1e6:,.1f}m" if abs(v) >= 1e6 else f"£{v:,.0f}"))
    if not wide.notna().to_numpy().any():  # nothing publishable (public version of a small LA)
        ax.set_yticks([]) if section.chart not in ("hbar", "stacked_hbar") else ax.set_xticks([])
        ax.text(0.5, 0.5, "Every figure here is suppressed in this version (too few to publish): see the table.",
                transform=ax.transAxes, ha="center", va="center", fontsize=8, color="#444444")
    ax.grid(axis="x" if section.chart in ("hbar", "stacked_hbar") else "y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if len(ax.get_legend_handles_labels()[0]) > 1:
        ax.legend(frameon=False, fontsize=7, ncol=min(5, len(ax.get_legend_handles_labels()[0])),
                  loc="lower left", bbox_to_anchor=(0, 1.01), borderaxespad=0)  # above the plot: clear of the ticks
    fig.text(0.01, 0.01, section.source, fontsize=6.5, color="#444444")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: inline SVG
    # ids unique across the page's charts (each SVG names its clip paths and styles alike)
    svg = re.sub(r'(id="|href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{section.id}-{m.group(2)}", svg)
    return re.sub(r'<svg ([^>]*?)width="[^"]+" height="[^"]+"', r'<svg \1 class="chart" role="img"', svg, count=1)


def _pretty(name) -> str:
    return str(name).replace("pct_", "% ").replace("_", " ").strip().capitalize()


def _label(section: S.Section, value) -> str:
    if section.x == "month":
        return S.month_name(value)
    if section.x == "time_period" and len(str(value)) == 6:
        return f"{str(value)[:4]}/{str(value)[4:]}"
    if section.x == "as_at":
        return f"{pd.Timestamp(value):%d %b}"
    return str(value)


LABELS = {"time_period", "year", "month", "school_urn", "as_at", "officer_key", "financial_year"}


def _cell(column: str, value, money: set = frozenset()) -> str:
    """A table cell as printed: labels as they are, counts with thousands separators, rates to 1 dp."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value
    if column == "month":
        return S.month_name(value)
    if column in LABELS:
        return str(value)[:10] if column == "as_at" else str(value)
    number = S.num(value)
    if number is None:
        return str(value)
    if column in money:
        return f"£{number:,.0f}"
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{number:,.1f}"


def table_html(frame: pd.DataFrame, section: S.Section) -> str:
    shown = frame.tail(TABLE_ROWS) if len(frame) > TABLE_ROWS else frame
    head = "".join(f"<th>{html.escape(_pretty(c))}</th>" for c in shown.columns)
    rows = []
    for _, row in shown.iterrows():
        cells = [f"<td>{html.escape(_cell(col, row[col], {m for m, _ in section.money}))}</td>" for col in shown.columns]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='more'>Latest {TABLE_ROWS} of {len(frame)} rows; all rows in tables/{section.id}.csv.</p>"
            if len(frame) > TABLE_ROWS else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm;
        @bottom-center { content: "SEND performance pack · page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; } }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1b1b1b; font-size: 9.5pt; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 18pt; margin: 0 0 2mm 0; color: #0b3d6e; }
h2 { font-size: 12pt; margin: 0 0 1.5mm 0; color: #0b3d6e; }
.meta { color: #444; margin-bottom: 4mm; }
.banner { border-left: 4px solid #E69F00; padding: 2mm 3mm; background: #fff7e6; margin-bottom: 4mm; }
section { break-inside: avoid; page-break-inside: avoid; margin: 0 0 6mm 0; padding-top: 2mm; border-top: 1px solid #ccd; }
.reading { font-size: 10.5pt; font-weight: bold; margin: 1mm 0 2mm 0; }
svg.chart { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 7.5pt; margin-top: 2mm; }
th, td { border: 1px solid #ccd; padding: 0.6mm 1.6mm; text-align: right; }
th { background: #eef2f7; } td:first-child, th:first-child { text-align: left; }
.note, .more, .source { font-size: 7.5pt; color: #444; margin: 1mm 0; }
ol.contents { columns: 2; font-size: 9pt; }
"""


def render_html(run: Run, audience: str, threshold: int, built: list[dict], la_name: str) -> str:
    when = f"{run.as_at:%d %B %Y}"
    banner = (f"<div class='banner'>Public version: counts from 1 to {threshold - 1} and amounts based on them are "
              f"shown as <b>c</b> (suppressed) and left as gaps in the charts; rates are withheld where they could "
              f"reveal them. Co-ordinators appear by pseudonymous key.</div>" if audience == "public" else
              "<div class='banner'>Internal version: full figures. Not for publication: use the public version.</div>")
    contents = "".join(f"<li>{html.escape(b['section'].title)}</li>" for b in built)
    body = []
    for b in built:
        s = b["section"]
        body.append(
            f"<section id='{s.id}'><h2>{html.escape(s.title)}</h2><p class='reading'>{html.escape(b['reading'])}</p>"
            f"{b['svg']}{table_html(b['table'], s)}"
            + (f"<p class='note'>{html.escape(s.note)}</p>" if s.note else "")
            + f"<p class='source'>{html.escape(s.source)}</p></section>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>SEND performance pack, {html.escape(la_name)}, "
            f"{when}</title><style>{CSS}</style></head><body><h1>SEND performance pack: {html.escape(la_name)}</h1>"
            f"<p class='meta'>As at {when} · {audience} version · built {datetime.now(timezone.utc):%d %b %Y %H:%M} UTC "
            f"from the SEND warehouse and the DfE release</p>{banner}<ol class='contents'>{contents}</ol>{''.join(body)}"
            f"</body></html>")


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
    run = dataclasses.replace(run, as_at=marts_as_at)
    wanted = AUDIENCES if audience in ("both", "", None) else (audience,)
    return {a: build_pack(a, threshold_value, run) for a in wanted}


def build_pack(audience: str, threshold_value, run: Run) -> dict:
    """Build the pack for `audience` (internal | public) as at the run's date."""
    from ..foi import steps as foi_steps
    from ..foi.build import build_foi

    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    started = time.perf_counter()
    threshold = foi_steps.threshold(threshold_value)
    build_foi(run)  # the benchmark and places tables the pack reads, current to the marts
    wh = run.warehouse()
    built = []
    try:
        la = wh.frame("SELECT la_name FROM foi.la_identity")
        la_name = str(la.iloc[0, 0]) if len(la) and la.iloc[0, 0] not in (None, "z", "x") else f"LA {run.settings.la_code}"
        for section in S.SECTIONS:
            raw = query(wh, run, section)
            table = protect(section, raw, audience, threshold)
            built.append({"section": section, "raw": raw, "table": table, "reading": section.reading(table),
                          "svg": chart_svg(section, table)})
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
        landing.write_owner_only(tables / f"{b['section'].id}.csv", b["table"].to_csv(index=False))
    readings = {b["section"].id: b["reading"] for b in built}
    landing.write_owner_only(folder / f"{stem}.json", json.dumps(
        {"as_at": run.as_at.isoformat(), "audience": audience, "threshold": threshold, "la": la_name,
         "readings": readings, "rows": {b["section"].id: len(b["table"]) for b in built}}, indent=1))
    result = {"html": str(html_path), "pdf": str(pdf_path), "sections": len(built), "readings": readings,
              "seconds": round(time.perf_counter() - started, 1)}
    log.info("performance pack (%s) as at %s: %d sections in %.1f s", audience, run.as_at, len(built), result["seconds"])
    return result
