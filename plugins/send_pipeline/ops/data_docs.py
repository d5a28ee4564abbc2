"""The Data Docs as the health view serves them: nothing an attacker wrote runs, nothing of a person shows.

GX writes failing values into its validation pages raw (`<td><div>VALUE</div></td>`, no escaping), so
a value `</table><img src=x onerror=...>` is markup in the file, and no cut of that file can be told
apart from GX's own structure. So:

- Validation result pages (`validations/...`) are never served from GX's HTML: the view renders its
  own page from the run's sample-free results (quality/<run>/validation/*.json: counts, rules,
  columns; quality._summarise drops every value) with every text escaped. Samples are not shown at
  all; the rows are in the owner-only quarantine files.
- Other pages (the index, the expectation suites: configuration only) are rebuilt from parsed HTML
  (html.parser) with an allow-list: known elements and attributes only, text and attribute values
  re-escaped, no script, no inline style, no event handler, no foreign URL in a src; GX's CDN
  stylesheets are replaced by local copies (static/data_docs/, from the npm packages of the same
  versions), so pages work offline and load nothing from a third party. No JavaScript is served:
  the pages are readable without it (collapsed sections are shown open).
- Every response carries a strict Content-Security-Policy (`CSP`): no script at all, styles, images
  and fonts only from the view itself.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from html.parser import HTMLParser
from pathlib import Path

STATIC = Path(__file__).parent / "static" / "data_docs"
CSP = ("default-src 'none'; script-src 'none'; style-src 'self'{styles}; img-src 'self'; font-src 'self'; "
       "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
# GX's CDN stylesheets -> the local copy (same package and version)
LOCAL_CSS = {
    "bootstrap.min.css": "bootstrap.min.css",
    "bootstrap-table.min.css": "bootstrap-table.min.css",
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "bootstrap-prefers-dark.css": "bootstrap-prefers-dark.css",
    "all.min.css": "fontawesome/css/all.min.css",
}
ELEMENTS = {"html", "head", "body", "div", "span", "p", "a", "ul", "ol", "li", "table", "thead", "tbody",
            "tfoot", "tr", "th", "td", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u",
            "small", "code", "pre", "br", "hr", "nav", "header", "footer", "section", "main", "article", "aside",
            "label", "blockquote", "dl", "dt", "dd", "sup", "sub", "abbr", "img", "link", "meta"}  # not title: dropped
VOID = {"br", "hr", "img", "link", "meta", "input", "area", "base", "col", "embed", "param", "source", "track", "wbr"}
# dropped with everything inside them
DROP = {"script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet", "template", "svg",
        "math", "form", "textarea", "select", "button", "video", "audio", "canvas", "xmp", "plaintext", "noembed",
        "noframes", "title"}
ATTRIBUTES = {"class", "id", "colspan", "rowspan", "scope", "role", "alt", "title", "href", "src", "rel", "charset",
              "aria-label", "aria-labelledby", "aria-describedby", "aria-expanded", "aria-controls", "aria-hidden"}
GX_IMAGES = {"favicon.ico", "short-logo.png", "short-logo-vector.svg", "logo-long-vector.svg", "logo-long.png",
             "validation_failed_unexpected_values.gif", "iterative-dev-loop.png", "glossary_scroller.gif"}
LOCAL_EXTRA = "data_docs_view.css"  # shows collapsed sections (no script to open them)


def csp(page: str = "") -> str:
    """The policy for a page: its own inline <style> blocks (ours, never GX's) allowed by hash."""
    finder = _Styles()
    finder.feed(page)
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                     for s in finder.blocks)
    return CSP.format(styles=hashes)


