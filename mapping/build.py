"""The public event map: Folium, clustered markers, popups built safely in the browser.

Folium would paste popup strings into the page as raw HTML inside JavaScript template
literals, where a hostile title can break out. Instead, events travel as JSON data and the
popups are assembled with DOM text nodes, so no scraped string is ever parsed as markup.
"""

from __future__ import annotations

import json
from pathlib import Path

import folium
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from mapping.escape import html_text, script_json
from mapping.geojson import load_events, story_sources, to_geojson

BULGARIA_CENTRE = (42.75, 25.3)
ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    ' | Места / Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)'
    " | Новини / News: the source linked in each event"
)

_POPUP_SCRIPT = """
(function () {
  var events = %(events)s;
  var cluster = %(cluster)s;
  function line(parent, tag, text, className) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = text;
    parent.appendChild(el);
    return el;
  }
  function popup(ev) {
    var box = document.createElement("div");
    box.className = "romareact-popup";
    line(box, "strong", ev.title || "(без заглавие / untitled)");
    var where = [ev.date, ev.neighbourhood, ev.place, ev.province].filter(Boolean);
    line(box, "div", where.join(" · "), "meta");
    if (ev.excerpt) { line(box, "p", ev.excerpt); }
    if (ev.review_status === "unreviewed") {
      line(box, "div", "Непроверено от редактор / Not yet reviewed by an editor", "status");
    }
    var sources = (ev.sources || []).filter(function (s) {
      return /^https?:\\/\\//.test(s.url || "");
    });
    if (sources.length) {
      line(box, "div", sources.length > 1 ? "Източници / Sources:" : "Източник / Source:", "meta");
    }
    sources.forEach(function (s) {
      var link = line(box, "a", s.name || s.url);
      link.href = s.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      box.appendChild(document.createElement("br"));
    });
    return box;
  }
  events.forEach(function (ev) {
    var marker = L.marker([ev.lat, ev.lon], {title: ev.title || ""});
    marker.bindPopup(function () { return popup(ev); }, {maxWidth: 320});
    marker.addTo(cluster);
  });
})();
"""

_HEADER = """
<div class="romareact-header">
  <strong>romareact</strong> — събития, свързани с ромите / Roma-related events:
  <span class="count">%(count)s</span>
</div>
<style>
  .romareact-header {position: fixed; top: 10px; left: 60px; z-index: 1000;
    background: white; padding: 6px 10px; border-radius: 4px; font: 14px sans-serif;
    box-shadow: 0 1px 4px rgba(0,0,0,.3);}
  .romareact-popup .meta {color: #555; margin: 4px 0;}
  .romareact-popup .status {color: #a15c00; font-size: 12px; margin: 4px 0;}
</style>
"""


class _EventMarkers(MacroElement):
    """Our marker script, rendered in the map's order: after the cluster it fills."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "EventMarkers"
        self.code = code


def _marker_data(event: dict) -> dict:
    keys = (
        "id", "title", "excerpt", "date", "place", "neighbourhood", "province", "source",
        "review_status",
    )  # fmt: skip
    data = {key: event.get(key) for key in keys}
    data.update(
        lat=event["lat"],
        lon=event["lon"],
        sources=story_sources(event),
    )
    return data


def build_map(events: list[dict]) -> folium.Map:
    """A Folium map of Bulgaria with one clustered marker per event."""
    fmap = folium.Map(location=BULGARIA_CENTRE, zoom_start=7, tiles=None, control_scale=True)
    folium.TileLayer("OpenStreetMap", attr=ATTRIBUTION, name="OpenStreetMap").add_to(fmap)
    cluster = MarkerCluster(name="Събития / Events").add_to(fmap)
    script = _POPUP_SCRIPT % {
        "events": script_json([_marker_data(e) for e in events]),
        "cluster": cluster.get_name(),
    }
    fmap.add_child(_EventMarkers(script))
    fmap.get_root().html.add_child(
        folium.Element(_HEADER % {"count": html_text(len(events))}), name="romareact_header"
    )
    fmap.get_root().header.add_child(
        folium.Element("<title>romareact — карта / map</title>"), name="romareact_title"
    )
    return fmap


def render_map_html(public_db: str | Path) -> str:
    return build_map(load_events(public_db)).get_root().render()


def write_map(public_db: str | Path, out_dir: str | Path) -> dict:
    """Write index.html and events.geojson to out_dir; returns their paths and the event count."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    events = load_events(public_db)
    html_path = out / "index.html"
    geojson_path = out / "events.geojson"
    build_map(events).save(str(html_path))
    geojson_path.write_text(
        json.dumps(to_geojson(events), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return {"html": html_path, "geojson": geojson_path, "events": len(events)}
