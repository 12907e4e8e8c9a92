"""romareact: Roma-related news, placed on a map of Bulgaria, curated and published."""

__version__ = "0.1.0"