class _Styles(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "style"
        if self._in:
            self.blocks.append("")

    def handle_endtag(self, tag):
        self._in = False

    def handle_data(self, data):
        if self._in:
            self.blocks[-1] += data


def _safe_url(value: str, ups: str, tag: str, attr: str) -> str | None:
    """A URL the page may keep: same-site relative paths and #anchors; https links (not sources)."""
    url = value.strip()
    lowered = "".join(url.split()).lower().replace("\\", "/")  # browsers read \\host as //host
    if tag == "link":
        name = url.rsplit("/", 1)[-1].split("?", 1)[0]
        if name in LOCAL_CSS:
            return f"{ups}static/{LOCAL_CSS[name]}"
        if name in GX_IMAGES or name in ("data_docs_default_styles.css", "data_docs_custom_styles.css"):
            return url if ":" not in lowered and not lowered.startswith("//") else None
        return None
    if attr == "src":
        name = url.rsplit("/", 1)[-1]
        return url if name in GX_IMAGES and ":" not in lowered and not lowered.startswith("//") and ".." not in name \
            else None
    if lowered.startswith("#") or (":" not in lowered.split("/", 1)[0] and not lowered.startswith("//")):
        return url
    return url if lowered.startswith("https://") and tag == "a" else None


class _Sanitiser(HTMLParser):
    """Rebuilds a page from its parse: allowed elements and attributes, re-escaped, nothing else."""

    def __init__(self, ups: str):
        super().__init__(convert_charrefs=True)
        self.ups = ups
        self.out: list[str] = []
        self.skip: list[str] = []   # dropped elements we are inside
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.skip:
            if tag in DROP and tag not in VOID:
                self.skip.append(tag)
            return
        if tag in DROP:
            if tag not in VOID:
                self.skip.append(tag)
            return
        if tag not in ELEMENTS:
            return  # the element goes, its text stays (escaped)
        kept = []
        for name, value in attrs:
            name = name.lower()
            if name not in ATTRIBUTES or value is None and name in ("href", "src"):
                continue
            if name in ("href", "src"):
                value = _safe_url(value, self.ups, tag, name)
                if value is None:
                    continue
            if name == "rel" and (value or "").lower() not in ("stylesheet", "shortcut icon", "icon"):
                continue
            kept.append((name, value))
        names = {n for n, _ in kept}
        if tag == "img" and "src" not in names or tag == "link" and "href" not in names:
            return
        if tag == "meta" and names != {"charset"}:
            return
        self.out.append("<" + tag + "".join(f' {n}="{html.escape(v or "", quote=True)}"' for n, v in kept) + ">")
        if tag == "head":
            self.out.append(f'<link rel="stylesheet" href="{self.ups}static/{LOCAL_EXTRA}">')
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open and self.open[-1] == tag and not self.skip:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
                return
            if tag not in self.open:
                return
            self.skip.clear()  # an element open outside the dropped one ends: so does the dropped one
        if tag in self.open:  # close what is open down to it; a stray end tag is dropped
            while self.open:
                last = self.open.pop()
                self.out.append(f"</{last}>")
                if last == tag:
                    break

    def handle_data(self, data):
        if not self.skip:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "<!DOCTYPE html>" + "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def sanitise(page: str, depth: int) -> str:
    """A GX page rebuilt from its parse (see the module doc). `depth`: how many folders the page's URL is
    below the view's root (so local stylesheets resolve wherever the view is mounted)."""
    parser = _Sanitiser("../" * depth)
    parser.feed(page)
    return parser.result()


# --- validation pages: our own, from the sample-free results ----------------------------------------
def results_section(run_dir: Path, source: str) -> str:
    """The run's validation results for one source: each expectation, its column, pass/fail and counts.
    Built only from quality/<run>/validation/*.json (no values in them) and escaped."""
    from send_pipeline.nightly.sources import ENTITIES, STAGED

    e = html.escape
    rows = []
    for path in sorted((run_dir / "validation").glob("*.json")):
        entity = ENTITIES.get(path.stem) or STAGED.get(path.stem)
        if entity is not None and entity.source != source:
            continue
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        parts = result.get("partitions", [result]) if isinstance(result, dict) else []
        for part in parts:
            for res in (part.get("results") or []) if isinstance(part, dict) else []:
                config = res.get("expectation_config") or {}
                kwargs = config.get("kwargs") or {}
                detail = res.get("result") or {}
                column = kwargs.get("column") or ", ".join(map(str, kwargs.get("column_list") or [])) or ""
                counts = (f"{detail['unexpected_count']:,} of {detail.get('element_count') or 0:,} rows"
                          if isinstance(detail.get("unexpected_count"), int) else "")
                rows.append(f"<tr><td>{e(path.stem)}</td><td>{e(str(config.get('type', '')))}</td><td>{e(str(column))}</td>"
                            f"<td>{'passed' if res.get('success') else 'FAILED'}</td><td>{e(counts)}</td></tr>")
    body = "".join(rows) or "<tr><td colspan='5'>no validation results for this source in this run</td></tr>"
    return (f"<section class='container'><h2>Validation results: {e(source)}, run {e(run_dir.name)}</h2>"
            "<p class='text-muted'>[sample values withheld: counts only here; rows are in the owner-only quarantine "
            "file]</p><table class='table table-sm'><thead><tr><th>entity</th><th>expectation</th><th>column</th>"
            f"<th>result</th><th>unexpected</th></tr></thead><tbody>{body}</tbody></table></section>")


def results_page(run_dir: Path, source: str, depth: int) -> str:
    """A validation page as served: GX's holds raw values, so this one is built from the results."""
    ups = "../" * depth
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Validation results</title>"
            f"<link rel='stylesheet' href='{ups}static/bootstrap.min.css'></head><body>"
            f"{results_section(run_dir, source)}</body></html>")


def index_page(page: str, run_dir: Path, source: str, depth: int) -> str:
    """GX's index (its list of validations is drawn by script, which is not served) with the results."""
    clean = sanitise(page, depth)
    at = clean.rfind("</body>")
    at = len(clean) if at < 0 else at
    return clean[:at] + results_section(run_dir, source) + clean[at:]
