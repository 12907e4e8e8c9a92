"""Benchmark: placing and relevance on the shared set of real news, before and after.

    python -m benchmarks.geoparse_real [--baseline DIR] [--errors] [--folds 5] [--seconds N]

Reads `../shared/data/news-real-dev/` (or ROMAREACT_REAL_SET) and scores with that set's own
`score.py`, so the benchmark and the set's authors apply one rule. Prints the figures for all
texts, per subset, per language and per fold (texts split by a hash of their id), beside the
same figures for the code checked out in `--baseline DIR` (main, say), run in a subprocess in
the same run. `--errors` lists the remaining mistakes grouped by class.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
REAL_SET = Path(os.environ.get("ROMAREACT_REAL_SET", SHARED / "news-real-dev"))
GAZETTEER_FILE = SHARED / "geonames-postal-BG.txt"
ARTICLES = "articles.jsonl"
COLUMNS = ("P", "R", "namesake", "primary", "rel P", "rel R", "n")
# Runs inside the baseline checkout: its own gazetteer build and analyser, predictions out.
BASELINE_SCRIPT = """
import json, sys
from pathlib import Path
from benchmarks.geoparse import build_gazetteer
from romareact.analysis import Analyzer
gazetteer, _, _ = build_gazetteer(Path(sys.argv[1]))
analyzer = Analyzer(gazetteer)
for line in open(sys.argv[2], encoding="utf-8"):
    record = json.loads(line)
    print(json.dumps(analyzer.analyze(record["text"], record.get("title")).as_dict(record["id"])))
"""


def load_scorer(directory: Path = REAL_SET):
    """The set's own score.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("real_set_score", directory / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_gold(directory: Path = REAL_SET) -> dict[str, dict]:
    with open(directory / ARTICLES, encoding="utf-8") as handle:
        return {g["id"]: g for g in map(json.loads, filter(str.strip, handle))}


def fold_of(item_id: str, folds: int) -> int:
    """A stable fold for a text: the same split in every run and on every machine."""
    return int(hashlib.sha1(item_id.encode()).hexdigest(), 16) % folds


def predict(gold: dict[str, dict], gazetteer_file: Path = GAZETTEER_FILE) -> dict[str, dict]:
    """This checkout's predictions for every text of the set."""
    from benchmarks.geoparse import build_gazetteer
    from romareact.analysis import Analyzer

    gazetteer, _, _ = build_gazetteer(gazetteer_file)
    analyzer = Analyzer(gazetteer)
    return {
        item_id: analyzer.analyze(g["text"], g.get("title")).as_dict(item_id)
        for item_id, g in gold.items()
    }


def predict_baseline(checkout: Path, gazetteer_file: Path) -> dict[str, dict]:
    """The predictions of another checkout (main), from a subprocess run in it."""
    result = subprocess.run(
        [sys.executable, "-c", BASELINE_SCRIPT, str(gazetteer_file), str(REAL_SET / ARTICLES)],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        check=True,
    )
    lines = (json.loads(line) for line in result.stdout.splitlines() if line.strip())
    return {p["id"]: p for p in lines}


def figures(scorer, gold: dict, pred: dict) -> dict:
    s = scorer.score(gold, pred)
    return {
        "P": s["precision"],
        "R": s["recall"],
        "namesake": s["resolution_acc"],
        "primary": s["primary_acc"],
        "rel P": s["relevance"]["precision"],
        "rel R": s["relevance"]["recall"],
        "n": len(gold),
    }


def groups(gold: dict, folds: int) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(dict)
    for item_id, g in gold.items():
        out["all"][item_id] = g
        out[f"subset {g['subset']}"][item_id] = g
        out[f"lang {g['lang']}"][item_id] = g
        if folds > 1:
            out[f"fold {fold_of(item_id, folds) + 1}/{folds}"][item_id] = g
    return dict(sorted(out.items(), key=lambda kv: (kv[0] != "all", kv[0])))


def table(scorer, gold: dict, runs: dict[str, dict], folds: int) -> list[str]:
    lines = [f"{'texts':<22}{'run':<10}" + "".join(f"{c:>10}" for c in COLUMNS)]
    for label, subset in groups(gold, folds).items():
        for run, pred in runs.items():
            row = figures(scorer, subset, pred)
            cells = "".join(f"{row[c]:>10}" if c == "n" else f"{row[c]:>10.3f}" for c in COLUMNS)
            lines.append(f"{label:<22}{run:<10}{cells}")
    return lines


