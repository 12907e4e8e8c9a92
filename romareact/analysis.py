"""The analysis step shared by `romareact analyze`, the crawl pipelines and the map."""

from __future__ import annotations

from dataclasses import dataclass

from geocode.gazetteer import Gazetteer
from geocode.resolve import PlaceMention, find_places
from romareact.language import detect_language
from romareact.mojibake import repair
from romareact.relevance import score_text


@dataclass
class Analysis:
    roma_related: bool
    relevance: float
    lang: str
    places: list[PlaceMention]

    @property
    def primary(self) -> PlaceMention | None:
        return next((p for p in self.places if p.primary), None)

    def as_dict(self, item_id) -> dict:
        """The `romareact analyze` output line, exactly as the brief specifies."""
        return {
            "id": item_id,
            "roma_related": self.roma_related,
            "relevance": self.relevance,
            "lang": self.lang,
            "places": [place.as_dict() for place in self.places],
        }


class Analyzer:
    """Relevance, language and places of a text, against one loaded gazetteer."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer

    def analyze(self, text: str, title: str | None = None) -> Analysis:
        """Offsets refer to `text` (to its repaired form, should a wrong decoding of UTF-8
        have to be undone: the one repair that changes lengths)."""
        text, title = repair(text), repair(title) if title else title
        lang = detect_language(f"{title or ''} {text}")
        places = find_places(text, self.gazetteer, title=title, lang=lang)
        relevance = score_text(text, title, roma_places=roma_neighbourhoods(places))
        return Analysis(
            roma_related=relevance.roma_related,
            relevance=relevance.score,
            lang=lang,
            places=places,
        )


def roma_neighbourhoods(places: list[PlaceMention]) -> int:
    """How many of the mentioned places were found through a Roma neighbourhood (other city
    quarters, "cityquarter:" ids, say nothing about Roma)."""
    return sum(
        1
        for place in places
        if place.neighbourhood is not None and place.neighbourhood.id.startswith("quarter:")
    )
