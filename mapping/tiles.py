"""The map of a large dataset, answered a view at a time from the public database.

Above a size (TILED_ABOVE events) the map no longer loads every marker: it loads an overview
(topics, provinces, places, the time span) and then asks for what is in view, as counts per
grid cell while many events are in view, and as the events themselves once few are. Counts
come from tables that triggers keep up to date (romareact/db.py, public migration 12): per
grid cell, month, topic and province (map_cells) and per municipality, topic and month
(map_areas). A time range that starts or ends inside a month adds that month's part from the
events table, read through its date index, so every count is exact.

Every function takes a sqlite3 connection and returns plain data for JSON.
"""

from __future__ import annotations

import calendar
import re
import sqlite3
from dataclasses import dataclass
from datetime import date

from mapping.geojson import EventFilter, story_sources
from mapping.payload import markers_payload
from romareact.db import MAP_GRID

TILED_ABOVE = 20_000
# At most this many events are sent one by one; more in view are sent as cell counts.
POINT_LIMIT = 4000
# Cluster cells are about this many pixels wide on screen (256-pixel tiles).
CELL_PIXELS = 100
# More topics than the map offers is no map's request (and would make a huge IN list).
MAX_CATEGORIES = 30
# The timeline counts per day for data spanning up to this many days (map.js timeBins).
DAY_SPAN = 62
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH = date(1970, 1, 1)


class BadRequest(ValueError):
    """A query argument the map never sends: the reader gets this message, status 400."""


@dataclass(frozen=True)
class Box:
    """The part of the map in view: south, west, north, east in degrees."""

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def parse(cls, value: str | None) -> Box:
        try:
            south, west, north, east = (float(v) for v in (value or "").split(","))
        except ValueError:
            raise BadRequest(
                f"Expected bbox=south,west,north,east in degrees, instead got: {value!r}."
            ) from None
        if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
            raise BadRequest(f"bbox out of range or inverted: {value!r}.")
        return cls(south, west, north, east)


def checked_filter(args) -> EventFilter:
    """The map's filter from request arguments, with dates checked (YYYY-MM-DD)."""
    asked = [c for c in (args.get("category") or "").split(",") if c]
    if len(asked) > MAX_CATEGORIES:
        raise BadRequest(f"At most {MAX_CATEGORIES} categories, instead got {len(asked)}.")
    try:
        event_filter = EventFilter.from_query(args)
    except ValueError as error:  # from_query's own checks (dates, unknown categories)
        raise BadRequest(str(error)) from None
    for value in (event_filter.date_from, event_filter.date_to):
        if value is not None:
            if not _ISO_DAY.match(value):
                raise BadRequest(f"Expected a date as YYYY-MM-DD, instead got: {value!r}.")
            try:
                date.fromisoformat(value)
            except ValueError:
                raise BadRequest(f"No such date: {value!r}.") from None
    return event_filter


def zoom_level(zoom: int) -> tuple[int | None, float]:
    """The stored grid level for a zoom (None: finer than any, counted from the events) and
    the cell size in degrees."""
    wanted = CELL_PIXELS * 360 / (256 * 2**zoom)
    for level, size in sorted(MAP_GRID.items(), key=lambda item: -item[1]):
        if size <= wanted * 1.5:
            return level, size
    return None, wanted


def split_period(date_from: str | None, date_to: str | None) -> tuple[tuple | None, list]:
    """The time range as whole months, read from the count tables, and the days at its ends
    that do not fill a month, read from the events: ((first, last) months or None for no
    whole month; '' / None bound: open), [(first day, last day), ...])."""
    if date_from is None and date_to is None:
        return ("", None), []
    first_month = last_month = None
    partial = []
    if date_from is not None:
        first_month = date_from[:7]
        if date_from[8:] != "01":
            partial.append((date_from, _month_end(date_from)))
            first_month = _next_month(first_month)
    if date_to is not None:
        last_month = date_to[:7]
        if date_to != _month_end(date_to):
            partial.append((f"{last_month}-01", date_to))
            last_month = _previous_month(last_month)
    # Clip the partial ranges to the range itself (both ends in one month).
    lo, hi = date_from or "0000-00-00", date_to or "9999-99-99"
    partial = sorted({(max(a, lo), min(b, hi)) for a, b in partial if max(a, lo) <= min(b, hi)})
    if len(partial) == 2 and partial[0][1] >= partial[1][0]:
        partial = [(partial[0][0], partial[1][1])]
    months = (first_month or "0000-00", last_month)
    if first_month and last_month and first_month > last_month:
        months = None
    return months, partial


