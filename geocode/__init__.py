"""Offline placement of Bulgarian news: gazetteer, toponym detection, namesake resolution."""

from geocode.gazetteer import Gazetteer, Place
from geocode.resolve import PlaceMention, find_places

__all__ = ["Gazetteer", "Geocoder", "Place", "PlaceMention", "find_places"]


def __getattr__(name: str):
    # The geopy-compatible Geocoder loads geopy (and its HTTP adapters): only when asked for.
    if name == "Geocoder":
        from geocode.geocoder import Geocoder

        return Geocoder
    raise AttributeError(f"module 'geocode' has no attribute {name!r}")
