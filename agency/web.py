"""What every page controller needs: render a page or its htmx fragment, flash, redirect, read forms."""
from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from agency.auth import current_user
from agency.auth import user_of_connection as user_of


def page(request: Request, template: str, *, status_code: int = 200, fragment: str | None = None, **context: Any) -> Template:
    """The full page to a browser; the fragment template to htmx when one is named and htmx asks."""
    name = fragment if (fragment and request.headers.get("hx-request") == "true") else template
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return Template(template_name=name, context={"user": current_user(request), **context}, status_code=status_code)


def redirect(path: str, request: Request | None = None) -> Response:
    """303 to ``path``; to htmx, an HX-Redirect so the whole page moves rather than a fragment."""
    if request is not None and request.headers.get("hx-request") == "true":
        # Without the #fragment: a location that differs from the page only by its fragment would
        # scroll instead of reloading, and the page would not show what changed (nor the message).
        return Response(content=b"", status_code=200, headers={"HX-Redirect": path.split("#", 1)[0]})
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


FLASH_KEY = "_messages"


def notify(request: Request, message: str, category: str = "success") -> None:
    """A message for the next page the person sees (kept in the session cookie)."""
    session = request.scope.get("session")
    if not isinstance(session, dict):
        request.set_session({})
        session = request.scope["session"]
    session.setdefault(FLASH_KEY, []).append({"message": str(message), "category": category})


def pop_flashes(context: dict) -> list[dict]:
    """Template callable: the messages waiting for this page (none when there is no session)."""
    request = context.get("request")
    session = request.scope.get("session") if request is not None else None
    return session.pop(FLASH_KEY, []) if isinstance(session, dict) else []


async def form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if k != "_csrf_token"}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
