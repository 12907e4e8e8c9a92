"""Stories told by several outlets (wire copy, light rewrites) grouped into one cluster.

Each text gets a bottom-k sketch of its word 4-gram hashes; its smallest few hashes are
indexed, so texts that share them are found with one indexed query, then compared by the
Jaccard similarity the sketches estimate.
"""

from __future__ import annotations

import hashlib
import json
import re

import sqlite_utils

SHINGLE_WORDS = 4
SKETCH_SIZE = 64
INDEXED_MINIMA = 8
SAME_STORY = 0.4  # estimated Jaccard similarity of 4-gram sets; rewrites keep much of a wire
MIN_WORDS = 30  # too short to tell a story from a headline
CANDIDATES = 10  # sketches read and compared per new text
_WORD = re.compile(r"\w+")


def sketch(text: str) -> list[int]:
    """The SKETCH_SIZE smallest 63-bit hashes of the text's word 4-grams."""
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - 3)}
    hashes = {
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") >> 1
        for s in shingles
    }
    return sorted(hashes)[:SKETCH_SIZE]


def similarity(a: list[int], b: list[int]) -> float:
    """Bottom-k estimate of the Jaccard similarity of the two shingle sets."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:SKETCH_SIZE]
    shared = set(a) & set(b)
    return sum(1 for h in union if h in shared) / len(union)


def _at_least(mine: set[int], other: list[int], threshold: float) -> float:
    """similarity(mine, other) if it reaches threshold, else 0.0, without sorting the union
    when it cannot: at most len(shared) of the union's k smallest are shared."""
    shared = mine.intersection(other)
    k = min(SKETCH_SIZE, len(mine) + len(set(other)) - len(shared))
    if not k or len(shared) < threshold * k:
        return 0.0
    union = sorted(mine.union(other))[:SKETCH_SIZE]
    return sum(1 for h in union if h in shared) / len(union)


def find_cluster(
    db: sqlite_utils.Database, item_id: str, text: str | None
) -> tuple[str | None, list[int]]:
    """The cluster the item's text joins and its sketch ((None, []): too short to tell)."""
    if not text or len(_WORD.findall(text)) < MIN_WORDS:
        return None, []
    mine = sketch(text)
    minima = mine[:INDEXED_MINIMA]
    marks = ",".join("?" for _ in minima)
    # The items sharing the most indexed minima first: a retelling shares most of them, a
    # chance match one, and chance matches grow with the newsroom. Only the CANDIDATES
    # likeliest rows are read for their sketches (each a random page of items); more
    # retellings than that of one story are one cluster already.
    candidates = db.execute(
        f"""select items.id, items.sketch, items.cluster_id from
              (select item_id, count(*) as shared from item_minima
                where hash in ({marks}) and item_id != ?
                group by item_id order by shared desc limit {CANDIDATES}) as found
            join items on items.id = found.item_id
            order by found.shared desc""",
        [*minima, item_id],
    ).fetchall()
    best, best_score, mine_set = None, SAME_STORY, set(mine)
    for other_id, other_sketch, other_cluster in candidates:
        score = _at_least(mine_set, json.loads(other_sketch or "[]"), best_score)
        if score >= best_score:
            best, best_score = other_cluster or other_id, score
    return best or item_id, mine


def index_sketch(db: sqlite_utils.Database, item_id: str, mine: list[int]) -> None:
    """Replace the item's indexed minima (after the item row is written: they refer to it)."""
    db.execute("delete from item_minima where item_id = ?", [item_id])
    db.conn.executemany(
        "insert or ignore into item_minima (hash, item_id) values (?, ?)",
        [(h, item_id) for h in mine[:INDEXED_MINIMA]],
    )
