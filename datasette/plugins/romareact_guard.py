"""Datasette plugin: bounds on what one query may build (romareact.sql_limits) on every
connection, and a quick, clear 400 for a query that passes them instead of a 500."""

from __future__ import annotations

from datasette.utils.asgi import Response

from datasette import hookimpl
from romareact.sql_limits import MAX_VALUE_BYTES, is_too_big, limit_connection

MESSAGE = (
    f"This query builds a value or a result too big to send (limit {MAX_VALUE_BYTES // 2**20} MB"
    " per value). / Заявката създава твърде голяма стойност или резултат."
)


@hookimpl
def prepare_connection(conn):
    limit_connection(conn)


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
