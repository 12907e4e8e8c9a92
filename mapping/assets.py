"""The map's browser files: Leaflet and Leaflet.markercluster shipped with the package.

`mapping/static/vendor/` holds the dist files of the npm releases named in VENDORED, with
their licences, so the map needs no network. A page links them from a local folder
(`/map/static/` live, `static/` in the static export), or, where an operator prefers a CDN,
from jsDelivr with Subresource Integrity hashes computed from the same shipped files: a CDN
that served anything else would be refused by the browser.
"""

from __future__ import annotations

import base64
import hashlib
import html
import shutil
from functools import cache
from importlib import resources
from pathlib import Path

from mapping.basemap import basemap_geojson

# Set to any non-empty value to load Leaflet from the CDN (with SRI) instead of the package.
CDN_ENV = "ROMAREACT_MAP_CDN"
VENDORED = {"leaflet": "1.9.4", "leaflet.markercluster": "1.5.3"}
LEAFLET_CSS = "vendor/leaflet/leaflet.css"
LEAFLET_JS = "vendor/leaflet/leaflet.js"
CLUSTER_CSS = (
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
)
CLUSTER_JS = "vendor/leaflet.markercluster/leaflet.markercluster.js"
BASEMAP_JS = "basemap/bulgaria.js"
_CDN = "https://cdn.jsdelivr.net/npm/{package}@{version}/dist/{file}"
CONTENT_TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE
}


def static_root() -> Path:
    return Path(str(resources.files("mapping").joinpath("static")))


def cdn_url(relative: str) -> str:
    """vendor/leaflet/leaflet.js -> the same file of the same release on jsDelivr."""
    _, package, file = relative.split("/", 2)
    return _CDN.format(package=package, version=VENDORED[package], file=file)


@cache
def integrity(relative: str) -> str:
    """The SRI hash of a shipped file (what the CDN copy must match)."""
    digest = hashlib.sha384((static_root() / relative).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def script_tag(relative: str, base: str, cdn: bool = False) -> str:
    if cdn:
        return (
            f'<script src="{cdn_url(relative)}" integrity="{integrity(relative)}"'
            ' crossorigin="anonymous"></script>'
        )
    return f'<script src="{html.escape(base + relative)}"></script>'


def css_tag(relative: str, base: str, cdn: bool = False) -> str:
    if cdn:
        return (
            f'<link rel="stylesheet" href="{cdn_url(relative)}"'
            f' integrity="{integrity(relative)}" crossorigin="anonymous">'
        )
    return f'<link rel="stylesheet" href="{html.escape(base + relative)}">'


def basemap_script() -> str:
    """The base layer as a script (a page opened from file:// cannot fetch JSON)."""
    return f"window.ROMAREACT_BASEMAP = {basemap_geojson().strip()};\n"


def static_file(relative: str) -> tuple[bytes, str] | None:
    """(body, content type) of a file under vendor/ or the base layer; None if not there."""
    if relative == BASEMAP_JS:
        return basemap_script().encode(), CONTENT_TYPES[".js"]
    root = (static_root() / "vendor").resolve()
    path = (static_root() / relative).resolve()
    # Only vendor/ is served: no way out of it with ../ or an absolute path.
    if not relative.startswith("vendor/") or not path.is_relative_to(root) or not path.is_file():
        return None
    return path.read_bytes(), CONTENT_TYPES.get(path.suffix, "application/octet-stream")


def copy_static(out_dir: Path) -> Path:
    """Copy vendor/ and the base layer script into `out_dir/static/` for the static export."""
    target = out_dir / "static"
    shutil.copytree(static_root() / "vendor", target / "vendor", dirs_exist_ok=True)
    (target / "basemap").mkdir(parents=True, exist_ok=True)
    (target / BASEMAP_JS).write_text(basemap_script(), encoding="utf-8")
    return target