def _month_end(iso_day: str) -> str:
    year, month = int(iso_day[:4]), int(iso_day[5:7])
    return f"{iso_day[:7]}-{calendar.monthrange(year, month)[1]:02d}"


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - (number == 1):04d}-{(number - 2) % 12 + 1:02d}"


def _topic_place(event_filter: EventFilter, alias: str = "") -> tuple[list[str], list]:
    """Topic and province conditions on a count table (empty strings) or on events."""
    clauses, params = [], []
    if event_filter.categories:
        clauses.append(f"{alias}category in ({','.join('?' for _ in event_filter.categories)})")
        params.extend(event_filter.categories)
    if event_filter.province:
        clauses.append(f"{alias}province = ?")
        params.append(event_filter.province)
    return clauses, params


def _months(months: tuple) -> tuple[list[str], list]:
    # A first month of '' takes in the events without a date too (their month is '').
    first, last = months
    clauses, params = ["month >= ?"], [first]
    if last is not None:
        clauses.append("month <= ?")
        params.append(last)
    return clauses, params


def _where(clauses: list[str]) -> str:
    return " and ".join(clauses) if clauses else "1"


def _count_rows(
    conn: sqlite3.Connection,
    event_filter: EventFilter,
    table: str,
    keys: list[str],
    event_keys: list[str],
    extra: tuple[list[str], list] = ([], []),
    event_extra: tuple[list[str], list] = ([], []),
    sums: str = "sum(n)",
    event_sums: str = "count(*)",
) -> dict[tuple, list]:
    """Counts grouped by `keys` over the filter's whole months in a count table plus its
    partial months from the events table; key -> [count, *other sums]."""
    months, partial = split_period(event_filter.date_from, event_filter.date_to)
    totals: dict[tuple, list] = {}
    topic, topic_params = _topic_place(event_filter)
    group = ", ".join(keys)
    if months is not None:
        month_clauses, month_params = _months(months)
        sql = (
            f"select {group}, {sums} from {table} where "
            f"{_where(extra[0] + month_clauses + topic)} group by {group}"
        )
        _add(totals, conn.execute(sql, extra[1] + month_params + topic_params), len(keys))
    event_topic, event_topic_params = _topic_place(event_filter, "events.")
    positions = ", ".join(str(k + 1) for k in range(len(keys)))
    for first, last in partial:
        sql = (
            f"select {', '.join(event_keys)}, {event_sums} from events where "
            f"{_where(['date >= ?', 'date <= ?', *event_extra[0], *event_topic])}"
            f" and lat is not null and lon is not null group by {positions}"
        )
        params = [first, last, *event_extra[1], *event_topic_params]
        _add(totals, conn.execute(sql, params), len(keys))
    return totals


def _add(totals: dict, rows, width: int) -> None:
    for row in rows:
        key, values = tuple(row[:width]), row[width:]
        if key in totals:
            totals[key] = [a + b for a, b in zip(totals[key], values, strict=True)]
        else:
            totals[key] = list(values)


