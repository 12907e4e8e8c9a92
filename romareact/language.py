"""The language of a news text: Bulgarian, its Cyrillic neighbours, and Latin-script languages.

Cyrillic text is told apart by letters Bulgarian lacks (fast, and on the real set as accurate
as a model); Latin-script text goes to py3langid (a well-kept port of langid.py), limited to
the languages European news about Roma is written in.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

_WORDS = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")
# Latin-script languages of European news (Serbian and Croatian Latin report as "hr"/"sr").
LATIN_LANGUAGES = [
    "en", "de", "fr", "it", "ro", "es", "pt", "nl", "pl", "cs", "sk", "sl", "hu", "hr", "sr",
    "tr", "sq", "el", "da", "sv", "fi",
]  # fmt: skip
MIN_MODEL_WORDS = 4
SAMPLE_CHARS = 1200  # enough text to tell; a long article costs no more
# Letters that occur in one Cyrillic language but not in Bulgarian.
_MACEDONIAN = set("ѓќѕјљњџ")
_SERBIAN = set("ђћјљњџ")
_RUSSIAN = set("ыэё")
_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "with", "on", "was", "are"},
    "ro": {"și", "şi", "în", "care", "pentru", "cu", "din", "este", "sunt", "la", "nu", "pe"},
    "sr": {"je", "da", "se", "na", "su", "za", "od", "koji", "kao", "ali", "što", "u"},
}


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or "und" when it cannot tell."""
    sample = text[:SAMPLE_CHARS].lower()
    words = _WORDS.findall(sample)
    # Counted over runs of letters, not letter by letter: the same sums, far fewer matches.
    letters = sum(map(len, words))
    if letters < 3:
        return "und"
    cyrillic = sum(map(len, _CYRILLIC.findall(sample)))
    if cyrillic / letters > 0.5:
        present = set(sample)
        if present & _MACEDONIAN - _SERBIAN or ("ѓ" in present or "ќ" in present):
            return "mk"
        if present & _SERBIAN:
            return "sr"
        if present & _RUSSIAN:
            return "ru"
        return "bg"
    if len(words) < MIN_MODEL_WORDS:  # too little for the model: a few telling words
        counts = Counter(words)
        scores = {lang: sum(counts[w] for w in stop) for lang, stop in _STOPWORDS.items()}
        best = max(scores, key=scores.get)
        return best if scores[best] >= 1 else "und"
    lang, _ = _identifier().classify(sample)
    return lang


@cache
def _identifier():
    """py3langid's model, loaded on first use (half a second; Bulgarian text never asks)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(LATIN_LANGUAGES)
    return identifier
