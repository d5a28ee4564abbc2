"""Small inline SVG bar charts for the SEND data health view: no scripts, no style attributes (the
view's Content-Security-Policy allows neither), presentation attributes only, every label escaped.
Each bar carries a <title> (the browser's tooltip) with its label and value."""
from __future__ import annotations

import html

WIDTH, HEIGHT, PAD = 420, 96, 18
OK, BAD, MISSING = "#1d70b8", "#b00020", "#b1b4b6"


def bars(title: str, points: list[tuple[str, float | None, bool]], unit: str = "", limit: float | None = None) -> str:
    """A bar per point (label, value or None for unknown, bad?) oldest first; `limit` draws a dashed line
    (a threshold). Returns an <figure> with the chart and its caption."""
    e = html.escape
    if not points:
        return f"<figure><figcaption>{e(title)}: no nights yet</figcaption></figure>"
    known = [v for _, v, _ in points if v is not None]
    top = max([*known, limit or 0, 1e-9])
    step = (WIDTH - 2 * PAD) / len(points)
    inner = HEIGHT - 2 * PAD
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' viewBox='0 0 {WIDTH} {HEIGHT}' "
             f"role='img' aria-label='{e(title)}'>",
             f"<line x1='{PAD}' y1='{HEIGHT - PAD}' x2='{WIDTH - PAD}' y2='{HEIGHT - PAD}' stroke='#505a5f'/>"]
    for i, (label, value, bad) in enumerate(points):
        x = PAD + i * step + step * 0.15
        h = inner * 0.04 if value is None else max(inner * value / top, 1.0)
        colour = MISSING if value is None else BAD if bad else OK
        shown = "unknown" if value is None else f"{value:,.4g}{unit}"
        parts.append(f"<rect x='{x:.1f}' y='{HEIGHT - PAD - h:.1f}' width='{step * 0.7:.1f}' height='{h:.1f}' "
                     f"fill='{colour}'><title>{e(label)}: {e(shown)}</title></rect>")
    if limit is not None:
        y = HEIGHT - PAD - inner * limit / top
        parts.append(f"<line x1='{PAD}' y1='{y:.1f}' x2='{WIDTH - PAD}' y2='{y:.1f}' stroke='{BAD}' stroke-dasharray='4 3'/>")
    parts.append(f"<text x='{PAD}' y='12' font-size='11' fill='#0b0c0c'>max {top:,.4g}{e(unit)}</text>")
    parts.append(f"<text x='{PAD}' y='{HEIGHT - 4}' font-size='10' fill='#505a5f'>{e(points[0][0])}</text>")
    parts.append(f"<text x='{WIDTH - PAD}' y='{HEIGHT - 4}' font-size='10' fill='#505a5f' text-anchor='end'>"
                 f"{e(points[-1][0])}</text></svg>")
    return f"<figure>{''.join(parts)}<figcaption>{e(title)}</figcaption></figure>"


def health_charts(snapshot: dict) -> str:
    """Rows loaded per night and the quarantine share over the last 30 nights, each night's duration,
    and each source's hours since its last load against its expected freshness."""
    nights = list(reversed(snapshot.get("history") or []))  # oldest first
    share = snapshot["thresholds"]["quarantine_share"]

    def label(n):
        return f"{n.get('as_at', '')} ({n['run_id']})"

    rows = [(label(n), float(n["rows_loaded"]), not n.get("reconciled", True)) for n in nights]
    quarantine = [(label(n), (100 * n["rows_quarantined"] / n["rows_extracted"]) if n["rows_extracted"] else 0.0,
                   bool(n["rows_extracted"]) and n["rows_quarantined"] / n["rows_extracted"] > share) for n in nights]
    duration = [(label(n), n.get("duration_s"), not n.get("reconciled", True)) for n in nights]
    fresh = [(s["source"], s.get("hours_since_load"), bool(s.get("stale"))) for s in snapshot.get("sources", [])
             if s.get("configured") is not False]
    return "".join([
        bars(f"Rows loaded per night (last {len(nights)}; red: the night did not complete)", rows),
        bars("Quarantine share per night (%; dashed: the alert threshold)", quarantine, "%", 100 * share),
        bars("Run duration per night (s; grey: not measured)", duration, " s"),
        bars("Hours since each source's last load (red: stale)", fresh, " h"),
    ])