def overview(conn: sqlite3.Connection, areas: list[dict]) -> dict:
    """What the map needs before any view: the lists its filters and search offer, the time
    span and the total, in the shape of the marker index without its columns."""
    payload = markers_payload([], areas)
    del payload["columns"]
    (total,) = conn.execute("select coalesce(sum(n), 0) from map_places").fetchone()
    first, last = conn.execute(
        "select (select min(date) from events where date is not null),"
        " (select max(date) from events)"
    ).fetchone()
    pairs = conn.execute(
        "select distinct province, municipality from map_areas where province != ''"
    ).fetchall()
    payload.update(
        {
            "tiled": True,
            "count": total,
            "provinces": sorted({province for province, _ in pairs}),
            "municipalities": sorted(f"{p}|{m}" for p, m in pairs if m),
            "places": [
                place for (place,) in conn.execute("select place from map_places where place != ''")
            ],
            "minDay": _day(first),
            "maxDay": _day(last),
        }
    )
    return payload


def _day(iso: str | None) -> int | None:
    try:
        return (date.fromisoformat((iso or "")[:10]) - _EPOCH).days
    except ValueError:
        return None


def summary(conn: sqlite3.Connection, event_filter: EventFilter, by_day: bool = False) -> dict:
    """The events that pass the filter, and the timeline's counts per month (per day with
    `by_day`) for its topics and province, whatever its time range."""
    matching = _count_rows(conn, event_filter, "map_areas", ["1"], ["1"])
    topic_only = EventFilter(categories=event_filter.categories, province=event_filter.province)
    clauses, params = _topic_place(topic_only)
    if by_day:
        # map.js asks per day only when the data spans at most DAY_SPAN days; the bound keeps
        # any other request from counting every day of a large dataset.
        rows = conn.execute(
            "select date, count(*) from events where date >= (select date(max(date),"
            f" '-{DAY_SPAN} days') from events) and lat is not null and lon is not null"
            f" and {_where(clauses)} group by date",
            params,
        )
    else:
        rows = conn.execute(
            f"select month, sum(n) from map_areas where month != '' and {_where(clauses)}"
            " group by month",
            params,
        )
    return {
        "matching": sum(values[0] for values in matching.values()),
        "counts": {key: n for key, n in rows},
    }


def area_counts(conn: sqlite3.Connection, event_filter: EventFilter, level: str) -> dict:
    """Events per province or per municipality ('province|municipality') that pass the
    filter, and how many have no known municipality."""
    if level not in ("province", "municipality"):
        raise BadRequest(f"Expected level=province or municipality, instead got: {level!r}.")
    keys = ["province"] if level == "province" else ["province", "municipality"]
    event_keys = ["coalesce(province, '')", "coalesce(municipality, '')"][: len(keys)]
    totals = _count_rows(conn, event_filter, "map_areas", keys, event_keys)
    counts, without = {}, 0
    for key, (n, *_) in totals.items():
        if not key[0] or (level == "municipality" and not key[1]):
            without += n
        else:
            counts["|".join(key)] = n
    return {"counts": counts, "without": without}


def view(
    conn: sqlite3.Connection,
    event_filter: EventFilter,
    zoom: int,
    box: Box,
    point_limit: int = POINT_LIMIT,
) -> dict:
    """What is in view: {'cells': [[lat, lon, count], ...]} while more than `point_limit`
    events are, else {'points': marker columns of those events, 'ids': their ids}."""
    if not 0 <= zoom <= 22:
        raise BadRequest(f"Expected a zoom from 0 to 22, instead got: {zoom!r}.")
    level, size = zoom_level(zoom)
    cells = _cells(conn, event_filter, level, size, box)
    in_view = sum(n for _, _, n in cells)
    if in_view <= point_limit:
        events = _points(conn, event_filter, box, point_limit)
        if len(events) <= point_limit:
            payload = markers_payload(events, [])
            return {
                "points": payload["columns"],
                "places": payload["places"],
                "ids": [e["id"] for e in events],
                "count": len(events),
            }
    return {"cells": cells, "inView": in_view}


