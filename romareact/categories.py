"""Event categories: the fixed list editors choose from, and a keyword suggestion."""

from __future__ import annotations

import re
import tomllib
from functools import cache

from romareact.paths import shipped_data

# id -> (Bulgarian label, English label); the order is the order shown to users.
CATEGORIES: dict[str, tuple[str, str]] = {
    "education": ("Образование", "Education"),
    "housing": ("Жилища и изселвания", "Housing and evictions"),
    "health": ("Здраве", "Health"),
    "employment": ("Заетост", "Employment"),
    "discrimination": ("Дискриминация и слово на омразата", "Discrimination and hate speech"),
    "policing": ("Полиция и правосъдие", "Policing and justice"),
    "politics": ("Политическо участие", "Political participation"),
    "culture": ("Култура", "Culture"),
    "programmes": ("Европейски и общински програми", "EU and municipal programmes"),
}

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@cache
def _lexicon() -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
    """Per category: exact words, and stems (written with a trailing '*')."""
    with open(shipped_data() / "lexicons" / "categories.toml", "rb") as handle:
        raw = tomllib.load(handle)
    unknown = set(raw) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"categories.toml names unknown categories: {sorted(unknown)}")
    lexicon = {}
    for category in CATEGORIES:
        words = raw.get(category, {}).get("words", [])
        exact = frozenset(w for w in words if not w.endswith("*"))
        stems = tuple(w[:-1] for w in words if w.endswith("*"))
        lexicon[category] = (exact, stems)
    return lexicon


def suggest_category(text: str | None) -> str | None:
    """The category whose words the text uses most, or None when it uses none."""
    words = _WORD.findall((text or "").lower())
    best, best_hits = None, 0
    for category, (exact, stems) in _lexicon().items():
        hits = sum(1 for w in words if w in exact or w.startswith(stems))
        if hits > best_hits:
            best, best_hits = category, hits
    return best
