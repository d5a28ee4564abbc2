"""The pack's page: each section's chart (matplotlib to inline SVG, one accessible palette), its table
(escaped, formula-safe cells, suppressed cells marked) and the self-contained HTML that prints to A4;
`pack.build` queries, protects and writes.
"""
from __future__ import annotations

import html
import io
import re
import textwrap
from datetime import datetime, timezone

import pandas as pd

from ..kernel.run import Run
from . import sections as S

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]  # Okabe-Ito
TABLE_ROWS = 10  # rows of a section's table printed in the pack (the CSV beside it has them all)


def chart_svg(section: S.Section, frame: pd.DataFrame) -> str:
    """The section's chart as an inline SVG (matplotlib, Agg). Suppressed cells (`c`) are not plotted:
    they leave gaps (a line breaks, a bar is missing)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # text.parse_math off: every label is literal (a school named `$\frac{a}$` is drawn as typed, not
    # parsed as mathtext, which raised and stopped the whole pack)
    plt.rcParams.update({"text.parse_math": False,
                         "font.size": 8, "font.family": "DejaVu Sans", "svg.fonttype": "none", "svg.hashsalt": section.id,
                         "axes.spines.top": False, "axes.spines.right": False})
    data = frame.copy()
    for key, label in section.totals.items():  # total rows are for the table, not the chart
        data = data[data[key].astype(str) != str(label)]
    series = section.series
    if section.extra.get("only"):
        data = data[data[section.series].isin(section.extra["only"])]
    dashed, marker = section.extra.get("dashed"), section.extra.get("marker")
    for col in (*section.y, dashed, marker):
        if col:
            data[col] = data[col].map(S.num).astype(float)
    horizontal = section.chart in ("hbar", "stacked_hbar")
    fig, ax = plt.subplots(figsize=(7.2, 3.5 if section.chart == "stacked_hbar" else 2.75), dpi=100)
    if series and section.chart in ("line", "bar"):
        def wide_of(col):
            return data.pivot_table(index=section.x, columns=series, values=col, aggfunc="first", dropna=False)
        wide = wide_of(section.y[0])
    else:
        wide = data.set_index(section.x)[list(section.y)]
    labels = [_label(section.x, v) for v in wide.index]
    if section.chart == "line":
        names = section.extra.get("legend", {})
        for i, col in enumerate(wide.columns):
            ax.plot(range(len(wide)), wide[col].to_numpy(), marker="o", markersize=3, color=PALETTE[i % 8],
                    label=names.get(col, _label(series, col)) if series else _pretty(col))
        if dashed and series:
            ex = wide_of(dashed).reindex(index=wide.index, columns=wide.columns)
            for i, col in enumerate(ex.columns):
                ax.plot(range(len(ex)), ex[col].to_numpy(), linestyle="--", linewidth=1, color=PALETTE[i % 8],
                        label=f"{_label(series, col)}, excl. exceptions")
        crowded = len(wide) > 8
        ax.set_xticks(range(len(wide)), labels, rotation=45 if crowded else 0, ha="right" if crowded else "center")
    elif section.chart == "bar":
        width = 0.8 / max(1, len(wide.columns))
        for i, col in enumerate(wide.columns):
            ax.bar([x + i * width for x in range(len(wide))], wide[col].to_numpy(), width, color=PALETTE[i % 8],
                   label=_label(series, col) if series else _pretty(col))
        centres = [x + width * (len(wide.columns) - 1) / 2 for x in range(len(wide))]
        if marker and series:  # e.g. places: one mark per school, the latest value held
            held = data.dropna(subset=[marker]).sort_values(series).groupby(section.x)[marker].last()
            ax.scatter(centres, held.reindex(wide.index).to_numpy(), marker="_", s=260, linewidths=2.2, color="#000000",
                       zorder=3, label=_pretty(marker) + " (latest)")
        if len(wide) <= 9:  # a few categories: names wrapped under their bars, level
            ax.set_xticks(centres, [textwrap.fill(lbl, 16 if len(wide) <= 6 else 12) for lbl in labels], fontsize=7)
        else:
            ax.set_xticks(centres, [lbl[:28] for lbl in labels], rotation=30, ha="right")
    elif section.chart == "fan":
        _fan(ax, data, section)
    elif section.chart == "hbar":
        values = wide[section.y[0]].to_numpy()[::-1]
        ax.barh(range(len(wide)), values, color=PALETTE[0], label=_pretty(section.y[0]))
        ax.set_yticks(range(len(wide)), [lbl[:38] for lbl in labels][::-1])
        if (pd.Series(values).dropna() < 0).any():
            ax.axvline(0, color="#444444", linewidth=0.8)
    elif section.chart == "stacked_hbar":
        left = [0.0] * len(wide)
        for i, col in enumerate(wide.columns):
            values = wide[col].fillna(0).to_numpy()
            ax.barh(range(len(wide)), values, left=left, color=PALETTE[i % 8], label=_pretty(col))
            left = [a + b for a, b in zip(left, values)]
        ax.set_yticks(range(len(wide)), [lbl[:30] for lbl in labels])
        ax.invert_yaxis()
    value_axis = ax.xaxis if horizontal else ax.yaxis
    (ax.set_xlabel if horizontal else ax.set_ylabel)(section.y_label)
    (ax.set_ylabel if horizontal else ax.set_xlabel)(section.x_label or ("" if horizontal else _pretty(section.x)))
    if section.percent_axis:
        value_axis.set_major_formatter(matplotlib.ticker.PercentFormatter(decimals=0))
    elif section.money or "£" in section.y_label:
        value_axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: S.fmt_money(v, short=True)))
    else:
        value_axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    if section.chart in ("line", "fan") and not section.percent_axis and wide.notna().to_numpy().any():
        ax.set_ylim(bottom=0)  # counts from zero: growth drawn to scale
    if section.chart == "fan" and data.empty:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "No forecast yet: send_forecast has not run.", transform=ax.transAxes, ha="center",
                va="center", fontsize=8, color="#444444")
    elif not wide.notna().to_numpy().any():  # nothing publishable (public version of a small LA)
        ax.set_yticks([]) if not horizontal else ax.set_xticks([])
        ax.text(0.5, 0.5, "Every figure here is suppressed in this version (too few to publish): see the table.",
                transform=ax.transAxes, ha="center", va="center", fontsize=8, color="#444444")
    ax.grid(axis="x" if horizontal else "y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    handles = ax.get_legend_handles_labels()[0]
    if len(handles) > 1:
        ax.legend(frameon=False, fontsize=7, ncol=3 if len(handles) == 6 else min(6, len(handles)),
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
    title = html.escape(f"Chart: {section.title}")
    return re.sub(r'<svg ([^>]*?)width="[^"]+" height="[^"]+"', rf'<svg \1 class="chart" role="img" aria-label="{title}"',
                  svg, count=1)


def _fan(ax, data: pd.DataFrame, section: S.Section) -> None:
    """A fan chart: recorded years as a line, the projection dashed from the last recorded year with its
    interval as a band, and (`marker`) a capacity line."""
    import numpy as np

    y = data[section.y[0]].to_numpy(dtype=float)
    low, high = (data[c].map(S.num).astype(float).to_numpy() for c in section.extra["band"])
    recorded = (data["kind"].astype(str) == "recorded").to_numpy()
    xs = np.arange(len(data))
    ax.plot(xs[recorded], y[recorded], marker="o", markersize=3, color=PALETTE[0], label="Recorded")
    joined = np.r_[xs[recorded][-1:], xs[~recorded]]  # the projection starts from the last recorded year
    band_low, band_high = low.copy(), high.copy()
    band_low[recorded], band_high[recorded] = y[recorded], y[recorded]
    ax.fill_between(joined, band_low[joined], band_high[joined], color=PALETTE[5], alpha=0.3, linewidth=0,
                    label="Interval")
    ax.plot(joined, y[joined], linestyle="--", marker="o", markersize=3, color=PALETTE[0], label="Projected")
    marker = section.extra.get("marker")
    if marker:
        ax.plot(xs, data[marker].to_numpy(dtype=float), color="#000000", linewidth=1.6, drawstyle="steps-mid",
                label=_pretty(marker))
    ax.set_xticks(xs, [str(v) for v in data[section.x]])


def _pretty(name) -> str:
    text = str(name).replace("pct_", "% ").replace("_", " ").strip().capitalize()
    text = re.sub(r" ex$", ", excl. exceptions", text)
    text = re.sub(r"\b[Uu]rn\b", "URN", text)
    return re.sub(r"\b[Ll]a\b", "LA", text)


def _label(column: str | None, value) -> str:
    """A category as printed on an axis or in a legend."""
    if column == "month":
        return S.month_name(value)
    if column == "time_period":
        return S.period(value)
    if column == "provision_type":
        return S.provision(value, capital=True)
    if column == "as_at":
        return f"{pd.Timestamp(value):%d %b %Y}"
    return str(value)


LABELS = {"time_period", "year", "census_year", "month", "school_urn", "as_at", "officer_key", "financial_year"}


def _cell(column: str, value, money: set = frozenset()) -> str:
    """A table cell as printed: labels as they are, counts with thousands separators, rates to 1 dp."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if column == "provision_type":
        return S.provision(value, capital=True)
    if column == "time_period":
        return S.period(value)
    if column == "month":
        return S.month_name(value)
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
        return f"{'-' if number < 0 else ''}£{abs(number):,.0f}"
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{number:,.1f}"


