"""Render a performance pack to PNG to look at it: the PDF's pages (pypdfium2) and the HTML as a
browser shows it (Debian's headless Chromium through Playwright; skipped when Chromium is absent).

    python scripts/render_pack_pages.py SEND_OUTPUT_DIR/packs/2026-02 [--out docs/pack_preview] [--pages 1,3]
        [--audience public] [--prefix coventry_] [--full-html]
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def render_pdf(pdf: Path, out: Path, pages: list[int], prefix: str = "") -> list[Path]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    written = []
    for number in pages or range(1, len(doc) + 1):
        if number <= len(doc):
            path = out / f"{prefix}{pdf.stem}_page{number}.png"
            doc[number - 1].render(scale=1.4).to_pil().save(path)
            written.append(path)
    return written


def render_html(page: Path, out: Path, prefix: str = "", full: bool = False) -> Path | None:
    chromium = os.environ.get("SEND_TEST_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print(f"no Chromium at {chromium}: HTML not rendered")
        return None
    from playwright.sync_api import sync_playwright

    path = out / f"{prefix}{page.stem}_html.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        tab = browser.new_page(viewport={"width": 900, "height": 1200})
        tab.goto(page.resolve().as_uri())
        tab.screenshot(path=str(path), full_page=full)
        browser.close()
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--out", type=Path, default=Path("docs/pack_preview"))
    ap.add_argument("--pages", default="", help="PDF pages, e.g. 1,3 (default: all)")
    ap.add_argument("--audience", default="*", help="internal or public (default: both)")
    ap.add_argument("--prefix", default="", help="prefix for the PNG names")
    ap.add_argument("--full-html", action="store_true", help="the whole HTML page, not its first screen")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    pages = [int(p) for p in a.pages.split(",") if p.strip()]
    for pdf in sorted(a.folder.glob(f"send_performance_pack_{a.audience}.pdf")):
        for path in render_pdf(pdf, a.out, pages, a.prefix):
            print(path)
    for page in sorted(a.folder.glob(f"send_performance_pack_{a.audience}.html")):
        path = render_html(page, a.out, a.prefix, a.full_html)
        if path:
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
