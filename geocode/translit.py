"""Bulgarian Cyrillic to Latin, by the official Streamlined System (2009 Transliteration Act)."""

_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}  # fmt: skip


def to_latin(text: str) -> str:
    """Transliterate Bulgarian Cyrillic; other characters pass through unchanged."""
    out = []
    for index, char in enumerate(text):
        lower = char.lower()
        # The law spells a word-final "ия" as "ia" (София -> Sofia).
        if lower == "я" and index > 0 and text[index - 1].lower() == "и":
            following = text[index + 1 : index + 2]
            latin = "a" if not following.isalpha() else "ya"
        else:
            latin = _LETTERS.get(lower)
        if latin is None:
            out.append(char)
        elif char != lower:
            out.append(latin[0].upper() + latin[1:])
        else:
            out.append(latin)
    return "".join(out)