def _cells(conn, event_filter: EventFilter, level, size: float, box: Box) -> list[list]:
    x_range = (int((box.south + 90) / size), int((box.north + 90) / size))
    y_range = (int((box.west + 180) / size), int((box.east + 180) / size))
    event_keys = [f"cast((lat + 90) / {size!r} as int)", f"cast((lon + 180) / {size!r} as int)"]
    event_box = (
        ["lat >= ?", "lat <= ?", "lon >= ?", "lon <= ?"],
        [x_range[0] * size - 90, (x_range[1] + 1) * size - 90,
         y_range[0] * size - 180, (y_range[1] + 1) * size - 180],
    )  # fmt: skip
    if level is None:
        # Finer than any stored grid: a small area, counted from its events (R*Tree).
        where, params = _rtree_where(event_filter)
        rows = conn.execute(
            f"select cast((r.min_lat + 90) / {size!r} as int),"
            f" cast((r.min_lon + 180) / {size!r} as int), count(*), sum(r.min_lat),"
            " sum(r.min_lon) from events_rtree r"
            " where r.min_lat >= ? and r.max_lat <= ? and r.min_lon >= ? and r.max_lon <= ?"
            f" and {where} group by 1, 2",
            [*event_box[1], *params],
        )
        totals = {}
        _add(totals, rows, 2)
    else:
        totals = _count_rows(
            conn, event_filter, "map_cells", ["x", "y"], event_keys,
            extra=(["level = ?", "x >= ?", "x <= ?", "y >= ?", "y <= ?"],
                   [level, *x_range, *y_range]),
            event_extra=event_box,
            sums="sum(n), sum(lat_sum), sum(lon_sum)",
            event_sums="count(*), sum(lat), sum(lon)",
        )  # fmt: skip
    return [[round(lat / n, 4), round(lon / n, 4), n] for (n, lat, lon) in totals.values() if n > 0]


_POINT_COLUMNS = "id, lat, lon, date, category, province, municipality, place, precision, sensitive"


def _rtree_where(event_filter: EventFilter) -> tuple[str, list]:
    """The filter on the R*Tree's own copies of topic, province and date (`r`), so that the
    events in a box are filtered before any of their rows is read. (On the events columns,
    SQLite read a topic index first and looked up every event of that topic in the whole
    country: 0.9 s at a million events.)"""
    clauses, params = event_filter.clauses("r")
    return _where(clauses), params


def _points(conn, event_filter: EventFilter, box: Box, limit: int) -> list[dict]:
    """Up to `limit` + 1 events in the box that pass the filter, found by the R*Tree."""
    where, params = _rtree_where(event_filter)
    sql = (
        f"select {', '.join('e.' + c.strip() for c in _POINT_COLUMNS.split(','))}"
        " from events_rtree r join events e on e.rowid = r.id"
        " where r.min_lat >= ? and r.max_lat <= ? and r.min_lon >= ? and r.max_lon <= ?"
        f" and {where} limit {int(limit) + 1}"
    )
    cursor = conn.execute(sql, [box.south, box.north, box.west, box.east, *params])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def event_details(conn: sqlite3.Connection, event_id: str) -> dict | None:
    """The popup of one event, as in the marker index's detail files."""
    cursor = conn.execute("select * from events where id = ?", [event_id])
    row = cursor.fetchone()
    if row is None:
        return None
    event = dict(zip([d[0] for d in cursor.description], row, strict=True))
    return {
        "id": event["id"],
        "title": event.get("title"),
        "excerpt": event.get("excerpt"),
        "date": event.get("date"),
        "place": event.get("place"),
        "neighbourhood": event.get("neighbourhood"),
        "municipality": event.get("municipality"),
        "province": event.get("province"),
        "precision": event.get("precision"),
        "sensitive": bool(event.get("sensitive")),
        "category": event.get("category"),
        "review_status": event.get("review_status"),
        "sources": story_sources(event),
    }


def place_bounds(conn: sqlite3.Connection, names: list[str]) -> list[list[float]] | None:
    """South-west and north-east corners of every event at places of these names."""
    names = [n for n in names if n][:50]
    if not names:
        return None
    marks = ",".join("?" for _ in names)
    row = conn.execute(
        f"select min(lat), min(lon), max(lat), max(lon) from events where place in ({marks})"
        " and lat is not null",
        names,
    ).fetchone()
    if row[0] is None:
        return None
    return [[row[0], row[1]], [row[2], row[3]]]
