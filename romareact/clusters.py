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


def find_cluster(
    db: sqlite_utils.Database, item_id: str, text: str | None
) -> tuple[str | None, list[int]]:
    """The cluster the item's text joins and its sketch ((None, []): too short to tell)."""
    if not text or len(_WORD.findall(text)) < MIN_WORDS:
        return None, []
    mine = sketch(text)
    minima = mine[:INDEXED_MINIMA]
    marks = ",".join("?" for _ in minima)
    candidates = db.execute(
        f"""select items.id, items.sketch, items.cluster_id from items
            where items.id in (select item_id from item_minima where hash in ({marks}))
              and items.id != ? limit 50""",
        [*minima, item_id],
    ).fetchall()
    best, best_score = None, SAME_STORY
    for other_id, other_sketch, other_cluster in candidates:
        score = similarity(mine, json.loads(other_sketch or "[]"))
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
