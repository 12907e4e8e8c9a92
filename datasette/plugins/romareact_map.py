"""Datasette plugin: the public map, its data files, the Atom feed, GeoJSON exports, /cite.

Routes (all read the public database only):
  /map                        the map page (same page as `romareact map --out`)
  /map/data/markers.js        the marker index the page loads (above TILED_ABOVE events: an
                              overview, and the page asks for what is in view, see
                              mapping/tiles.py)
  /map/data/details/N.js      popup text, CHUNK events per file
  /map/data/view.json         a large dataset's view: cell counts or events
                              (?z=&bbox=south,west,north,east&category=&province=&from=&to=)
  /map/data/summary.json      events passing the filter and the timeline's counts
  /map/data/areas.json        events per province or municipality (?level=&filters)
  /map/data/event/ID.json     one event's popup
  /map/data/place.json        bounds of the events at places of these names (?name=...)
  /map/events.geojson         events as GeoJSON, filtered like the map
                              (?category=&province=&from=&to=)
  /feed.atom                  newly published events (?province=&category=) with GeoRSS points
  /cite                       how to cite the dataset, with the latest snapshot
(The `.geojson` export of table views is in romareact_open_data.py.)
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3

import sqlite_utils
from datasette.utils.asgi import AsgiStream, Response

from datasette import hookimpl
from geocode.gazetteer import point_distance_km
from mapping import tiles
from mapping.assets import CDN_ENV
from mapping.build import render_map_html
from mapping.feed import atom_feed
from mapping.geojson import EventFilter, load_events, to_geojson
from mapping.payload import (
    CHUNK,
    details_chunks,
    details_script,
    load_areas,
    markers_payload,
    markers_script,
)
from romareact.response_cache import (
    SHARED_STORE_ENV,
    PublicResponseCache,
    SharedResponseStore,
    data_version,
)

_JS = "application/javascript; charset=utf-8"
_JSON = "application/json; charset=utf-8"
_CACHED = {"Cache-Control": "public, max-age=60"}
# Above this many events the map loads by view (mapping/tiles.py), not every marker.
TILED_ABOVE_ENV = "ROMAREACT_MAP_TILED_ABOVE"
# At most this many events in view are sent one by one (more: counts per cell).
POINT_LIMIT_ENV = "ROMAREACT_MAP_POINT_LIMIT"
_GEOJSON = "application/geo+json; charset=utf-8"
# Per public database: (version, marker script, event ids in marker order).
_cache: dict[str, tuple[tuple, str, list[str]]] = {}
_locks: dict[tuple, asyncio.Lock] = {}
# Rendered popup chunks of the current marker index: (db path, version, number) -> script.
_chunks: dict[tuple, str] = {}
# Per public database: a read-only connection used on the event loop itself (see _inline).
_inline_connections: dict[str, sqlite3.Connection] = {}


def _public(datasette):
    return datasette.get_database("public")


def _setting(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def tiled_above() -> int:
    return _setting(TILED_ABOVE_ENV, tiles.TILED_ABOVE)


def _event_count(conn) -> int | None:
    """Events on the map, from the table the triggers keep (None: no map index yet)."""
    try:
        return conn.execute("select coalesce(sum(n), 0) from map_places").fetchone()[0]
    except sqlite3.OperationalError:
        return None


async def _is_tiled(datasette) -> bool:
    count = await _public(datasette).execute_fn(_event_count)
    return count is not None and count > tiled_above()


async def _markers(datasette) -> tuple[str, list[str]]:
    """The marker script and the event order, rebuilt only when the public data changed.
    Above TILED_ABOVE events the script is the overview, and no event order is kept."""
    db = _public(datasette)
    version = data_version(db.path)
    cached = _cache.get(db.path)
    if cached and cached[0] == version:
        return cached[1], cached[2]
    # One build at a time: twenty readers arriving together wait for one build, not twenty.
    lock = _locks.setdefault((id(datasette), asyncio.get_running_loop()), asyncio.Lock())
    async with lock:
        cached = _cache.get(db.path)
        if cached and cached[0] == version:
            return cached[1], cached[2]
        return await _build_markers(db, version)


async def _build_markers(db, version) -> tuple[str, list[str]]:
    limit = tiled_above()

    def build(conn):
        wrapped = sqlite_utils.Database(conn)
        count = _event_count(conn)
        if count is not None and count > limit:
            return markers_script(tiles.overview(conn, load_areas(wrapped))), []
        events = load_events(wrapped)
        script = markers_script(markers_payload(events, load_areas(wrapped)))
        return script, [event["id"] for event in events]

    script, ids = await db.execute_fn(build)
    _cache[db.path] = (version, script, ids)
    return script, ids


async def map_page(datasette):
    html = render_map_html(
        data_base=datasette.urls.path("/map/data/"),
        geojson_url=datasette.urls.path("/map/events.geojson"),
        table_url=datasette.urls.table("public", "events"),
        feed_url=datasette.urls.path("/feed.atom"),
        live=True,
        # (issue 19) Leaflet from the package, or from a CDN with SRI if ROMAREACT_MAP_CDN.
        static_base=datasette.urls.path("/map/static/"),
        cdn=bool(os.environ.get(CDN_ENV)),
    )
    return Response.html(html)


async def map_markers(datasette):
    script, _ = await _markers(datasette)
    return Response(script, content_type=_JS, headers={"Cache-Control": "public, max-age=60"})


def _inline(db):
    """A read-only connection for short reads done on the event loop, not in Datasette's SQL
    threads. A popup chunk reads CHUNK rows by primary key, about 2 ms. In a thread, each row
    waited for the busy event loop to hand back the GIL: at 20 clients, one worker, a new
    chunk's median latency was 248 ms that way and 116-157 ms this way, in six runs of
    benchmarks/datasette_latency.py."""
    connection = _inline_connections.get(db.path)
    if connection is None:
        # Our own, not db.connect(): Datasette closes the connections it hands out with the
        # database, and this one outlives any single Datasette instance.
        connection = sqlite3.connect(f"file:{db.path}?mode=ro", uri=True, check_same_thread=False)
        _inline_connections[db.path] = connection
    return connection


async def map_details(datasette, request):
    number = int(request.url_vars["number"])
    _, ids = await _markers(datasette)
    db = _public(datasette)
    key = (db.path, data_version(db.path), number)
    if key in _chunks:
        return Response(_chunks[key], content_type=_JS,
                        headers={"Cache-Control": "public, max-age=60"})  # fmt: skip
    wanted = ids[number * CHUNK : (number + 1) * CHUNK]
    if not wanted:
        return Response.text("No such chunk", status=404)

    marks = ",".join("?" for _ in wanted)
    rows = sqlite_utils.Database(_inline(db)).query(
        f"select * from events where id in ({marks})", wanted
    )
    by_id = {row["id"]: row for row in rows}
    # An event removed since the index was built is skipped, the order kept.
    events = [by_id.get(i) or {"id": i} for i in wanted]
    script = details_script(number, details_chunks(events)[0])
    if len(_chunks) > 5000:  # bounded: a new version makes the old entries useless anyway
        _chunks.clear()
    _chunks[key] = script
    return Response(script, content_type=_JS, headers={"Cache-Control": "public, max-age=60"})


def _json(data, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, content_type=_JSON, headers=_CACHED)


async def _tiled_answer(datasette, request, answer) -> Response:
    """`answer(conn, request.args)` in a SQL thread as JSON; a bad argument is a 400."""
    try:
        data = await _public(datasette).execute_fn(lambda conn: answer(conn, request.args))
    except tiles.BadRequest as error:
        return Response.text(str(error), status=400)
    return _json(data)


def _zoom(args) -> int:
    try:
        return int(args.get("z", ""))
    except ValueError:
        raise tiles.BadRequest(f"Expected z=zoom, instead got: {args.get('z')!r}.") from None


async def map_view(datasette, request):
    return await _tiled_answer(
        datasette,
        request,
        lambda conn, args: tiles.view(
            conn,
            tiles.checked_filter(args),
            _zoom(args),
            tiles.Box.parse(args.get("bbox")),
            point_limit=_setting(POINT_LIMIT_ENV, tiles.POINT_LIMIT),
        ),
    )


async def map_summary(datasette, request):
    return await _tiled_answer(
        datasette,
        request,
        lambda conn, args: tiles.summary(
            conn, tiles.checked_filter(args), by_day=args.get("by") == "day"
        ),
    )


async def map_areas(datasette, request):
    return await _tiled_answer(
        datasette,
        request,
        lambda conn, args: tiles.area_counts(
            conn, tiles.checked_filter(args), args.get("level") or "province"
        ),
    )


async def map_event(datasette, request):
    event_id = request.url_vars["event_id"]
    details = tiles.event_details(_inline(_public(datasette)), event_id)
    if details is None:
        return Response.text("No such event", status=404)
    return _json(details)


async def map_place(datasette, request):
    names = request.args.getlist("name")
    bounds = await _public(datasette).execute_fn(lambda conn: tiles.place_bounds(conn, names))
    return _json({"bounds": bounds})


async def map_geojson(datasette, request):
    try:
        event_filter = EventFilter.from_query(request.args)
    except ValueError as error:  # (issue 19) a clear 400, not an empty collection
        return Response.json({"ok": False, "error": str(error), "status": 400}, status=400)
    if await _is_tiled(datasette):
        return AsgiStream(_geojson_stream(_public(datasette), event_filter), content_type=_GEOJSON)
    events = await _public(datasette).execute_fn(
        lambda conn: load_events(sqlite_utils.Database(conn), event_filter)
    )
    return Response(json.dumps(to_geojson(events), ensure_ascii=False), content_type=_GEOJSON)


GEOJSON_BATCH = 2000


def _geojson_stream(db, event_filter: EventFilter):
    """A large dataset's GeoJSON written GEOJSON_BATCH events at a time, in table order, so
    that a worker never holds more than one batch (a million events are about 1 GB)."""
    where, params = event_filter.where()

    def batch(conn, after: int) -> list[dict]:
        cursor = conn.execute(
            f"select rowid as _rowid, * from events where rowid > ? and {where}"
            f" order by rowid limit {GEOJSON_BATCH}",
            [after, *params],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    async def stream(writer):
        await writer.write('{"type": "FeatureCollection", "features": [')
        after, first = 0, True
        while True:
            rows = await db.execute_fn(lambda conn, after=after: batch(conn, after))
            if not rows:
                break
            after = rows[-1]["_rowid"]
            features = ",".join(
                json.dumps(feature, ensure_ascii=False) for feature in to_geojson(rows)["features"]
            )
            if features:
                await writer.write(("" if first else ",") + features)
                first = False
        await writer.write("]}")

    return stream


async def feed(datasette, request):
    province = request.args.get("province") or None
    category = request.args.get("category") or None
    self_url = datasette.absolute_url(request, request.full_path)
    site_url = datasette.absolute_url(request, datasette.urls.path("/map"))
    xml = await _public(datasette).execute_fn(
        lambda conn: atom_feed(
            sqlite_utils.Database(conn), self_url, province, category, site_url=site_url
        )
    )
    return Response(xml, content_type="application/atom+xml; charset=utf-8")


async def cite(datasette, request):
    db = _public(datasette)
    latest = (await db.execute("select * from snapshots order by version desc limit 1")).first()
    events = (await db.execute("select count(*) from events")).first()[0]
    return Response.html(
        await datasette.render_template(
            "cite.html",
            {"snapshot": dict(latest) if latest else None, "events": events},
            request=request,
        )
    )


@hookimpl
def startup(datasette):
    async def warm():
        # The first visitor should not wait for the marker index. A dataset above
        # TILED_ABOVE has no index to build: its overview is a few quick queries.
        if not await _is_tiled(datasette):
            await _markers(datasette)

    return warm


@hookimpl
def register_routes():
    return [
        (r"^/map/?$", map_page),
        (r"^/map/data/markers\.js$", map_markers),
        (r"^/map/data/details/(?P<number>\d{1,6})\.js$", map_details),
        (r"^/map/data/view\.json$", map_view),
        (r"^/map/data/summary\.json$", map_summary),
        (r"^/map/data/areas\.json$", map_areas),
        (r"^/map/data/event/(?P<event_id>[^/]{1,200})\.json$", map_event),
        (r"^/map/data/place\.json$", map_place),
        (r"^/map/events\.geojson$", map_geojson),
        (r"^/feed\.atom$", feed),
        (r"^/cite/?$", cite),
    ]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        public = datasette.get_database("public")
        shared = os.environ.get(SHARED_STORE_ENV)
        return PublicResponseCache(
            app,
            public.path,
            cookie_names=("rr_session", "ds_actor"),
            shared=SharedResponseStore(shared) if shared else None,
        )

    return wrap


def _distance_km(lat1, lon1, lat2, lon2):
    """SQL distance_km(): for the 'events near a place' query; NULL where a point is missing."""
    if None in (lat1, lon1, lat2, lon2):
        return None
    return point_distance_km(lat1, lon1, lat2, lon2)


@hookimpl
def prepare_connection(conn):
    conn.create_function("distance_km", 4, _distance_km, deterministic=True)