def _norm(name: str) -> str:
    return " ".join(name.replace("ё", "е").casefold().split())


def _neutral(g: dict) -> set[str]:
    """Names score.py neither rewards nor punishes: a quarter's city, a municipality, a
    province's centre."""
    names = {_norm(d.get("settlement_name") or "") for d in g.get("districts", [])}
    names |= {_norm(m) for m in g.get("municipalities_mentioned", []) if isinstance(m, str)}
    provinces = [x for x in g.get("provinces_mentioned", []) if isinstance(x, str)]
    return names | {_norm(x.replace("област", "")) for x in provinces}


def error_classes(gold: dict, pred: dict) -> dict[str, list[str]]:
    """The remaining mistakes, grouped by a coarse class (what to work on next)."""
    out: dict[str, list[str]] = defaultdict(list)
    for item_id, g in gold.items():
        p = pred.get(item_id, {"places": []})
        gold_names = {_norm(x["name"]): x for x in g["places"] if x.get("lat") is not None}
        predicted = {_norm(x["name"]): x for x in p["places"]}
        quarters = {_norm(d.get("name", "")) for d in g.get("districts", [])}
        distractors = {_norm(d.get("string", "")) for d in g.get("distractors", [])}
        neutral = _neutral(g)
        for name, x in predicted.items():
            if name in gold_names:
                y = gold_names[name]
                if abs(x["lat"] - y["lat"]) + abs(x["lon"] - y["lon"]) > 0.12:
                    out["wrong namesake"].append(f"{item_id}: {x['name']} ({x['province']})")
            elif name not in neutral:
                kind = (
                    "quarter taken for a village"
                    if name in quarters
                    else (
                        "listed distractor" if _norm(x["surface"]) in distractors else "other extra"
                    )
                )
                out[f"extra: {kind}"].append(f"{item_id}: {x['name']} as {x['surface']!r}")
        for name, y in gold_names.items():
            if name not in predicted:
                surface = (y.get("surfaces") or [y["name"]])[0]
                kind = (
                    "Latin script"
                    if surface.isascii()
                    else (
                        "derived or lower case"
                        if surface[:1].islower()
                        else "foreign Cyrillic"
                        if g["lang"] != "bg"
                        else "other"
                    )
                )
                out[f"missed: {kind}"].append(f"{item_id}: {y['name']} as {surface!r}")
        if g.get("roma_related") != p.get("roma_related"):
            out["relevance"].append(f"{item_id} ({g['lang']}): gold {g.get('roma_related')}")
        gprim = [y for y in g["places"] if y.get("role") == "primary" and y.get("lat") is not None]
        pprim = [x for x in p["places"] if x.get("primary")] or p["places"][:1]
        if gprim and not (pprim and _norm(pprim[0]["name"]) in {_norm(y["name"]) for y in gprim}):
            said = pprim[0]["name"] if pprim else "-"
            out["primary"].append(f"{item_id}: {said} (gold {gprim[0]['name']})")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout to compare with (e.g. main)")
    parser.add_argument("--gazetteer", type=Path, default=GAZETTEER_FILE)
    parser.add_argument("--folds", type=int, default=5, help="figures per fold (1: none)")
    parser.add_argument("--errors", action="store_true", help="list the mistakes by class")
    parser.add_argument("--save", type=Path, help="write this checkout's predictions here")
    args = parser.parse_args(argv)
    if not (REAL_SET / "articles.jsonl").exists():
        sys.exit(f"the real set is not at {REAL_SET} (set ROMAREACT_REAL_SET)")
    scorer = load_scorer()
    gold = load_gold()
    runs = {}
    if args.baseline:
        runs["before"] = predict_baseline(args.baseline, args.gazetteer)
    start = time.perf_counter()
    runs["after"] = predict(gold, args.gazetteer)
    seconds = time.perf_counter() - start
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            for p in runs["after"].values():
                out.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"real set: {REAL_SET}: {len(gold)} texts; gazetteer {args.gazetteer.name}")
    print(f"gazetteer build + analysis of the set: {seconds:.2f} s")
    print("\n".join(table(scorer, gold, runs, args.folds)))
    if args.errors:
        for kind, items in sorted(error_classes(gold, runs["after"]).items()):
            print(f"\n{kind} ({len(items)})")
            for item in items:
                print(f"  {item}")


if __name__ == "__main__":
    main()
