"""The "SEND data health" view: a small FastAPI app mounted in Airflow's API server by the plugin
in plugins/send_health_plugin.py. It renders the health snapshot the nightly run writes (no personal
data) and the Data Docs beside it. Only a user logged in to Airflow gets the page: the request must
carry Airflow's JWT (the UI's `_token` cookie or an `Authorization: Bearer` header), checked by
Airflow's own auth manager; anyone else gets 401 (or 403 for a forged token).
"""
from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response



async def logged_in_user(request: Request):
    """Airflow's own check of the caller's JWT (Bearer header, else the UI's `_token` cookie), imported
    on the first request: importing Airflow's API security module costs seconds in every process that
    loads plugins (scheduler, workers), which must not pay it."""
    try:
        from airflow.api_fastapi.core_api.security import get_user
    except ImportError:  # outside Airflow: nobody is logged in
        raise HTTPException(status_code=401, detail="log in to Airflow") from None
    from fastapi.security import HTTPAuthorizationCredentials

    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    bearer = HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip()) if token.strip() else None
    try:
        return await get_user(request, None, bearer)
    except HTTPException:
        raise
    except Exception:  # anything unexpected while checking: refuse (fail closed)
        raise HTTPException(status_code=401, detail="log in to Airflow") from None


app = FastAPI(title="SEND data health", docs_url=None, redoc_url=None, openapi_url=None)
USER = Depends(logged_in_user)


NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
DOCS_TYPES = {".html", ".css", ".png", ".svg", ".ico", ".woff", ".woff2", ".ttf", ".gif", ".jpg", ".otf"}
# Data Docs show sample failing values, raw (personal data, and markup an attacker wrote): the view
# serves validation pages rendered by itself from the sample-free results and every other page rebuilt
# from parsed HTML, under a strict Content-Security-Policy (send_pipeline.ops.data_docs). No JavaScript.


def _headers(page: str = "") -> dict:
    from .data_docs import csp

    return {**NO_STORE, "Content-Security-Policy": csp(page)}


def _settings():
    from send_pipeline.kernel.settings import Settings

    return Settings.resolve()


def _snapshots(settings) -> list[tuple[str | None, dict | None]]:
    """(LA, snapshot) pairs: the one LA's, or in consortium mode (SEND_LAS) each LA's from its own
    output folder (SEND_OUTPUT_DIR/<la>/health/). SEN2 and FOI are read again from their files."""
    from dataclasses import replace

    from send_pipeline.ops import health

    if not settings.consortium:
        return [(None, health.live(health.read_snapshot(settings), settings))]
    out = []
    for la in settings.las():
        one = replace(settings, output_dir=settings.output_dir / la, la_code=la)
        out.append((la, health.live(health.read_snapshot(one), one)))
    return out


@app.get("/", response_class=HTMLResponse)
async def view(user=USER) -> HTMLResponse:
    from send_pipeline.ops import health

    settings = _settings()
    pairs = _snapshots(settings)
    page = (health.render(None, docs_base="docs/", consortium=pairs) if settings.consortium
            else health.render(pairs[0][1], docs_base="docs/"))
    return HTMLResponse(page, headers=_headers(page))


@app.get("/snapshot.json")
async def snapshot(user=USER) -> JSONResponse:
    settings = _settings()
    pairs = _snapshots(settings)
    body = {la: snap or {} for la, snap in pairs} if settings.consortium else (pairs[0][1] or {})
    return JSONResponse(body, headers=_headers())


@app.get("/docs/{path:path}")
async def data_docs(path: str, user=USER) -> Response:
    """Great Expectations Data Docs of a run: expectations, counts and rule names, sample values withheld."""
    from . import data_docs

    settings = _settings()
    output = settings.output_dir.resolve()
    target = (output / path).resolve()
    parts = target.relative_to(output).parts if target.is_relative_to(output) else ()
    if parts and settings.consortium and parts[0] in settings.las():  # consortium: <la>/quality/...
        parts = parts[1:]
    if (len(parts) < 4 or parts[0] != "quality" or parts[2] != "data_docs"
            or target.suffix.lower() not in DOCS_TYPES or not target.is_file()):
        raise HTTPException(status_code=404)
    depth = len(Path(path).parts)  # folders below the view's root: docs/ and the page's own
    if target.suffix.lower() == ".html":
        full = target.relative_to(output).parts
        run_dir = output.joinpath(*full[:len(full) - len(parts)], "quality", parts[1])
        if parts[4:5] == ("validations",):  # GX's page holds raw values: never served, ours instead
            page = data_docs.results_page(run_dir, parts[3], depth)
        elif parts[4:] == ("index.html",):
            page = data_docs.index_page(target.read_text(encoding="utf-8", errors="replace"), run_dir, parts[3], depth)
        else:
            page = data_docs.sanitise(target.read_text(encoding="utf-8", errors="replace"), depth)
        return HTMLResponse(page, headers=_headers(page))
    return FileResponse(Path(target), headers=_headers())


@app.get("/static/{path:path}")
async def static(path: str, user=USER) -> Response:
    """The local copies of the Data Docs' stylesheets and fonts (static/data_docs/)."""
    from .data_docs import STATIC

    root = STATIC.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or target.suffix.lower() not in {".css", ".woff2"} or not target.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(target, headers=_headers())
