"""Datasette plugin: bounds on what one request may make the server build.

- every connection bounds one query's values and rows (romareact.sql_limits), and a query
  past them is a quick, clear 400, never a 500;
- a URL longer than MAX_URL_BYTES is refused with 414 before anything reads it (caches
  would otherwise keep it as a key);
- Datasette's internal pages that show the server's threads, settings, messages and debug
  tools answer administrators only (/-/databases: romareact_open_data).
"""

from __future__ import annotations

from datasette.utils.asgi import Forbidden, Response
from datasette.views.special import (
    AllowDebugView,
    JsonDataView,
    MessagesDebugView,
    PatternPortfolioView,
)

from datasette import hookimpl
from romareact.sql_limits import MAX_PAGE_BYTES, MAX_VALUE_BYTES, is_too_big, limit_connection

MAX_URL_BYTES = 16 * 1024
MESSAGE = (
    f"This query builds a value or a result too big to send (at most {MAX_VALUE_BYTES // 2**20}"
    f" MB a value, {MAX_PAGE_BYTES // 2**20} MB a page as sent; ask for fewer rows or columns)."
    " / Заявката създава твърде голяма стойност или резултат."
)


@hookimpl
def prepare_connection(conn, database):
    # The page bound is for what anyone may ask: the newsroom is for signed-in editors, whose
    # pages of full texts (1,000 articles of 8,000 letters) are legitimately larger.
    limit_connection(conn, max_page_bytes=None if database == "newsroom" else MAX_PAGE_BYTES)


@hookimpl
def handle_exception(datasette, request, exception):
    if not is_too_big(exception):
        return None

    async def too_big():
        body = {"ok": False, "error": MESSAGE, "status": 400, "title": "Too big"}
        if request.path.endswith(".json") or request.args.get("_format") == "json":
            return Response.json(body, status=400)
        html = await datasette.render_template(
            "error.html", {**body, "error": MESSAGE}, request=request
        )
        return Response.html(html, status=400)

    return too_big


@hookimpl
def asgi_wrapper():
    return RefuseLongUrls


class RefuseLongUrls:
    """ASGI middleware: 414 for a path and query string longer than MAX_URL_BYTES."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            length = len(scope.get("raw_path") or scope["path"].encode()) + len(
                scope.get("query_string", b"")
            )
            if length > MAX_URL_BYTES:
                body = f"URL too long: at most {MAX_URL_BYTES} bytes / Твърде дълъг адрес\n"
                headers = [(b"content-type", b"text/plain; charset=utf-8")]
                await send({"type": "http.response.start", "status": 414, "headers": headers})
                await send({"type": "http.response.body", "body": body.encode()})
                return
        await self.app(scope, receive, send)


ADMIN_ONLY = {
    "threads": lambda ds: JsonDataView.as_view(ds, "threads.json", ds._threads),
    "settings": lambda ds: JsonDataView.as_view(ds, "settings.json", lambda: ds._settings),
    "messages": MessagesDebugView.as_view,
    "allow-debug": AllowDebugView.as_view,
    "patterns": PatternPortfolioView.as_view,
}


def _is_admin(actor) -> bool:
    return bool(actor) and (actor.get("id") == "root" or actor.get("role") == "admin")


async def admin_only(datasette, request, send):
    """Datasette's own page, for administrators; others get 403."""
    if not _is_admin(request.actor):
        raise Forbidden("Administrators only / Само за администратори")
    view = ADMIN_ONLY[request.url_vars["page"]](datasette)
    return await view(request, send)


@hookimpl
def register_routes():
    pages = "|".join(ADMIN_ONLY)
    return [(rf"^/-/(?P<page>{pages})(\.(?P<format>json))?$", admin_only)]
