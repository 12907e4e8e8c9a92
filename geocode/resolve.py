"""Choosing one place per name (namesakes) and the primary place of a text."""

from __future__ import annotations

from dataclasses import dataclass

from geocode.gazetteer import Gazetteer, Place, distance_km, normalise_name
from geocode.toponyms import Cues, NameMatch, find_cues, find_names

LEAD_CHARS = 400  # where news puts the place of the main event


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
    after_marker: bool = False
    only_as_landmark: bool = True

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
        return entry


def _score(candidate: Place, cues: Cues, anchors: list[Place]) -> float:
    score = candidate.prominence()
    if candidate.province_code in cues.provinces:
        score += 3.0
    if candidate.municipality and normalise_name(candidate.municipality) in cues.municipalities:
        score += 4.0
    nearest = min(
        (distance_km(candidate, a) for a in anchors if a.id != candidate.id), default=None
    )
    if nearest is not None:
        score += 2.0 if nearest <= 30 else 1.0 if nearest <= 60 else 0.0
    return score


def _resolve(match: NameMatch, cues: Cues, anchors: list[Place]) -> tuple[Place, float]:
    candidates = match.candidates
    base = 0.9 if match.after_marker else 0.8
    if len(candidates) == 1:
        return candidates[0], base
    ranked = sorted(candidates, key=lambda c: _score(c, cues, anchors), reverse=True)
    margin = _score(ranked[0], cues, anchors) - _score(ranked[1], cues, anchors)
    # A thin margin means the text did not decide: say so with a low confidence.
    confidence = min(base, 0.35 + margin / 5)
    return ranked[0], max(confidence, 0.2)


def find_places(text: str, gazetteer: Gazetteer, title: str | None = None) -> list[PlaceMention]:
    """Distinct settlements mentioned in `text`, in order of first mention, one marked primary."""
    context = f"{title}\n{text}" if title else text
    cues = find_cues(context, gazetteer)
    matches = find_names(text, gazetteer)
    title_matches = find_names(title, gazetteer) if title else []
    anchors = [m.candidates[0] for m in [*matches, *title_matches] if len(m.candidates) == 1]
    mentions: dict[str, PlaceMention] = {}
    for match in matches:
        place, confidence = _resolve(match, cues, anchors)
        known = mentions.get(place.id)
        if known is None:
            known = mentions[place.id] = PlaceMention(
                place, match.surface, match.start, match.end, confidence
            )
        else:
            known.count += 1
            known.confidence = max(known.confidence, confidence)
        known.after_marker |= match.after_marker
        known.only_as_landmark &= match.after_near
    if not mentions:
        return []
    title_ids = {_resolve(m, cues, anchors)[0].id for m in title_matches}

    def weight(mention: PlaceMention) -> float:
        return (
            mention.count
            + (3.0 if mention.place.id in title_ids else 0.0)
            + (1.5 if mention.start < LEAD_CHARS else 0.0)
            + mention.confidence
            + (0.5 if mention.after_marker else 0.0)
            - (2.0 if mention.only_as_landmark else 0.0)
        )

    ordered = sorted(mentions.values(), key=lambda m: m.start)
    max(ordered, key=weight).primary = True
    return ordered