def table_html(frame: pd.DataFrame, section: S.Section, audience: str) -> str:
    if section.extra.get("pivot_table") and len(frame):  # one row per period, a column per series
        wide = frame.pivot(index=section.x, columns=section.series, values=section.y[0])
        head = f"<th>{html.escape(_pretty(section.x))}</th>" + "".join(
            f"<th>{html.escape(section.extra.get('legend', {}).get(c, str(c)))}</th>" for c in wide.columns)
        rows = "".join(
            "<tr>" + f"<td>{html.escape(_cell(section.x, i))}</td>"
            + "".join(f"<td>{html.escape(_cell(section.y[0], v))}</td>" for v in r) + "</tr>"
            for i, r in zip(wide.index, wide.to_numpy()))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    ranked = section.chart == "hbar"  # a top-N list: its first rows; a time series: its latest
    limit = section.extra.get("table_rows", TABLE_ROWS)
    shown = (frame.head(limit) if ranked else frame.tail(limit)) if len(frame) > limit else frame
    shown = shown.drop(columns=[c for c in section.extra.get("hide_columns", ()) if c in shown])  # in the CSV
    if section.totals.get("month") and "year" in shown:
        # months carry their year: print a total row as "2025 total" and drop the year column
        shown = shown.assign(month=[f"{y} total" if str(m) == section.totals["month"] else m
                                    for y, m in zip(shown["year"], shown["month"])]).drop(columns=["year"])
    head = "".join(f"<th>{html.escape(_pretty(c))}</th>" for c in shown.columns)
    rows = []
    for _, row in shown.iterrows():
        cells = [f"<td>{html.escape(_cell(col, row[col], {m for m, _ in section.money}))}</td>" for col in shown.columns]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='more'>{'First' if ranked else 'Latest'} {limit} of {len(frame)} rows; "
            f"all rows in tables/{audience}/{section.id}.csv.</p>"
            if len(frame) > limit else "")
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
th, td { border: 1px solid #ccd; padding: 0.6mm 1.6mm; text-align: right; } td { white-space: nowrap; }
th { background: #eef2f7; } td:first-child, th:first-child { text-align: left; white-space: nowrap; }
.note, .more, .source { font-size: 7.5pt; color: #444; margin: 1mm 0; }
.gaps { font-size: 8pt; color: #7a4a00; margin: 1mm 0; }
ol.contents { columns: 2; font-size: 9pt; }
"""


def render_html(run: Run, audience: str, threshold: int, built: list[dict], la_name: str) -> str:
    when = f"{run.as_at:%d %B %Y}"
    banner = (f"<div class='banner'>Public version: counts from 1 to {threshold - 1} and amounts based on them are "
              f"shown as <b>c</b> (suppressed) and left as gaps in the charts; rates are withheld where they could "
              f"reveal them; rankings leave out schools too small to publish. Co-ordinators appear by their rank in this "
              f"pack only.</div>" if audience == "public" else
              "<div class='banner'>Internal version: full figures, co-ordinators by pseudonymous key. Not for "
              "publication: use the public version.</div>")
    contents = "".join(f"<li>{html.escape(b['section'].title)}</li>" for b in built)
    body = []
    for b in built:
        s = b["section"]
        body.append(
            f"<section id='{s.id}'><h2>{html.escape(s.title)}</h2><p class='reading'>{html.escape(b['reading'])}</p>"
            f"{b['svg']}"
            + (f"<p class='gaps'>Gaps in this chart are suppressed figures (counts from 1 to {threshold - 1}, or "
               f"rates and amounts based on them): they are not plotted.</p>" if b.get("gaps") else "")
            + f"{table_html(b['table'], s, audience)}"
            + (f"<p class='note'>{html.escape(s.note)}</p>" if s.note else "")
            + f"<p class='source'>{html.escape(s.source)}</p></section>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>SEND performance pack, {html.escape(la_name)}, "
            f"{when}</title><style>{CSS}</style></head><body><h1>SEND performance pack: {html.escape(la_name)}</h1>"
            f"<p class='meta'>As at {when} · {audience} version · built {datetime.now(timezone.utc):%d %b %Y %H:%M} UTC "
            f"from the SEND warehouse and the DfE release</p>{banner}<ol class='contents'>{contents}</ol>{''.join(body)}"
            f"</body></html>")
