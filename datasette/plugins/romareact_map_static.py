"""Datasette plugin: the map's browser files, so /map and the item pages need no CDN.

Routes:
  /map/static/vendor/...            Leaflet and Leaflet.markercluster (mapping/static/vendor/)
  /map/static/basemap/bulgaria.js   the built-in base layer (see mapping.basemap)
"""

from __future__ import annotations

from datasette.utils.asgi import Response

from datasette import hookimpl
from mapping.assets import static_file


async def map_static(request):
    found = static_file(request.url_vars["path"])
    if found is None:
        return Response.text("Not found", status=404)
    body, content_type = found
    # The files change only with a release of the package.
    return Response(
        body, content_type=content_type, headers={"Cache-Control": "public, max-age=86400"}
    )


@hookimpl
def register_routes():
    return [(r"^/map/static/(?P<path>[A-Za-z0-9_./-]{1,200})$", map_static)]
