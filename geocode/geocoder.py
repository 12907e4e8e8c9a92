"""A geopy-compatible offline geocoder over the gazetteer."""

from __future__ import annotations

from geopy.location import Location

from geocode.gazetteer import Gazetteer, Place, normalise_name


class Geocoder:
    """Answers single place-name queries like geopy's geocoders, without the network.

    ``geocode("Китен, Бургас")`` narrows namesakes by a province given after a comma.
    """

    def __init__(self, gazetteer: Gazetteer, fallback=None):
        """`fallback`: asked for names the gazetteer lacks (e.g. a NominatimFallback)."""
        self.gazetteer = gazetteer
        self.fallback = fallback

    def _location(self, place: Place) -> Location:
        town = self.gazetteer.parent(place).name if place.parent_id else place.municipality
        address = ", ".join(x for x in (place.name, town, place.province) if x)
        raw = {"id": place.id, "kind": place.kind, "province": place.province}
        return Location(address, (place.lat, place.lon, 0.0), raw)

    def geocode(self, query: str, exactly_one: bool = True) -> Location | list[Location] | None:
        name, _, qualifier = (part.strip() for part in query.partition(","))
        candidates = [
            *self.gazetteer.candidates(name),
            *self.gazetteer.quarters.get(normalise_name(name), []),
        ]
        if qualifier:
            wanted = qualifier.lower()
            narrowed = [
                c
                for c in candidates
                if wanted
                in {
                    (c.province or "").lower(),
                    (c.municipality or "").lower(),
                    self.gazetteer.parent(c).name.lower(),
                }
            ]
            candidates = narrowed or candidates
        if not candidates:
            if self.fallback is None:
                return None
            found = self.fallback.geocode(query)
            return found if exactly_one or found is None else [found]
        ranked = sorted(candidates, key=Place.prominence, reverse=True)
        if exactly_one:
            return self._location(ranked[0])
        return [self._location(place) for place in ranked]
