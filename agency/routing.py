"""The route decorators every controller uses: Litestar's HTTP route handler, with its guards given the
handler itself.

Litestar hands each guard a fresh copy of the route handler, made on every request: about 20 µs, an
eighth of a queue API call's own time (tests/bench/test_queue_speed.py). This application's guards
(agency.auth.roles) only look at who is calling, never at the handler, let alone change it."""
from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler


class RouteHandler(HTTPRouteHandler):
    async def authorize_connection(self, connection: ASGIConnection) -> None:
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[arg-type]


def get(path: str | None = None, **kwargs: Any) -> RouteHandler:
    return RouteHandler(path, http_method=HttpMethod.GET, **kwargs)


def post(path: str | None = None, **kwargs: Any) -> RouteHandler:
    return RouteHandler(path, http_method=HttpMethod.POST, **kwargs)


def delete(path: str | None = None, **kwargs: Any) -> RouteHandler:
    return RouteHandler(path, http_method=HttpMethod.DELETE, **kwargs)


def put(path: str | None = None, **kwargs: Any) -> RouteHandler:
    return RouteHandler(path, http_method=HttpMethod.PUT, **kwargs)


def patch(path: str | None = None, **kwargs: Any) -> RouteHandler:
    return RouteHandler(path, http_method=HttpMethod.PATCH, **kwargs)
