"""Airflow plugin: the "SEND data health" view in the Airflow UI (a FastAPI app mounted in the API
server at /send-health, linked from the navigation). The logic is in send_pipeline.health."""
from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from send_pipeline.ops.health_app import app  # FastAPI and the standard library only, until a page is asked for


class SendHealthPlugin(AirflowPlugin):
    name = "send_health"
    fastapi_apps = [{"app": app, "url_prefix": "/send-health", "name": "SEND data health"}]

    external_views = [{
        "name": "SEND data health",
        "href": "/send-health/",
        "destination": "nav",
        "url_route": "send-health",
        "category": "browse",
    }]
