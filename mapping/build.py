"""The public event map: a Folium page whose markers, filters and popups come from data files.

The page itself is small and the same for every dataset; `mapping/static/map.js` loads the
marker index (see mapping.payload), draws clustered markers or proportional symbols, and
keeps the filters and view in the URL. Datasette serves it live at /map and `romareact map
--out DIR` writes the same page and data files as a static site.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path

import folium
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from mapping import assets
from mapping.basemap import BASEMAP_ATTRIBUTION
from mapping.escape import script_json
from mapping.feed import atom_feed
from mapping.geojson import load_events, to_geojson
from mapping.payload import (
    details_chunks,
    details_script,
    load_areas,
    markers_payload,
    markers_script,
)

BULGARIA_CENTRE = (42.75, 25.3)
# Folium's own tag forbids pinch-zoom (maximum-scale=1, user-scalable=no): people with low
# vision need it, and WCAG 1.4.4 asks for it.
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport" content="[^"]*user-scalable=no[^"]*" */?>')
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    ' | Места / Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)'
    ' | <span id="rr-news-attribution">Новини: източниците при всяко събитие</span>'
)

_BODY = """
<div id="rr-panel" class="rr-panel" role="region" aria-label="romareact"></div>
<div id="rr-embed-bar" class="rr-embed-bar"><strong>romareact</strong> ·
  <span class="rr-embed-count"></span> · <a target="_blank" rel="noopener"></a></div>
