"""An Atom feed of newly published events, with GeoRSS points, optionally per province or
category. Built with ElementTree, which escapes every string it is given."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import sqlite_utils

from mapping.geojson import EventFilter, load_events, story_sources
from romareact.categories import CATEGORIES

ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"
FEED_SIZE = 50
ET.register_namespace("", ATOM)
ET.register_namespace("georss", GEORSS)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(
    public_db: str | Path | sqlite_utils.Database,
    self_url: str,
    province: str | None = None,
    category: str | None = None,
    *,
    site_url: str,
) -> str:
    """The FEED_SIZE most recently published events that match, newest first; `site_url` is
    the map page, where each event can be seen."""
    event_filter = EventFilter(categories=(category,) if category else (), province=province)
    events = load_events(public_db, event_filter, order="published_at desc, id", limit=FEED_SIZE)
    feed = ET.Element(f"{{{ATOM}}}feed")
    scope = " · ".join(filter(None, [province, CATEGORIES.get(category, (None, None))[1]]))
    _add(feed, "title", "romareact — събития / events" + (f" — {scope}" if scope else ""))
    _add(feed, "id", "tag:romareact,2026:feed" + (f"?{scope}" if scope else ""))
    _add(feed, "updated", events[0]["published_at"] if events else "1970-01-01T00:00:00Z")
    _add(feed, "link", rel="self", href=self_url)
    _add(feed, "link", rel="alternate", href=site_url)
    author = _add(feed, "author")
    _add(author, "name", "romareact")
    _add(feed, "rights", "CC BY 4.0; titles and excerpts belong to the linked news sources")
    for event in events:
        entry = _add(feed, "entry")
        _add(entry, "id", f"tag:romareact,2026:event/{event['id']}")
        _add(entry, "title", event["title"] or "")
        _add(entry, "updated", event["published_at"])
        if event.get("date"):
            _add(entry, "published", f"{event['date']}T00:00:00Z")
        # Atom asks every entry without content for an alternate link: the first outlet's
        # story, which is what a reader wants to open; the other outlets and the map view
        # of the event are related links.
        sources = [source for source in story_sources(event) if source["url"]]
        for number, source in enumerate(sources):
            rel = "related" if number else "alternate"
            _add(entry, "link", rel=rel, href=source["url"], title=source["name"] or "")
        map_view = f"{site_url}#map=13/{event['lat']:.4f}/{event['lon']:.4f}"
        _add(entry, "link", rel="related" if sources else "alternate", href=map_view,
             title="Карта / Map")  # fmt: skip
        where = ", ".join(filter(None, [event.get("place"), event.get("province")]))
        _add(entry, "summary", " — ".join(filter(None, [where, event.get("excerpt")])))
        if event.get("category"):
            _add(entry, "category", term=event["category"], label=CATEGORIES[event["category"]][1])
        point = ET.SubElement(entry, f"{{{GEORSS}}}point")
        point.text = f"{event['lat']} {event['lon']}"
    return ET.tostring(feed, encoding="unicode", xml_declaration=True)
