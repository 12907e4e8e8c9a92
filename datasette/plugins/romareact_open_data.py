"""Datasette plugin: the open dataset for other tools' clients.

- every sorted table page is paged exactly (romareact.exact_paging);
- a `.geojson` export of any table or query view with lat/lon, paged like its JSON;
- /downloads: every snapshot's files with their SHA-256, and /downloads/FILE serving them
  with ranges and validators (romareact.downloads);
- cross-origin GETs of public data (romareact.cors);
- ETag, Last-Modified and 304 on the feed, GeoJSON and map data (romareact.conditional_get);
- /-/databases(.json) without the files' paths on the server, except for administrators.
"""

from __future__ import annotations

from pathlib import Path

from datasette.utils.asgi import Response
from datasette.views.special import JsonDataView

from datasette import hookimpl
from mapping import table_geojson
from romareact import downloads
from romareact.conditional_get import ConditionalGet
from romareact.cors import CrossOriginReads
from romareact.exact_paging import ExactFirstPages
from romareact.paths import snapshots_path


def _snapshot_dir(datasette) -> Path:
    return snapshots_path(Path(datasette.get_database("public").path).parent)


async def _snapshots(datasette) -> list[dict]:
    db = datasette.get_database("public")
    rows = await db.execute("select * from snapshots order by version desc")
    return [dict(row) for row in rows.rows]


async def downloads_page(datasette, request):
    folder = _snapshot_dir(datasette)
    snapshots = []
    for row in await _snapshots(datasette):
        files = []
        for download in downloads.snapshot_files(row):
            path = folder / download.file
            available = path.is_file()
            files.append({
                "file": download.file,
                "label": downloads.KIND_LABELS.get(download.kind, download.kind),
                "sha256": download.sha256,
                "bytes": path.stat().st_size if available else None,
                "available": available,
            })  # fmt: skip
        snapshots.append({**row, "files": files})
    if request.url_vars.get("format") == "json":
        return Response.json({"snapshots": snapshots})
    html = await datasette.render_template(
        "rr_downloads.html", {"snapshots": snapshots}, request=request
    )
    return Response.html(html)


async def download_file(datasette, request, send):
    name = request.url_vars["name"]
    wanted = None
    for row in await _snapshots(datasette):
        wanted = next((d for d in downloads.snapshot_files(row) if d.file == name), None)
        if wanted:
            break
    path = _snapshot_dir(datasette) / name
    if wanted is None or not path.is_file():
        return Response.text("No such download", status=404)
    if request.method not in ("GET", "HEAD"):
        return Response.text("Method not allowed", status=405, headers={"Allow": "GET, HEAD"})
    await downloads.send_file(send, path, request.headers, request.method, wanted)
    return None


def _is_admin(actor) -> bool:
    return bool(actor) and (actor.get("id") == "root" or actor.get("role") == "admin")


async def databases(datasette, request):
    """Datasette's /-/databases, less the absolute paths a visitor has no use for."""

    def listing(request):
        shown = datasette._connected_databases()
        if _is_admin(request.actor):
            return shown
        return [{k: v for k, v in database.items() if k != "path"} for database in shown]

    view = JsonDataView(datasette, "databases.json", listing, needs_request=True)
    return await view.get(request)


@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    # trylast: Datasette wraps in hook order, so this one lies outside the others.
    # ConditionalGet outside the map plugin's response cache, which would answer 200 from
    # its copy; CrossOriginReads outermost, so a 304 carries its headers too.
    def wrap(app):
        public = datasette.get_database("public").path
        return CrossOriginReads(ConditionalGet(ExactFirstPages(app, datasette), public))

    return wrap


@hookimpl
def register_output_renderer():
    return {
        "extension": "geojson",
        "render": table_geojson.render,
        "can_render": table_geojson.can_render,
    }


@hookimpl
def register_routes():
    return [
        (r"^/downloads(\.(?P<format>json))?/?$", downloads_page),
        (r"^/downloads/(?P<name>[^/]+)$", download_file),
        (r"^/-/databases(\.(?P<format>json))?$", databases),
    ]
