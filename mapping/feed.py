"""An Atom feed of newly published events, with GeoRSS points, optionally per province or
category. Built with ElementTree, which escapes every string it is given; characters XML 1.0
cannot carry at all (control characters, lone surrogates) are dropped first, so the feed is
well-formed whatever a title holds.

Feed and entry IDs are `urn:uuid:` IRIs derived from the dataset's own identifier (the public
database's `dataset_info`), so they differ between deployments, never change when the site
moves to another address, and hold no label or space.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from xml.etree import ElementTree as ET

import sqlite_utils

from mapping.geojson import EventFilter, as_database, load_events, story_sources
from romareact.categories import CATEGORIES

ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"
FEED_SIZE = 50
ET.register_namespace("", ATOM)
ET.register_namespace("georss", GEORSS)


# Everything outside XML 1.0's Char production (section 2.2).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """The string with every character XML 1.0 cannot hold removed."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    cleaned = {name: xml_text(value) for name, value in attributes.items()}
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", cleaned)
    if text is not None:
        element.text = xml_text(text)
    return element


def dataset_id(db: sqlite_utils.Database) -> uuid.UUID:
    """This deployment's dataset identifier (public migration 18 draws it once)."""
    if "dataset_info" in db.table_names():
        row = db.execute("select value from dataset_info where key = 'id'").fetchone()
        if row:
            return uuid.UUID(row[0])
    # A public database from before that migration: stable, though shared by such copies.
    return uuid.uuid5(uuid.NAMESPACE_URL, "romareact")


def feed_id(dataset: uuid.UUID, province: str | None, category: str | None) -> str:
    """The feed's IRI: one per dataset and scope (province and category key, not labels)."""
    scope = f"feed?province={province or ''}&category={category or ''}"
    return uuid.uuid5(dataset, scope).urn


def entry_id(dataset: uuid.UUID, event_id: str) -> str:
    return uuid.uuid5(dataset, f"event/{event_id}").urn


def _atom_date(date: str | None) -> str | None:
    """An event's date as an Atom date, or None when it is not a real date."""
    try:
        return dt.date.fromisoformat(str(date)[:10]).isoformat() + "T00:00:00Z"
    except ValueError:
        return None


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
    db = as_database(public_db)
    events = load_events(db, event_filter, order="published_at desc, id", limit=FEED_SIZE)
    dataset = dataset_id(db)
    feed = ET.Element(f"{{{ATOM}}}feed")
    scope = " · ".join(filter(None, [province, CATEGORIES.get(category, (None, None))[1]]))
    _add(feed, "title", "romareact — събития / events" + (f" — {scope}" if scope else ""))
    _add(feed, "id", feed_id(dataset, province, category))
    _add(feed, "updated", events[0]["published_at"] if events else "1970-01-01T00:00:00Z")
    _add(feed, "link", rel="self", href=self_url)
    _add(feed, "link", rel="alternate", href=site_url)
    author = _add(feed, "author")
    _add(author, "name", "romareact")
    _add(feed, "rights", "CC BY 4.0; titles and excerpts belong to the linked news sources")
    for event in events:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(dataset, event["id"]))
        _add(entry, "title", event["title"] or "")
        _add(entry, "updated", event["published_at"])
        published = _atom_date(event.get("date"))
        if published:
            _add(entry, "published", published)
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
