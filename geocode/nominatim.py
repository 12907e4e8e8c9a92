"""An optional Nominatim fallback for names the gazetteer lacks: cached, at most 1 request/s.

Off by default: the product works offline. Enable it per call (`romareact places search
--nominatim`) for a deployment with internet, and give a contact in ROMAREACT_CONTACT as
the Nominatim usage policy asks.
"""

from __future__ import annotations

import json
import os

import sqlite_utils
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location

from romareact import __version__
from romareact.db import utcnow, write_transaction

PROVIDER = "nominatim"
DEFAULT_DOMAIN = "nominatim.openstreetmap.org"


def user_agent() -> str:
    contact = os.environ.get("ROMAREACT_CONTACT", "").strip()
    return f"romareact/{__version__}" + (f" ({contact})" if contact else "")


class NominatimFallback:
    """Geocode single queries with Nominatim, limited to Bulgaria, cached in the newsroom."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        domain: str = DEFAULT_DOMAIN,
        scheme: str = "https",
        min_delay_seconds: float = 1.0,
        timeout: float = 10,
    ):
        self.db = db
        self.client = Nominatim(
            user_agent=user_agent(), domain=domain, scheme=scheme, timeout=timeout
        )
        # The public service allows one request per second; the limiter waits between calls.
        self._geocode = RateLimiter(
            self.client.geocode, min_delay_seconds=min_delay_seconds, max_retries=1
        )

    def geocode(self, query: str) -> Location | None:
        cached = self.db.execute(
            "select response from geocode_cache where provider = ? and query = ?",
            [PROVIDER, query],
        ).fetchone()
        if cached is not None:
            return _location(json.loads(cached[0]))
        location = self._geocode(query, exactly_one=True, country_codes="bg", language="bg")
        raw = (
            None
            if location is None
            else {
                "address": location.address,
                "lat": location.latitude,
                "lon": location.longitude,
                "raw": location.raw,
            }
        )
        with write_transaction(self.db):
            self.db["geocode_cache"].upsert(
                {
                    "provider": PROVIDER,
                    "query": query,
                    "response": json.dumps(raw, ensure_ascii=False),
                    "fetched_at": utcnow(),
                },
                pk=("provider", "query"),
            )
        return _location(raw)


def _location(raw: dict | None) -> Location | None:
    if raw is None:
        return None
    return Location(raw["address"], (raw["lat"], raw["lon"], 0.0), raw["raw"])
