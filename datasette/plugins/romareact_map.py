"""Datasette plugin: the public event map at /map and its GeoJSON at /map/events.geojson."""

from __future__ import annotations

import json

from datasette.utils.asgi import Response

from datasette import hookimpl
from mapping.build import render_map_html
from mapping.geojson import load_events, to_geojson


def _public_path(datasette) -> str:
    return datasette.get_database("public").path


async def map_page(datasette):
    html = await datasette.get_database("public").execute_fn(
        lambda conn: render_map_html(_public_path(datasette))
    )
    return Response.html(html)


async def map_geojson(datasette):
    data = to_geojson(load_events(_public_path(datasette)))
    return Response(
        json.dumps(data, ensure_ascii=False),
        content_type="application/geo+json; charset=utf-8",
    )


@hookimpl
def register_routes():
    return [(r"^/map/?$", map_page), (r"^/map/events\.geojson$", map_geojson)]
