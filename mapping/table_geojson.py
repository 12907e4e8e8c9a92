"""GeoJSON for any page of a Datasette table or query with lat/lon columns, paged like JSON.

A page holds what the JSON page holds (`_size`, filters, sort) and links to the next one, so a
harvester follows `links` (or the `Link` header) through every row, as with `next_url`.
"""

from __future__ import annotations

import json

from datasette.utils import escape_sqlite
from datasette.utils.asgi import Response

from mapping.geojson import feature

GEOJSON_TYPE = "application/geo+json; charset=utf-8"
POINT_COLUMNS = ("lat", "lon")


def can_render(columns) -> bool:
    return all(column in columns for column in POINT_COLUMNS)


def _error(message: str, status: int = 400) -> dict:
    # A dict, not a Response: Datasette's query view would put its own 200 on a Response.
    body = json.dumps({"ok": False, "error": message, "status": status}, ensure_ascii=False)
    return {"body": body, "status_code": status, "content_type": "application/json; charset=utf-8"}


async def _points_by_key(datasette, database: str, table: str, keys: list[str], rows: list):
    """lat/lon of the page's rows, read by primary key: a page that left them out of its
    columns (`_col=title`) still places every feature."""
    wanted = [tuple(row[key] for key in keys) for row in rows]
    if not wanted:
        return {}
    key_sql = ", ".join(escape_sqlite(key) for key in keys)
    match = " or ".join(
        "(" + " and ".join(f"{escape_sqlite(key)} = ?" for key in keys) + ")" for _ in wanted
    )
    params = [value for values in wanted for value in values]
    result = await datasette.get_database(database).execute(
        f"select {key_sql}, lat, lon from {escape_sqlite(table)} where {match}", params
    )
    return {tuple(row[:-2]): (row["lat"], row["lon"]) for row in result.rows}


async def render(datasette, columns, rows, database, table, data):
    """The page as a FeatureCollection with a `next` link while rows remain."""
    rows = [dict(zip(columns, row, strict=False)) for row in rows]
    if not can_render(columns):
        db = datasette.get_database(database)
        keys = (await db.primary_keys(table)) if table and await db.table_exists(table) else []
        table_columns = await db.table_columns(table) if keys else []
        if not keys or not all(c in table_columns for c in POINT_COLUMNS):
            return _error("GeoJSON needs the lat and lon columns; this view has none")
        if not all(key in columns for key in keys):
            return _error("GeoJSON of selected columns needs the primary key among them")
        points = await _points_by_key(datasette, database, table, keys, rows)
        for row in rows:
            row["lat"], row["lon"] = points.get(tuple(row[key] for key in keys), (None, None))
    keys = tuple(c for c in columns if c not in POINT_COLUMNS)
    # A row without a point stays in the page with no geometry (as GeoJSON allows): a
    # harvester must get every row, not only those that can be drawn.
    features = []
    for row in rows:
        if row.get("lat") is None or row.get("lon") is None:
            features.append({**feature({**row, "lat": 0, "lon": 0}, keys), "geometry": None})
        else:
            features.append(feature(row, keys))
    collection = {"type": "FeatureCollection", "features": features}
    collection["numberReturned"] = len(collection["features"])
    if data.get("filtered_table_rows_count") is not None:
        collection["numberMatched"] = data["filtered_table_rows_count"]
    headers = {}
    next_url = data.get("next_url")
    if next_url:
        collection["links"] = [{"rel": "next", "type": "application/geo+json", "href": next_url}]
        headers["Link"] = f'<{next_url}>; rel="next"'
    body = json.dumps(collection, ensure_ascii=False)
    return Response(body, content_type=GEOJSON_TYPE, headers=headers)
