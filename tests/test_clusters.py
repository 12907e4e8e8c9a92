"""The same story from several outlets becomes one cluster, and one public event."""

import json

from scrapy.utils.test import get_crawler

from crawlers.items import ArticleItem
from crawlers.pipelines import GeocodePipeline, NormalisePipeline, RelevancePipeline, StorePipeline
from romareact.clusters import similarity, sketch
from romareact.publish import export_public, refresh_events, set_publish_unreviewed
from romareact.workspace import open_workspace

WIRE = (
    "Здравни медиатори от Бургаска област посетиха ромските семейства в морското село Китен, "
    "край Приморско, за да разяснят имунизационния календар на децата. В селото живеят около "
    "двеста роми, повечето от които работят сезонно в хотелите през лятото. Медиаторите са "
    "попълнили липсващите ваксини на 37 деца с помощта на джипито от Приморско."
)
REWRITE = (
    "Здравни медиатори от Бургаска област посетиха ромските семейства в село Китен край "
    "Приморско, за да разяснят имунизационния календар на децата, съобщиха от РЗИ. В селото "
    "живеят около двеста роми, повечето от които работят сезонно в хотелите. Медиаторите са "
    "попълнили липсващите ваксини на 37 деца с помощта на личния лекар от Приморско."
)
OTHER = (
    "Ромски семейства от квартал Надежда в Сливен останаха без вода за трети ден след авария "
    "на главния водопровод. Общината осигури цистерни, а здравните медиатори раздават таблетки "
    "за обеззаразяване. Ремонтът трябва да приключи до края на седмицата, обещаха от общината."
)


def test_rewrites_are_similar_and_other_stories_are_not():
    assert similarity(sketch(WIRE), sketch(REWRITE)) >= 0.4
    assert similarity(sketch(WIRE), sketch(OTHER)) < 0.1


def test_one_story_from_two_outlets_is_one_event_with_both_sources(tmp_path):
    workspace = open_workspace(tmp_path)
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    for source in ("bta", "bnr", "sliven"):
        workspace.newsroom["sources"].insert(
            {"id": source, "name": source.upper(), "kind": "feed", "url": f"https://{source}/"}
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
    for source, url, text in [
        ("bta", "https://bta/kiten", WIRE),
        ("bnr", "https://bnr/kiten-medyatori", REWRITE),
        ("sliven", "https://sliven/voda", OTHER),
    ]:
        item = ArticleItem(source_id=source, url=url, title=text[:40], full_text=text,
                           published="2026-11-20T08:00:00+00:00")  # fmt: skip
        for pipeline in pipelines:
            pipeline.process_item(item)
    pipelines[3].close_spider()
    clusters = {row["url"]: row["cluster_id"] for row in workspace.newsroom["items"].rows}
    assert clusters["https://bta/kiten"] == clusters["https://bnr/kiten-medyatori"]
    assert clusters["https://sliven/voda"] not in (clusters["https://bta/kiten"], None)
    refresh_events(workspace.newsroom)
    assert export_public(workspace.newsroom, workspace.public) == 2
    kiten = next(workspace.public["events"].rows_where("place = 'Китен'"))
    assert sorted(s["name"] for s in json.loads(kiten["sources"])) == ["BNR", "BTA"]


def test_a_retelling_is_found_among_more_chance_matches_than_are_read(tmp_path):
    """More items share one indexed minimum by chance than find_cluster reads: the retelling,
    sharing most of them, is read first."""
    from romareact import clusters
    from romareact.clusters import INDEXED_MINIMA, find_cluster, index_sketch

    newsroom = open_workspace(tmp_path).newsroom
    newsroom["sources"].insert({"id": "s", "name": "S", "kind": "feed", "url": "https://s/"})
    wire = sketch(WIRE)

    def add(item_id, minima, full):
        newsroom["items"].insert({"id": item_id, "source_id": "s", "url": f"https://s/{item_id}",
                                  "canonical_url": f"https://s/{item_id}",
                                  "sketch": json.dumps(full), "status": "new",
                                  "fetched": "2026-11-20T08:00:00+00:00"})  # fmt: skip
        index_sketch(newsroom, item_id, minima)

    # Chance matches, written first: one minimum of the wire's in common, nothing else.
    for n in range(clusters.CANDIDATES * 3):
        start = max(wire) + 1 + 100 * n  # hashes of its own, above the shared minimum
        other = [wire[n % INDEXED_MINIMA], *range(start, start + 63)]
        add(f"chance{n}", sorted(other), sorted(other))
    add("wire", wire, wire)
    assert find_cluster(newsroom, "rewrite", REWRITE)[0] == "wire"
    assert find_cluster(newsroom, "other", OTHER)[0] == "other"


def test_the_early_out_gives_the_similarity_or_nothing_below_the_threshold():
    from romareact.clusters import _at_least

    pairs = [(WIRE, REWRITE), (WIRE, OTHER), (REWRITE, OTHER), (WIRE, WIRE)]
    for a, b in [(sketch(x), sketch(y)) for x, y in pairs]:
        for threshold in (0.1, 0.4, 0.6, 1.0):
            exact = similarity(a, b)
            assert _at_least(set(a), b, threshold) == (exact if exact >= threshold else 0.0)
