"""Publication dates: normalised to UTC where possible, the raw value always kept.

News sites give dates in every shape: RFC 822 in feeds, ISO 8601 in page metadata, bare
dates, local times without a zone (Bulgarian sites mean Europe/Sofia), and sometimes
nonsense or the future. A date that cannot be trusted is flagged, not guessed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from zoneinfo import ZoneInfo

SOFIA = ZoneInfo("Europe/Sofia")
FUTURE_TOLERANCE = dt.timedelta(hours=12)  # clocks and time zones of small sites drift


def normalise_date(
    raw: str | None, now: dt.datetime | None = None
) -> tuple[str | None, str | None]:
    """(published, flag): ISO 8601 in UTC (or YYYY-MM-DD for a bare date) and a flag,
    one of None, "missing", "unparseable" or "future"."""
    now = now or dt.datetime.now(dt.UTC)
    if raw is None or not str(raw).strip():
        return None, "missing"
    text = str(raw).strip()
    moment = _parse(text)
    if moment is None:
        return None, "unparseable"
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=SOFIA)
        moment = moment.astimezone(dt.UTC)
        if moment > now + FUTURE_TOLERANCE:
            return None, "future"
        return moment.replace(microsecond=0).isoformat(), None
    if moment > (now + FUTURE_TOLERANCE).date():
        return None, "future"
    return moment.isoformat(), None


def _parse(text: str) -> dt.datetime | dt.date | None:
    try:
        if len(text) == 10 and text[4] == "-":
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)  # RFC 822, as in RSS
    except (TypeError, ValueError, IndexError):
        return None
