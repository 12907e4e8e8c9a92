"""The Atom feed stays valid against RFC 4287's RELAX NG schema whatever the data holds."""

import asyncio
import json
import re
from pathlib import Path

import pytest
import rnc2rng
from lxml import etree
from test_open_dataset import add_story, place_id, publish

from mapping.feed import atom_feed, xml_text
from romareact.publish import set_publish_unreviewed
from romareact.serve import make_datasette
from romareact.workspace import open_workspace

SCHEMA = Path(__file__).parent / "fixtures" / "atom-rfc4287.rnc"
ATOM = "{http://www.w3.org/2005/Atom}"
UUID_URN = re.compile(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
HOSTILE_TITLES = [
    "Доклад \x01 за \x0b изселване\x1f",  # control characters: invalid in XML 1.0
    "Нулев \x00 знак и \ufffe, \uffff",
    "]]> <![CDATA[ </title><script>alert(1)</script> &amp; &#1;",
    "\u202eобърнат текст\u200b и емоджи 🏘️",
]


@pytest.fixture(scope="module")
def atom_schema():
    # rnc2rng declares the schema's `namespace local = ""` as xmlns:local="", which XML
    # forbids; its only use, `local:*`, becomes <nsName ns=""/> and needs no prefix.
    rng = rnc2rng.dumps(rnc2rng.loads(SCHEMA.read_text(encoding="utf-8")))
    return etree.RelaxNG(etree.fromstring(rng.replace(' xmlns:local=""', "").encode()))


@pytest.fixture
def hostile_workspace(data_dir):
    workspace = open_workspace(data_dir)
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    for number, title in enumerate(HOSTILE_TITLES):
        add_story(workspace.newsroom, number, title, place_id(workspace.newsroom, "Сливен"),
                  text=f"ученици {title}")  # fmt: skip
    add_story(workspace.newsroom, 9, "Клиника", place_id(workspace.newsroom, "Ямбол"),
              text="клиника")  # fmt: skip
    publish(workspace)
    # What else a row may hold: a bad date, a source name with control characters.
    workspace.public["events"].update("i1", {"date": "2026-13-45"})
    workspace.public["events"].update(
        "i2", {"sources": json.dumps([{"name": "Вестник\x02", "url": "https://x.example/a b"}])}
    )
    yield workspace
    workspace.close()


def validate(schema, xml: str):
    document = etree.fromstring(xml.encode("utf-8"))  # raises on any XML error
    assert schema.validate(document), schema.error_log
    return document


@pytest.mark.parametrize(
    ("province", "category"),
    [(None, None), ("Сливен", None), (None, "health"), ("Ямбол", "health"), ("Няма такава", None)],
)
def test_every_feed_validates_against_rfc_4287(atom_schema, hostile_workspace, province, category):
    xml = atom_feed(hostile_workspace.public, "https://site.example/feed.atom?a=1&b=2",
                    province, category, site_url="https://site.example/map")  # fmt: skip
    document = validate(atom_schema, xml)
    ids = [element.text for element in document.iter(f"{ATOM}id")]
    assert all(UUID_URN.match(i) for i in ids), ids
    assert len(ids) == len(set(ids))


def test_hostile_titles_keep_their_text_without_the_forbidden_characters(hostile_workspace):
    document = etree.fromstring(
        atom_feed(hostile_workspace.public, "x", site_url="https://s.example/map").encode()
    )
    titles = {e.findtext(f"{ATOM}title") for e in document.iter(f"{ATOM}entry")}
    assert "Доклад  за  изселване" in titles
    assert "Нулев  знак и , " in titles
    assert "]]> <![CDATA[ </title><script>alert(1)</script> &amp; &#1;" in titles
    assert "\u202eобърнат текст\u200b и емоджи 🏘️" in titles


def test_feed_ids_are_per_deployment_and_scope_and_stable(data_dir, tmp_path):
    def ids(workspace, **scope):
        document = etree.fromstring(
            atom_feed(workspace.public, "x", site_url="m", **scope).encode()
        )
        return document.findtext(f"{ATOM}id")

    first = open_workspace(data_dir)
    second = open_workspace(tmp_path / "another")
    try:
        assert ids(first) == ids(first)  # stable
        assert ids(first) != ids(second)  # per deployment
        scoped = {ids(first, province="Сливен"), ids(first, category="health"),
                  ids(first, province="Сливен", category="health"), ids(first)}  # fmt: skip
        assert len(scoped) == 4
        assert all(" " not in i and UUID_URN.match(i) for i in scoped)
    finally:
        first.close()
        second.close()


def test_the_served_feed_validates_and_keeps_its_ids_elsewhere(
    atom_schema, hostile_workspace, data_dir
):
    datasette = make_datasette(data_dir)

    async def fetch(host):
        return await datasette.client.get("/feed.atom?province=Сливен", headers={"host": host})

    here = asyncio.run(fetch("localhost"))
    assert here.status_code == 200
    document = validate(atom_schema, here.text)
    elsewhere = etree.fromstring(asyncio.run(fetch("romareact.example")).content)
    assert document.findtext(f"{ATOM}id") == elsewhere.findtext(f"{ATOM}id")


def test_xml_text_drops_only_what_xml_cannot_hold():
    # A lone surrogate cannot reach the database, but a string in Python may hold one.
    assert xml_text("x\ud800y") == "xy"
    assert xml_text("a\x00b\x08c\td\ne\rf\x7fg\ud7ffh\ue000i\ufffdj\U0010ffff") == (
        "abc\td\ne\rf\x7fg\ud7ffh\ue000i\ufffdj\U0010ffff"
    )
    assert xml_text(None) == ""
