"""Offline placement of Bulgarian news: gazetteer, toponym detection, namesake resolution."""

from geocode.gazetteer import Gazetteer, Place
from geocode.geocoder import Geocoder
from geocode.resolve import PlaceMention, find_places

__all__ = ["Gazetteer", "Geocoder", "Place", "PlaceMention", "find_places"]
