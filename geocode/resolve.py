"""Choosing one place per name (namesakes) and the primary place of a text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from geocode.corrections import applicable
from geocode.gazetteer import Gazetteer, Place, distance_km, normalise_name
from geocode.toponyms import (
    Cues,
    NameMatch,
    find_cues,
    find_names,
    mentions_bulgaria,
    tokenize,
)

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LEAD_CHARS = 400
# Below this confidence, with namesakes close behind, a place waits for an editor.
REVIEW_CONFIDENCE = 0.5
REVIEW_MARGIN = 0.75  # score points: a candidate this close was a real contender
REVIEW_CANDIDATES = 4
# A village within this distance of a town the text also names is the likelier event place.
NEAR_TOWN_KM = 25.0
SPECIFIC_BONUS = 1.5  # where news puts the place of the main event
# Languages whose texts name Bulgarian villages mostly by accident ("Шуто Оризари").
FOREIGN_LANGUAGES = {"mk", "sr", "ru", "ro"}
ROLE_WEIGHT = {
    "event": 1.5,
    "other": 0.0,
    "possessive": -0.5,
    "institution": -1.5,
    "origin": -1.5,
    "landmark": -2.0,
}


@dataclass
class PlaceMention:
    """One distinct settlement of a text, at its first mention."""

    place: Place
    surface: str
    start: int
    end: int
    confidence: float
    count: int = 1
    primary: bool = False
    best_role: str = "other"
    neighbourhood: Place | None = None
    # When the text did not decide between namesakes: the ones weighed, best first.
    candidates: tuple[Place, ...] = ()

    @property
    def needs_review(self) -> bool:
        """Unsure which namesake is meant: an editor picks before it is published."""
        return len(self.candidates) > 1 and self.confidence < REVIEW_CONFIDENCE

    def as_dict(self) -> dict:
        """The shape of one entry in `romareact analyze` output."""
        entry = {
            "name": self.place.name,
            "lat": self.place.lat,
            "lon": self.place.lon,
            "province": self.place.province,
        }
        if self.place.municipality:
            entry["municipality"] = self.place.municipality
        entry.update(
            start=self.start,
            end=self.end,
            surface=self.surface,
            confidence=round(self.confidence, 3),
            primary=self.primary,
        )
        if self.neighbourhood is not None:
            entry["neighbourhood"] = self.neighbourhood.name
        if self.needs_review:
            entry["needs_review"] = True
            entry["candidates"] = self.candidate_dicts()
        return entry

    def candidate_dicts(self) -> list[dict]:
        return [
            {"name": c.name, "province": c.province, "lat": c.lat, "lon": c.lon, "id": c.id}
            for c in self.candidates
        ]


def _score(candidate: Place, cues: Cues, anchors: list[tuple[Place, str]]) -> float:
    score = candidate.prominence()
    if candidate.province_code in cues.provinces:
        score += 3.0
    if candidate.municipality and normalise_name(candidate.municipality) in cues.municipalities:
        score += 4.0
    best = 0.0
    for anchor, role in anchors:
        # Farther than ~60 km in latitude or longitude alone: no bonus, skip the arithmetic.
        if anchor.id == candidate.id or abs(anchor.lat - candidate.lat) > 0.55:
            continue
        if abs(anchor.lon - candidate.lon) > 0.75:
            continue
        distance = distance_km(candidate, anchor)
        # Closer is likelier; "Баня край Карлово" names a landmark that is close by definition.
        if role == "landmark":
            best = max(best, 3.5 * (1 - distance / 40))
        else:
            best = max(best, 2.0 * (1 - distance / 60))
    return score + best


def _resolve(match: NameMatch, cues: Cues, anchors) -> tuple[Place, float, tuple[Place, ...]]:
    """The likeliest candidate, a confidence, and the close runners-up (best first)."""
    candidates = match.candidates
    base = 0.9 if match.after_marker else 0.75 if match.via == "derived" else 0.8
    if len(candidates) == 1:
        return candidates[0], base, ()
    scored = sorted(((_score(c, cues, anchors), c) for c in candidates), key=lambda sc: -sc[0])
    margin = scored[0][0] - scored[1][0]
    # A thin margin means the text did not decide: say so with a low confidence.
    confidence = max(min(base, 0.35 + margin / 5), 0.2)
    close = tuple(c for s, c in scored[:REVIEW_CANDIDATES] if scored[0][0] - s < REVIEW_MARGIN)
    return scored[0][1], confidence, close


def names_known_quarter(text: str, gazetteer: Gazetteer) -> bool:
    """Whether the text names a Bulgarian quarter whose name is no ordinary word."""
    for token in tokenize(text):
        if token.text[0].isupper():
            quarters = gazetteer.quarters.get(token.lower, ())
            if any(not q.needs_context for q in quarters):
                return True
    return False


def find_places(
    text: str,
    gazetteer: Gazetteer,
    title: str | None = None,
    lang: str | None = None,
    in_bulgaria: bool = False,
) -> list[PlaceMention]:
    """Distinct settlements mentioned in `text`, in order of first mention, one marked primary.

    `lang` is the text's language; `in_bulgaria` that its source is Bulgarian.
    """
    context = f"{title}\n{text}" if title else text
    about_bulgaria = in_bulgaria or mentions_bulgaria(context)
    if lang in FOREIGN_LANGUAGES and not about_bulgaria:
        if not names_known_quarter(context, gazetteer):
            return []
        about_bulgaria = True  # "Столипиново" says where the text is, as "Bulgaria" would
    if (
        not about_bulgaria
        and not CYRILLIC.search(context)
        and not gazetteer.names_latin_town(context)
    ):
        return []  # foreign Latin-script news naming no Bulgarian town: nothing to find
    tokens = tokenize(text)
    cues = find_cues(text, gazetteer, tokens)
    if title:
        title_cues = find_cues(title, gazetteer)
        cues.provinces |= title_cues.provinces
        cues.municipalities |= title_cues.municipalities
    # about_bulgaria is what find_names would work out again from the text and title.
    russian = lang == "ru"
    matches = find_names(text, gazetteer, tokens, title or "", about_bulgaria, russian)
    title_matches = (
        find_names(title, gazetteer, None, text, about_bulgaria, russian) if title else []
    )
    anchors = list(
        {
            (gazetteer.parent(m.candidates[0]), m.role)
            for m in [*matches, *title_matches]
            if len(m.candidates) == 1
        }
    )
    resolved: dict[tuple, tuple[Place, float, tuple[Place, ...]]] = {}
    mentions: dict[str, PlaceMention] = {}

    def place_of(match: NameMatch) -> tuple[Place, float, tuple[Place, ...]] | None:
        correction = applicable(
            gazetteer.corrections.get(normalise_name(match.surface), []), cues.provinces
        )
        if correction is not None:
            if correction.place_id not in gazetteer.places:
                return None  # an editor said: not a place, in this context
            return gazetteer.places[correction.place_id], 0.95, ()
        # The same name in the same role resolves the same way: score it once.
        memo = (match.candidates, match.after_marker, match.via)
        if memo not in resolved:
            resolved[memo] = _resolve(match, cues, anchors)
        return resolved[memo]

    for match in matches:
        found = place_of(match)
        if found is None:
            continue
        place, confidence, close = found
        settlement = gazetteer.parent(place)
        known = mentions.get(settlement.id)
        if known is None:
            known = mentions[settlement.id] = PlaceMention(
                settlement, match.surface, match.start, match.end, confidence, count=0,
                best_role=match.role, candidates=close,
            )  # fmt: skip
        known.count += 1
        if confidence > known.confidence:
            known.confidence, known.candidates = confidence, close
        known.best_role = max(known.best_role, match.role, key=ROLE_WEIGHT.__getitem__)
        if place.kind == "neighbourhood" and known.neighbourhood is None:
            known.neighbourhood = place
    if not mentions:
        return []
    title_ids = {gazetteer.parent(found[0]).id for found in map(place_of, title_matches) if found}
    ordered = sorted(mentions.values(), key=lambda m: m.start)
    first = ordered[0].start

    towns = [m.place for m in ordered if m.place.is_town or m.place.is_municipal_centre]

    def located_by_a_town(mention: PlaceMention) -> bool:
        """A village named beside the town near it ("Овощник край Казанлък"): news names
        the town to say where the village is, and the village is where it happens."""
        place = mention.place
        if place.is_town or place.is_municipal_centre:
            return False
        return any(
            abs(town.lat - place.lat) < 0.25  # ~28 km: most towns are farther, skip the sums
            and distance_km(place, town) <= NEAR_TOWN_KM
            for town in towns
            if town.id != place.id
        )

    def weight(mention: PlaceMention) -> float:
        return (
            (SPECIFIC_BONUS if located_by_a_town(mention) else 0.0)
            + mention.count
            + (4.0 if mention.place.id in title_ids else 0.0)
            + (1.0 if mention.start < LEAD_CHARS else 0.0)
            + (1.0 if mention.start == first else 0.0)
            + ROLE_WEIGHT[mention.best_role]
            + mention.confidence
        )

    max(ordered, key=weight).primary = True
    return ordered
