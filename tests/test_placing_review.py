"""An unsure namesake waits for an editor: stored with the candidates weighed, not published
unreviewed, shown on the item page; an editor's pick publishes it."""

from __future__ import annotations

import json

import pytest
from scrapy.utils.test import get_crawler

from crawlers.items import ArticleItem
from crawlers.pipelines import GeocodePipeline, NormalisePipeline, RelevancePipeline, StorePipeline
from geocode.importers import ensure_embedded, merge_places, read_gazetteer_file
from geocode.resolve import find_places
from romareact.curation import relocate
from romareact.publish import export_public, refresh_events, set_publish_unreviewed
from romareact.workspace import open_workspace

# Каменар is a village in three provinces; nothing here says which.
UNSURE = "Ромските семейства в Каменар протестираха срещу спирането на водата за трети ден."
SURE = "Ромските семейства в село Китен край Приморско получиха нови учебници за децата."


def test_an_undecided_namesake_needs_review(full_gazetteer):
    [mention] = find_places(UNSURE, full_gazetteer)
    assert mention.needs_review
    assert len(mention.candidates) > 1
    assert len({c.province for c in mention.candidates}) == len(mention.candidates)
    assert mention.as_dict()["candidates"][0]["name"] == "Каменар"


def test_a_decided_namesake_does_not(full_gazetteer):
    mentions = find_places(SURE, full_gazetteer)
    assert [m.place.name for m in mentions] == ["Китен", "Приморско"]
    assert not any(m.needs_review for m in mentions)
    assert "candidates" not in mentions[0].as_dict()


@pytest.fixture
def crawled(tmp_path, postal_file):
    workspace = open_workspace(tmp_path)
    merge_places(workspace.newsroom, read_gazetteer_file(postal_file), source="postal")
    ensure_embedded(workspace.newsroom)
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    workspace.newsroom["sources"].insert(
        {"id": "local", "name": "LOCAL", "kind": "feed", "url": "https://local/"}
    )
    crawler = get_crawler(settings_dict={"ROMAREACT_DB": str(tmp_path / "newsroom.db")})
    pipelines = [
        NormalisePipeline(),
        GeocodePipeline.from_crawler(crawler),
        RelevancePipeline.from_crawler(crawler),
        StorePipeline.from_crawler(crawler),
    ]
    pipelines[1].open_spider()
    pipelines[3].open_spider()
    for url, text in [("https://local/unsure", UNSURE), ("https://local/sure", SURE)]:
        item = ArticleItem(source_id="local", url=url, title=text[:30], full_text=text,
                           published="2026-11-20T08:00:00+00:00")  # fmt: skip
        for pipeline in pipelines:
            pipeline.process_item(item)
    pipelines[3].close_spider()
    return workspace


def test_unsure_places_are_stored_and_not_published_unreviewed(crawled):
    newsroom = crawled.newsroom
    unsure = next(newsroom.query("select * from items where url = 'https://local/unsure'"))
    [mention] = newsroom.query("select * from mentions where item_id = ?", [unsure["id"]])
    assert mention["needs_review"] == 1
    weighed = json.loads(mention["candidates"])
    assert {c["name"] for c in weighed} == {"Каменар"} and len(weighed) > 1
    refresh_events(newsroom)
    assert export_public(newsroom, crawled.public) == 1
    assert [e["place"] for e in crawled.public["events"].rows] == ["Китен"]
    # The editor picks one of the candidates: now it is published.
    relocate(newsroom, unsure["id"], weighed[1]["id"], actor="editor")
    refresh_events(newsroom)
    export_public(newsroom, crawled.public)
    assert sorted(e["place"] for e in crawled.public["events"].rows) == ["Каменар", "Китен"]
