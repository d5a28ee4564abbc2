"""The "SEND data health" view: a small FastAPI app mounted in Airflow's API server by the plugin
in plugins/send_health_plugin.py. It renders the health snapshot the nightly run writes (no personal
data) and the Data Docs beside it. Only a user logged in to Airflow gets the page: the request must
carry Airflow's JWT (the UI's `_token` cookie or an `Authorization: Bearer` header), checked by
Airflow's own auth manager; anyone else gets 401.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse



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


@app.get("/", response_class=HTMLResponse)
async def view(user=USER) -> HTMLResponse:
    from . import health
    from .settings import Settings

    settings = Settings.resolve()
    return HTMLResponse(health.render(health.read_snapshot(settings), docs_base="docs/"),
                        headers={"Cache-Control": "no-store"})


@app.get("/snapshot.json")
async def snapshot(user=USER) -> dict:
    from . import health
    from .settings import Settings

    return health.read_snapshot(Settings.resolve()) or {}


@app.get("/docs/{path:path}")
async def data_docs(path: str, user=USER) -> FileResponse:
    """Great Expectations Data Docs of a run (validation results: counts and rule names, no row values)."""
    from .settings import Settings

    root = (Settings.resolve().output_dir / "quality").resolve()
    target = (Settings.resolve().output_dir / path).resolve()
    if not str(target).startswith(str(root)) or "data_docs" not in target.parts or not target.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(Path(target))
