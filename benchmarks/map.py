"""Benchmark: the public map at 1,000 / 10,000 / 100,000 events, beside naive Folium.

    python -m benchmarks.map [--sizes 1000 10000 100000] [--naive-max 100000]

For each size, a public database of synthetic events (benchmarks/synthetic.py) is built
and both maps are written to a folder served by a local HTTP server:
- romareact: `write_map` (page + marker index loaded up front; popup text in chunks);
- naive: one folium.Marker with a folium.Popup per event in a MarkerCluster, the usual
  recipe, using the same Leaflet and markercluster files.
Reported: page + data bytes the browser loads before drawing, build time, and the time from
navigation until the markers are drawn in headless chromium (Debian's, via Playwright;
CDN files come from the npm registry cache, see tests/browser_support.py).
Targets at 100,000 events: page + data <= 15 MB, markers drawn <= 5 s.
"""

from __future__ import annotations

import argparse
import html
import tempfile
import time
from pathlib import Path

import folium

from benchmarks.synthetic import fill_public_database, synthetic_events
from mapping.build import leaflet_map, marker_cluster, write_map
from tests.browser_support import chromium, offline_context, require_browser
from tests.local_servers import serve_folder


def naive_map(events: list[dict], path: Path) -> None:
    fmap = leaflet_map(cdn=True)
    # Folium's popups need jQuery; icons and Bootstrap are left out, as in ours.
    fmap.default_js.append(
        ("jquery", "https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js")
    )
    cluster = marker_cluster(fmap, cdn=True)
    for e in events:
        popup = (
            f"<b>{html.escape(e['title'])}</b><br>{html.escape(e['date'])} · "
            f"{html.escape(e['place'])}<p>{html.escape(e['excerpt'])}</p>"
            f'<a href="{html.escape(e["source_url"])}">{html.escape(e["source"])}</a>'
        )
        folium.Marker([e["lat"], e["lon"]], popup=folium.Popup(popup, max_width=320)).add_to(
            cluster
        )
    fmap.save(str(path))


def time_to_markers(browser, url: str, ours: bool, timeout_s: float) -> float | None:
    """Seconds from navigation until markers are on screen; None if not within timeout_s."""
    context, _ = offline_context(browser)
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        if ours:
            page.wait_for_selector("html[data-ready='1']", timeout=timeout_s * 1000)
            page.wait_for_selector(".marker-cluster, .leaflet-marker-icon", timeout=5000)
            return page.evaluate("window.romareactReadyAt") / 1000
        page.wait_for_selector(
            ".marker-cluster, .leaflet-marker-icon", state="attached", timeout=timeout_s * 1000
        )
        return page.evaluate("performance.now()") / 1000
    except Exception as error:  # a timeout, or the tab giving up on a huge page
        print(f"    (not drawn: {type(error).__name__})", flush=True)
        return None
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--naive-max", type=int, default=100000, help="largest naive map built")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for drawing")
    args = parser.parse_args()
    require_browser()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_folder(Path(tmp)) as base,
        chromium() as browser,
    ):
        root = Path(tmp)
        print(f"{'events':>8} | {'approach':9} | {'page+data MB':>12} | {'on disk MB':>10} | "
              f"{'build s':>7} | {'drawn s':>7}")  # fmt: skip
        for size in args.sizes:
            folder = root / str(size)
            folder.mkdir()
            fill_public_database(folder / "public.db", size).close()
            started = time.perf_counter()
            result = write_map(folder / "public.db", folder / "ours")
            build = time.perf_counter() - started
            on_disk = sum(p.stat().st_size for p in (folder / "ours").rglob("*") if p.is_file())
            drawn = time_to_markers(browser, f"{base}/{size}/ours/index.html", True, args.timeout)
            _row(size, "romareact", result["page_bytes"], on_disk, build, drawn)
            if size <= args.naive_max:
                events = synthetic_events(size)
                started = time.perf_counter()
                naive_map(events, folder / "naive.html")
                build = time.perf_counter() - started
                page_bytes = (folder / "naive.html").stat().st_size
                drawn = time_to_markers(browser, f"{base}/{size}/naive.html", False, args.timeout)
                _row(size, "naive", page_bytes, page_bytes, build, drawn)


def _row(size, approach, page_bytes, on_disk, build, drawn) -> None:
    drawn_text = f"{drawn:7.2f}" if drawn is not None else "   none"
    print(
        f"{size:>8} | {approach:9} | {page_bytes / 1e6:12.2f} | {on_disk / 1e6:10.1f} | "
        f"{build:7.1f} | {drawn_text}",
        flush=True,
    )


if __name__ == "__main__":
    main()
