"""Headless chromium for tests and benchmarks, with no internet.

The map loads Leaflet from the package (mapping/static/vendor/) and tiles from OpenStreetMap.
With route_offline, tile requests get a blank image and the CDN copies of Leaflet (pages made
with `cdn=True`) are answered from the shipped files; other npm files (a benchmark's jQuery)
come from their npm packages, fetched once from the npm registry into a cache. Any other
outside request is refused, so a page can never depend on the network by accident;
route_no_network refuses everything that is not local. Uses Debian's chromium; never
downloads a browser.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = os.environ.get("ROMAREACT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
REGISTRY = os.environ.get("ROMAREACT_NPM_REGISTRY", "https://registry.npmjs.org")
CACHE = Path(os.environ.get("ROMAREACT_ASSET_CACHE", Path.home() / ".cache" / "romareact-npm"))
_CDN = re.compile(
    r"^https://cdn\.jsdelivr\.net/npm/(?P<name>[^@/]+)@(?P<version>[^/]+)/(?P<path>.+)$"
)
# A 1x1 transparent PNG for every map tile.
_BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
_TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}


class AssetsUnavailable(RuntimeError):
    """The npm packages are neither cached nor downloadable."""


def npm_package(name: str, version: str) -> Path:
    """The unpacked package folder, downloading its tarball on first use."""
    target = CACHE / f"{name}@{version}"
    if (target / "package.json").exists():
        return target
    url = f"{REGISTRY}/{name}/-/{name}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as error:
        raise AssetsUnavailable(f"cannot fetch {url}: {error}") from None
    # Unpack beside the target and rename: a half-written package is never taken as cached.
    partial = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_make(CACHE)))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(partial, filter="data")
    try:
        (partial / "package").rename(target)
    except OSError:
        if not (target / "package.json").exists():
            raise
    shutil.rmtree(partial, ignore_errors=True)
    return target


def _make(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail in CI (ROMAREACT_REQUIRE_BROWSER=1)."""
    import pytest

    if os.environ.get("ROMAREACT_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason, allow_module_level=True)


def require_browser() -> None:
    if not chromium_available():
        skip_or_fail(f"needs Debian's chromium at {CHROMIUM} (.ci/run installs it)")


def require_map_assets() -> None:
    """The map's Leaflet files ship with the package; fail loudly if a checkout lacks them."""
    from mapping.assets import CLUSTER_JS, LEAFLET_JS, static_root

    for relative in (LEAFLET_JS, CLUSTER_JS):
        assert (static_root() / relative).is_file(), f"{relative} is missing from the package"


def _vendored(match) -> Path | None:
    """The shipped copy of a jsDelivr URL of a vendored release, if it is one."""
    from mapping.assets import VENDORED, static_root

    if VENDORED.get(match["name"]) != match["version"] or not match["path"].startswith("dist/"):
        return None
    return static_root() / "vendor" / match["name"] / match["path"].removeprefix("dist/")


@contextlib.contextmanager
def chromium() -> Iterator:
    """Debian's chromium, driven by Playwright, until the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def offline_context(browser, height: int = 900):
    """A desktop-sized browser context on route_offline's internet: (context, refused URLs)."""
    context = browser.new_context(viewport={"width": 1280, "height": height})
    return context, route_offline(context)


def route_offline(context) -> list[str]:
    """Serve CDN files from npm packages, blank tiles, refuse the rest of the internet.

    Returns a list that collects every refused URL, for tests to assert on.
    """
    refused: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "file:", "data:")):
            return route.continue_()
        match = _CDN.match(url)
        if match:
            path = _vendored(match) or npm_package(match["name"], match["version"]) / match["path"]
            if path.is_file():
                content_type = _TYPES.get(path.suffix, "application/octet-stream")
                # As jsDelivr does: a <script crossorigin> with SRI needs a CORS answer.
                return route.fulfill(status=200, body=path.read_bytes(), content_type=content_type,
                                     headers={"Access-Control-Allow-Origin": "*"})  # fmt: skip
        if "tile.openstreetmap.org" in url:
            return route.fulfill(status=200, body=_BLANK_PNG, content_type="image/png")
        refused.append(url)
        return route.abort()

    context.route("**/*", handle)
    return refused


def route_no_network(context) -> list[str]:
    """Refuse every request that is not to this machine (no CDN, no tiles): (refused URLs)."""
    refused: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "file:", "data:")):
            return route.continue_()
        refused.append(url)
        return route.abort()

    context.route("**/*", handle)
    return refused
