"""The ``Allow`` header of a 405: every method the path answers, across all its routes.

Starlette names only the methods of the first route whose path matched, and a path such as
``/support/cases`` is served by two routers (queries and commands). Asking the routes
whether each method would match fully needs nothing from how FastAPI nests them.
"""

from __future__ import annotations

from fastapi import Request
from starlette.routing import Match

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )
