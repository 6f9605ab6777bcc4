"""Swagger UI and ReDoc served from this service instead of a CDN.

FastAPI's default /docs and /redoc pages load their JavaScript and CSS from a public CDN: on
a machine or an intranet without that access they stay blank. The same files (Swagger UI 5,
ReDoc 2) come with the `fastapi-offline` package; this serves them under /static/docs and
puts /docs and /redoc back on top of them, with the app's own Swagger parameters.
"""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/static/docs"
STATIC_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"


def install_offline_docs(app: FastAPI) -> None:
    docs_url, redoc_url, openapi_url = app.docs_url, app.redoc_url, app.openapi_url
    if openapi_url is None:
        return
    # Drop the CDN-backed pages FastAPI registered; the OAuth2 redirect page has no assets.
    app.router.routes[:] = [
        route
        for route in app.router.routes
        if getattr(route, "path", None) not in {docs_url, redoc_url}
    ]
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-static")

    if docs_url:

        @app.get(docs_url, include_in_schema=False)
        async def swagger_ui(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "")
            return get_swagger_ui_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
                swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
                swagger_ui_parameters=app.swagger_ui_parameters,
            )

    if redoc_url:

        @app.get(redoc_url, include_in_schema=False)
        async def redoc(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "")
            return get_redoc_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
                with_google_fonts=False,
            )
