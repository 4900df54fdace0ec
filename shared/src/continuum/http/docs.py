"""Swagger UI and ReDoc served from the package (pinned, vendored swagger-ui-dist and redoc: the README.md of
static/swagger-ui and static/redoc), so `/docs` and `/redoc` work on a network without internet, under a
Content-Security-Policy like the dashboard's."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static" / "swagger-ui"
REDOC_STATIC = Path(__file__).parent / "static" / "redoc"
# Swagger UI styles some elements inline, and draws its icons as data: images; nothing else is allowed.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} — API</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/static/swagger-ui-bundle.js"></script>
  <script src="/docs/static/init.js"></script>
</body>
</html>
"""


# ReDoc styles itself with generated <style> elements and runs its search in a worker made from a blob: URL.
REDOC_HEADERS = {
    **HEADERS,
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}
REDOC_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} — API reference</title>
  <link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png">
</head>
<body>
  <div id="redoc"></div>
  <script src="/redoc/static/redoc.standalone.js"></script>
  <script src="/redoc/static/init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """`/docs` (Swagger UI) and `/redoc` (ReDoc) on the app's own /openapi.json, their files under
    `/docs/static/` and `/redoc/static/`."""
    page = PAGE.format(title=escape(app.title))
    reference = REDOC_PAGE.format(title=escape(app.title))
    app.mount("/docs/static", StaticFiles(directory=STATIC), name="docs-static")
    app.mount("/redoc/static", StaticFiles(directory=REDOC_STATIC), name="redoc-static")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(reference, headers=REDOC_HEADERS)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=HEADERS)
