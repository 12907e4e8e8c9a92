"""Benchmark: recall and precision of Bulgarian full-text search on real news texts.

    python -m benchmarks.bulgarian_search [--data ../shared/data/news-real-dev] [--events N]

Indexes the texts of the shared real news set (130 articles) in SQLite FTS5 and runs, for
each query word, every way of searching we weighed:

- exact: SQLite's unicode61 tokenizer with the words as typed (Datasette's default, the
  baseline);
- trigram: SQLite's trigram tokenizer (substring match);
- bulstem: the index's words with BulStem's stem of the query word (stem-context-1);
- ours: BulStem with and without the definite article, adjectives in -ски folded to their
  noun (romareact.bulgarian_search);
- simplemma: the index's words with the query word's simplemma lemma (when installed).

A text is relevant to a query when it holds one of the forms listed for its word below
(inflections and the relational adjective: our own lists; "роман" is not a form of "роми").
Precision: relevant texts among those found; recall: found among the relevant ones. Totals
are micro-averaged over all queries. With --events N it also times a search on N synthetic
public events (benchmarks/synthetic.py): the words as typed (the baseline) and widened to
their forms, the widening included. By form, the rum (ром) and the club АС „Рома“ count:
the line "not about Roma" says how many texts found by "роми" the set labels not Roma-related.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from pathlib import Path

from bulstem.stem import BulStemmer

from romareact.bulgarian_search import (
    exact_expression,
    search_expression,
    search_keys,
    vocabulary_reader,
)

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "news-real-dev"
_WORD = re.compile(r"\w+")

ADJECTIVE_ENDINGS = ("ски", "ска", "ско", "ския", "ският", "ската", "ското", "ските")
# Query word -> its forms (the first is the dictionary form).
LEXEMES = {
    "роми": ["ром", "рома", "ромът", "роми", "ромите", "ромка", "ромки", "ромките", "ромкиня",
             "ромкини", "ромче", "ромчета"] + ["ром" + e for e in ADJECTIVE_ENDINGS],
    "махала": ["махала", "махалата", "махали", "махалите"]
              + ["махал" + e for e in ADJECTIVE_ENDINGS],
    "училище": ["училище", "училището", "училища", "училищата", "училищен", "училищна",
                "училищно", "училищния", "училищният", "училищната", "училищното", "училищните"],
    "кмет": ["кмет", "кмета", "кметът", "кметове", "кметовете"]
            + ["кмет" + e for e in ADJECTIVE_ENDINGS],
    "село": ["село", "селото", "села", "селата"] + ["сел" + e for e in ADJECTIVE_ENDINGS],
    "дете": ["дете", "детето", "деца", "децата"] + ["дет" + e for e in ADJECTIVE_ENDINGS],
    "жилище": ["жилище", "жилището", "жилища", "жилищата", "жилищен", "жилищна", "жилищно",
               "жилищния", "жилищният", "жилищната", "жилищното", "жилищните"],
    "полиция": ["полиция", "полицията", "полицейски", "полицейска", "полицейско",
                "полицейския", "полицейският", "полицейската", "полицейското", "полицейските"],
    "община": ["община", "общината", "общини", "общините"]
              + ["общин" + e for e in ADJECTIVE_ENDINGS],
    "къща": ["къща", "къщата", "къщи", "къщите"],
    "семейство": ["семейство", "семейството", "семейства", "семействата", "семеен", "семейна",
                  "семейно", "семейния", "семейната", "семейното", "семейните"],
    "общност": ["общност", "общността", "общности", "общностите"],
}  # fmt: skip
# Each word is searched as its dictionary form and as one inflected form.
QUERIES = [(lexeme, form) for lexeme, forms in LEXEMES.items() for form in (forms[0], forms[1])]
QUERIES[0] = ("роми", "роми")  # the issue's own example, in place of "ром"
QUERIES.insert(1, ("роми", "ромите"))


def load_articles(data: Path) -> list[dict]:
    with open(data / "articles.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def index(texts: list[str], tokenizer: str) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"create virtual table docs using fts5(text, tokenize='{tokenizer}')")
    conn.executemany("insert into docs(rowid, text) values (?, ?)", enumerate(texts, 1))
    conn.execute("create virtual table temp.docs_vocab using fts5vocab(main, docs, row)")
    return conn


def search(conn: sqlite3.Connection, expression: str) -> set[int]:
    return {row[0] for row in conn.execute("select rowid from docs where docs match ?",
                                           [expression])}  # fmt: skip


def methods():
    bulstem = BulStemmer.from_file("stem-context-1", min_freq=2, left_context=2)
    chosen = {
        "exact": lambda conn, word: exact_expression(word),
        "trigram": None,  # its own index
        "bulstem": lambda conn, word: search_expression(
            word, vocabulary_reader(conn, "temp.docs_vocab"), keys=lambda w: {bulstem.stem(w)}
        ),
        "ours": lambda conn, word: search_expression(
            word, vocabulary_reader(conn, "temp.docs_vocab"), keys=search_keys
        ),
    }
    try:
        import simplemma
    except ImportError:
        print("simplemma not installed: its row is left out", file=sys.stderr)
    else:
        chosen["simplemma"] = lambda conn, word: search_expression(
            word,
            vocabulary_reader(conn, "temp.docs_vocab"),
            keys=lambda w: {simplemma.lemmatize(w, lang="bg")},
        )
    return chosen


SPEED_WORDS = ["градина", "водопровода", "жилища", "прегледи", "младежи", "ремонт", "среща",
               "роми", "махалата", "училище", "ром*"]  # fmt: skip


def time_searches(events: int) -> None:
    """Median and worst time of a count of matching events, exact and widened."""
    import statistics
    import tempfile

    from benchmarks.synthetic import fill_public_database
    from romareact.bulgarian_search import prepare_search

    with tempfile.TemporaryDirectory() as folder:
        public = fill_public_database(Path(folder) / "public.db", events)
        conn = public.conn
        prepare_search(conn, "events_fts")
        sql = ("select count(*) from events where rowid in "
               "(select rowid from events_fts where events_fts match {})")  # fmt: skip
        print(f"\n{events} synthetic events: ms per search (median / max of 5 runs per word)")
        for word in SPEED_WORDS:
            cells = []
            for function in ("romareact_exact", "escape_fts"):
                runs, count = [], 0
                for _ in range(5):
                    start = time.perf_counter()
                    count = conn.execute(sql.format(f"{function}(?)"), [word]).fetchone()[0]
                    runs.append(1000 * (time.perf_counter() - start))
                cells.append(f"{statistics.median(runs):7.1f} / {max(runs):6.1f} ({count:>6})")
            print(f"{word:<14} exact {cells[0]}   widened {cells[1]}")
        public.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--events", type=int, help="also time searches on N synthetic events")
    args = parser.parse_args(argv)
    if not (args.data / "articles.jsonl").exists():
        print(f"needs the shared real news set at {args.data}", file=sys.stderr)
        return 2
    articles = load_articles(args.data)
    texts = [article["text"] for article in articles]
    not_roma = {n for n, article in enumerate(articles, 1) if not article["roma_related"]}
    traps = {}
    words = [set(_WORD.findall(text.lower())) for text in texts]
    plain, trigram = index(texts, "unicode61"), index(texts, "trigram")
    chosen = methods()
    totals = {name: [0, 0, 0] for name in chosen}  # found & relevant, found, relevant
    seconds = dict.fromkeys(chosen, 0.0)
    print(f"{len(texts)} texts; precision / recall per query (found of relevant)\n")
    print(f"{'query':<14}{'relevant':>9}  " + "".join(f"{name:>17}" for name in chosen))
    for lexeme, query in QUERIES:
        forms = set(LEXEMES[lexeme])
        relevant = {n for n, seen in enumerate(words, 1) if seen & forms}
        cells = []
        for name, build in chosen.items():
            start = time.perf_counter()
            if name == "trigram":
                found = search(trigram, '"' + query + '"') if len(query) >= 3 else set()
            else:
                found = search(plain, build(plain, query))
            seconds[name] += time.perf_counter() - start
            if query == "роми":
                traps[name] = (len(found & not_roma), len(found))
            hits = len(found & relevant)
            totals[name][0] += hits
            totals[name][1] += len(found)
            totals[name][2] += len(relevant)
            precision = hits / len(found) if found else 1.0
            recall = hits / len(relevant) if relevant else 1.0
            cells.append(f"{precision:6.2f} / {recall:4.2f}".rjust(17))
        print(f"{query:<14}{len(relevant):>9}  " + "".join(cells))
    print(f"\n{'all (micro)':<23}" + "".join(
        f"{(t[0] / t[1] if t[1] else 1):6.2f} / {(t[0] / t[2] if t[2] else 1):4.2f}".rjust(17)
        for t in totals.values()
    ))  # fmt: skip
    print(f"{'роми: not about Roma':<23}" + "".join(
        f"{t[0]:>9} of {t[1]:>4}" for t in traps.values()
    ))  # fmt: skip
    print(f"{'ms per query':<23}" + "".join(
        f"{1000 * seconds[name] / len(QUERIES):17.2f}" for name in chosen
    ))  # fmt: skip
    if args.events:
        time_searches(args.events)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
