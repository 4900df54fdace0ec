"""`OPTIONS` and `405` answer with the complete `Allow` of a path (RFC 9110 §9.3.7, §15.5.6).

FastAPI registers each method of a path as its own route, so Starlette's 405 lists only the methods of the
first route whose path matched; here every route of the path is asked.
"""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app, scope: Scope) -> list[str]:
    """The methods some route of the app fully matches on this scope's path (with OPTIONS), [] for no such
    path. Each method is probed through the routes' own `matches` (included routers nest their routes)."""
    routes = getattr(app, "routes", ())
    methods = [method for method in METHODS
               if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)]
    return [*methods, "OPTIONS"] if methods else []


class AllowMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and (methods := allowed_methods(scope.get("app"), scope)):
            allow = ", ".join(methods).encode()
            await send({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow)]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                if methods := allowed_methods(scope.get("app"), scope):
                    headers = [(name, value) for name, value in message["headers"] if name.lower() != b"allow"]
                    message = {**message, "headers": [*headers, (b"allow", ", ".join(methods).encode())]}
            await send(message)

        await self.app(scope, receive, send_with_allow)