"""

_HEAD = """<title>romareact — карта / map</title>
<meta name="description" content="Събития, свързани с ромите в България, на картата: \
новини, поставени в града, селото или квартала. / Roma-related events in Bulgaria on the map: \
news placed in the town, village or neighbourhood.">
"""

_STYLE = """
<style>
  .rr-panel {position: fixed; top: 10px; right: 10px; z-index: 1000; width: 270px;
    max-height: calc(100% - 40px); overflow: auto; background: #fff; padding: 8px 10px;
    border-radius: 4px; font: 13px/1.35 sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3);}
  .rr-head {display: flex; justify-content: space-between; align-items: center; gap: 6px;}
  .rr-head strong {flex: 1;}
  .rr-panel.rr-collapsed > :not(.rr-head):not(.rr-count) {display: none;}
  @media (max-width: 700px) {.rr-panel {width: calc(100% - 80px);}}
  .rr-count {margin: 4px 0 6px; color: #333; font-weight: bold;}
  .rr-label {display: block; margin-top: 8px; font-weight: bold;}
  .rr-search, .rr-prov, .rr-link, .rr-embed-code {width: 100%; box-sizing: border-box;}
  .rr-cat {display: block;}
  .rr-swatch {display: inline-block; width: 10px; height: 10px; border-radius: 50%;
    margin: 0 4px;}
  .rr-time input {width: 100%;}
  .rr-timeline {display: block; width: 100%; height: 36px; margin-top: 6px; cursor: pointer;}
  .rr-time-label {display: block; margin-top: 4px;}
  .rr-legend, .rr-share {margin-top: 8px;}
  .rr-legend-row {display: flex; align-items: center; gap: 6px; margin: 3px 0;}
  .rr-legend-sample {flex: none; position: relative; width: 14px; height: 14px;}
  .rr-legend-area {border: 2px dashed #666; border-radius: 50%; width: 12px; height: 12px;}
  .rr-legend-sensitive {border: 2px solid #a15c00; border-radius: 2px; width: 10px; height: 10px;}
  .rr-links a {margin-right: 8px;}
  /* The attribution's links are told from its text by more than colour (WCAG 1.4.1):
     Leaflet's own blue on grey is 2.55:1, under the 3:1 that colour alone needs. */
  .leaflet-control-attribution a {text-decoration: underline;}
  .rr-size-legend {margin-top: 6px;}
  .rr-size-row {display: flex; align-items: center; gap: 6px; margin: 2px 0;}
  .rr-size-cell {flex: none; width: 62px; display: flex; justify-content: center;}
  .rr-size-circle {display: block; border-radius: 50%; border: 1px solid #8e2a12;
    background: rgba(217, 83, 30, .55); box-sizing: border-box;}
  .rr-point span {display: block; width: 12px; height: 12px; border-radius: 50%;
    border: 1px solid #fff; box-shadow: 0 0 2px rgba(0,0,0,.6);}
  .rr-neighbourhood span {width: 8px; height: 8px; margin: 2px; border: 2px solid #222;}
  .romareact-popup {margin-bottom: 8px;}
  .romareact-popup .meta {color: #555; margin: 4px 0;}
  .romareact-popup .status {color: #a15c00; font-size: 12px; margin: 4px 0;}
  .rr-category {font-size: 12px; color: #244;}
  .rr-embed-bar {display: none;}
  body.rr-embed .rr-panel {display: none;}
  /* Top right, where the panel would be: the corners below hold the scale and attribution. */
  body.rr-embed .rr-embed-bar {display: block; position: fixed; top: 10px; right: 10px;
    z-index: 1000; max-width: calc(100% - 80px); background: #fff; padding: 4px 8px;
    border-radius: 4px; font: 12px/1.35 sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3);}
  .rr-embed-count {color: #333;}
</style>
"""


class _MapScript(MacroElement):
    """Our script, rendered after the map and the cluster it uses."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "RomareactMap"
        self.code = code


def _map_js() -> str:
    return resources.files("mapping").joinpath("static/map.js").read_text(encoding="utf-8")


def leaflet_map(static_base: str = "static/", cdn: bool = False, **options) -> folium.Map:
    """A Folium map of Bulgaria that loads only Leaflet (no jQuery, Bootstrap or icon fonts),
    from `static_base` (see mapping.assets) or, with `cdn`, from jsDelivr with SRI."""
    fmap = folium.Map(location=BULGARIA_CENTRE, zoom_start=7, **options)
    fmap.default_js = []
    fmap.default_css = []
    header = fmap.get_root().header
    header.add_child(
        folium.Element(assets.css_tag(assets.LEAFLET_CSS, static_base, cdn)), name="leaflet_css"
    )
    header.add_child(
        folium.Element(assets.script_tag(assets.LEAFLET_JS, static_base, cdn)), name="leaflet"
    )
    return fmap


def marker_cluster(fmap: folium.Map, static_base: str = "static/", cdn: bool = False, **options):
    """A MarkerCluster on `fmap`, loading markercluster 1.5.3 from where Leaflet comes from."""
    cluster = MarkerCluster(name="Събития / Events", options=options)
    cluster.default_js = []
    cluster.default_css = []
    header = fmap.get_root().header
    for number, css in enumerate(assets.CLUSTER_CSS):
        header.add_child(
            folium.Element(assets.css_tag(css, static_base, cdn)), name=f"markerclustercss{number}"
        )
    header.add_child(
        folium.Element(assets.script_tag(assets.CLUSTER_JS, static_base, cdn)),
        name="markerclusterjs",
    )
    return cluster.add_to(fmap)


class _BaseLayer(MacroElement):
    """Bulgaria's provinces and border in a pane under the tiles (see mapping.basemap):
    hidden by the tiles where they load, the country's shape where they do not."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (map) {
  var pane = map.createPane("rr-basemap");
  pane.style.zIndex = 150;
  pane.style.pointerEvents = "none";
  if (!window.ROMAREACT_BASEMAP) { return; }
  L.geoJSON(window.ROMAREACT_BASEMAP, {
    pane: "rr-basemap", interactive: false, attribution: {{ this.attribution|tojson }},
    style: function (feature) {
      return feature.properties.kind === "country"
        ? {color: "#6b6b6b", weight: 2, fill: false}
        : {color: "#a3a3a3", weight: 1, fillColor: "#f3f0e8", fillOpacity: 1};
    }
  }).addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "RomareactBaseLayer"
        self.attribution = BASEMAP_ATTRIBUTION


def build_map(
    data_base: str = "data/",
    geojson_url: str | None = "events.geojson",
    table_url: str | None = None,
    feed_url: str | None = "feed.atom",
    live: bool = False,
    static_base: str = "static/",
    cdn: bool = False,
) -> folium.Map:
    """The map page. Its data comes from `{data_base}markers.js` and `details/N.js`; Leaflet
    and the base layer from `{static_base}` (Leaflet from jsDelivr with SRI if `cdn`)."""
    fmap = leaflet_map(static_base, cdn, tiles=None, control_scale=True)
    fmap.get_root().header.add_child(
        folium.Element(f'<script src="{html.escape(static_base + assets.BASEMAP_JS)}"></script>'),
        name="romareact_basemap",
    )
    fmap.add_child(_BaseLayer())
    folium.TileLayer("OpenStreetMap", attr=ATTRIBUTION, name="OpenStreetMap").add_to(fmap)
    cluster = marker_cluster(
        fmap, static_base, cdn, chunkedLoading=True, chunkInterval=150, chunkDelay=20
    )
    config = {
        "map": fmap.get_name(),
        "cluster": cluster.get_name(),
        "dataBase": data_base,
        "geojsonUrl": geojson_url,
        "tableUrl": table_url,
        "feedUrl": feed_url,
        "live": live,
    }
    fmap.add_child(_MapScript(f"window.ROMAREACT_CONFIG = {script_json(config)};\n{_map_js()}"))
    root = fmap.get_root()
    root.html.add_child(folium.Element(_BODY), name="romareact_body")
    root.header.add_child(folium.Element(_STYLE), name="romareact_style")
    root.header.add_child(folium.Element(_HEAD), name="romareact_title")
    if feed_url:
        # So that feed readers and browsers find the feed from the map's address alone.
        root.header.add_child(
            folium.Element(
                '<link rel="alternate" type="application/atom+xml"'
                f' title="romareact — събития / events" href="{html.escape(feed_url)}">'
            ),
            name="romareact_feed",
        )
    return fmap


def render_map_html(**options) -> str:
    page = build_map(**options).get_root().render()
    page, found = _FOLIUM_VIEWPORT.subn(_VIEWPORT, page, count=1)
    if not found:  # a Folium upgrade changed its tag: look at it rather than ship it
        raise RuntimeError("Folium's viewport tag was not found in the rendered map page.")
    # Bulgarian until map.js switches it; screen readers and axe need a language.
    return page.replace("<html>", '<html lang="bg">', 1)


def write_map(public_db: str | Path, out_dir: str | Path, cdn: bool = False) -> dict:
    """Write the static site: index.html, data/markers.js, data/details/N.js, events.geojson,
    feed.atom and static/ (Leaflet and the base layer). Returns their paths, the event count
    and the bytes written."""
    out = Path(out_dir)
    (out / "data" / "details").mkdir(parents=True, exist_ok=True)
    events = load_events(public_db)
    assets.copy_static(out)
    html_path = out / "index.html"
    html_path.write_text(render_map_html(cdn=cdn), encoding="utf-8")
    markers_path = out / "data" / "markers.js"
    markers_path.write_text(
        markers_script(markers_payload(events, load_areas(public_db))), encoding="utf-8"
    )
    chunks = details_chunks(events)
    for number, chunk in enumerate(chunks):
        path = out / "data" / "details" / f"{number}.js"
        path.write_text(details_script(number, chunk), encoding="utf-8")
    # Chunks of an earlier, larger export must not linger.
    for stale in (out / "data" / "details").glob("*.js"):
        if not stale.stem.isdigit() or int(stale.stem) >= len(chunks):
            stale.unlink()
    geojson_path = out / "events.geojson"
    geojson_path.write_text(json.dumps(to_geojson(events), ensure_ascii=False), encoding="utf-8")
    feed_path = out / "feed.atom"
    feed_path.write_text(
        atom_feed(public_db, self_url="feed.atom", site_url="index.html"), encoding="utf-8"
    )
    return {
        "html": html_path,
        "markers": markers_path,
        "geojson": geojson_path,
        "feed": feed_path,
        "events": len(events),
        "page_bytes": html_path.stat().st_size + markers_path.stat().st_size,
    }
