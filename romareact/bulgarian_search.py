"""Full-text search that finds the forms of a Bulgarian word.

SQLite's tokenizer matches words exactly: "роми" missed "ромите", "махала" missed "махалата".
Rather than stemming the index (which every writer of the tables and every copy of a
snapshot would then need), the query is widened: each word of a search becomes "any word in
the index with the same stem", read from the index's own vocabulary (an `fts5vocab` table,
created per connection in the temp schema, so no database changes). The index stays exact,
so a downloaded snapshot searches as before, and exact matches can be ranked first.

Stems come from BulStem (Nakov 2003; the `bulstem` package, its `stem-context-1` rules),
with one addition of ours: a relational adjective in -ски (ромски, ромската) is folded to the
stem of what is left without the suffix (ром), as "роми" should find "ромски". BulStem alone
maps it to "ромс".

Query syntax, without a syntax lesson: words are ANDed; `"a phrase"` stays a phrase; a word
ending in `*` is a prefix (ром* finds ром, роман, ромски...).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from functools import cache, lru_cache

from bulstem.stem import BulStemmer

# Relational adjectives: the suffix and its endings (gender, number, article).
_ADJECTIVE = re.compile(r"(ски|ска|ско|ския|ският|ската|ското|ските)$")
_QUERY_PARTS = re.compile(r'"[^"]*"|\S+')
_WORD = re.compile(r"\w+", re.UNICODE)
MIN_STEMMED = 3  # shorter words are matched as written: their stems say little
MAX_VOCABULARY = 3000  # index words read per query word, at most
MAX_FORMS = 100  # forms of one word put in the query, at most


@cache
def _stemmer() -> BulStemmer:
    return BulStemmer.from_file("stem-context-1", min_freq=2, left_context=2)


# The definite article and what the word is without it: жената -> жена, селото -> село,
# ромите -> роми, общността -> общност, кметът -> кмет.
_ARTICLE = re.compile(
    "(?:(?<=[ая])та|(?<=[ое])то|(?<=[ие])те|ът|ят|(?<=[бвгджзклмнпрстфхцчшщ])та)$"
)


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if len(word) < MIN_STEMMED or not re.search("[а-яѝ]", word):
        return word
    base = _ADJECTIVE.sub("", word)
    if base != word and len(base) >= MIN_STEMMED:
        word = base
    return _stemmer().stem(word)


@lru_cache(maxsize=200_000)
def search_keys(word: str) -> frozenset[str]:
    """The keys words are matched on: BulStem's stem of the word, and of the word without
    its definite article (BulStem stems община and общината apart), adjectives in -ски
    folded to their noun's stem. Two words are forms of one when they share a key."""
    word = word.lower()
    keys = {_stem(word)}
    bare = _ARTICLE.sub("", word)
    if bare != word and len(bare) >= MIN_STEMMED:
        keys.add(_stem(bare))
    return frozenset(keys)


def search_key(word: str) -> str:
    """One key of the word: its stem without the article (for prefixes and tests)."""
    return min(search_keys(word), key=len)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def exact_expression(query: str) -> str:
    """The query with every word as written: what Datasette's own escape_fts does."""
    parts = [part.strip('"') for part in _QUERY_PARTS.findall(query)]
    return " ".join(_quoted(part.rstrip("*")) for part in parts if part.strip("*"))


def search_expression(
    query: str, vocabulary: Callable[[str], list[str]] | None, keys=search_keys
) -> str:
    """An FTS5 query matching every word of `query` in any of its forms found in the index.

    `vocabulary(prefix)` lists index terms starting with prefix (None: exact words only);
    `keys(word)` says which words are forms of one: those sharing a key (another stemmer,
    for benchmarks).
    """
    clauses = []
    for part in _QUERY_PARTS.findall(query):
        if part.startswith('"'):
            phrase = part.strip('"').strip()
            if phrase:
                clauses.append(_quoted(phrase))
            continue
        if part.endswith("*") and part.strip("*"):
            words = _WORD.findall(part.rstrip("*").lower())
            if words:  # the prefix applies to the last word of what was typed
                clauses.append(" ".join([*map(_quoted, words[:-1]), _quoted(words[-1]) + "*"]))
            continue
        for word in _WORD.findall(part.lower()):
            forms = _forms(word, vocabulary, keys)
            clauses.append(forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")")
    # Nothing to look for (only punctuation): an empty phrase, which matches nothing.
    return " AND ".join(clauses) or '""'


def _forms(word: str, vocabulary, keys_of) -> list[str]:
    """The word itself, then the index's other words sharing a key with it."""
    forms = [word]
    keys = keys_of(word)
    if vocabulary is not None and len(word) >= MIN_STEMMED:
        # A rule may change a stem's last letter (BulStem replaces endings): one letter less.
        shortest = min(keys, key=len)
        prefix = shortest if len(shortest) <= MIN_STEMMED else shortest[:-1]
        for term in vocabulary(prefix):
            if term != word and keys_of(term) & keys:
                forms.append(term)
                if len(forms) >= MAX_FORMS:
                    break
    return [_quoted(form) for form in forms]


def vocabulary_reader(conn: sqlite3.Connection, vocab_table: str) -> Callable[[str], list[str]]:
    """Index terms by prefix, from an fts5vocab table (a range read, not a scan)."""

    def read(prefix: str) -> list[str]:
        rows = conn.execute(
            f"select term from {vocab_table} where term >= ? and term < ? limit ?",
            [prefix, prefix + "\U0010ffff", MAX_VOCABULARY],
        )
        return [row[0] for row in rows]

    return read


# The full-text table of each database that has one, and its vocabulary in the temp schema.
FTS_TABLES = {"public": "events_fts", "newsroom": "items_fts"}


def prepare_search(conn: sqlite3.Connection, fts_table: str) -> None:
    """On one connection: the vocabulary table, and the SQL functions that widen a search.

    escape_fts(q) replaces Datasette's function of that name (table pages' `_search` call
    it); romareact_search(q) is the same for our own queries, romareact_exact(q) the query
    with every word as written (to rank exact matches first).
    """
    exists = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [fts_table]
    ).fetchone()
    vocabulary = None
    if exists:
        vocab_table = f"temp.{fts_table}_vocab"
        conn.execute(
            f"create virtual table if not exists {vocab_table} "
            f"using fts5vocab(main, {fts_table}, row)"
        )
        vocabulary = vocabulary_reader(conn, vocab_table)

    def widened(query):
        return search_expression(query or "", vocabulary)

    conn.create_function("escape_fts", 1, widened)
    conn.create_function("romareact_search", 1, widened)
    conn.create_function(
        "romareact_exact", 1, lambda q: exact_expression(q or "") or '""', deterministic=True
    )
