"""Benchmark: public Datasette latency at 100,000 events with 20 concurrent clients.

    python -m benchmarks.datasette_latency [--events 100000] [--clients 20] [--requests 400]
                                           [--workers 1,2] [--repeat 3] [--only NAME] [--gzip]

Fills a public database with synthetic events (benchmarks/synthetic.py), starts
`romareact serve` in its own process (as a user would), and measures p50/p95 latency of:
- the map data endpoint (/map/data/markers.js) and a popup chunk (/map/data/details/N.js),
- a faceted table page (/public/events with the default facets: province, category, year),
  filtered by category and province: 252 different pages,
- a full-text search (/public/events.json?_search=word&province=...), 400 different ones.
Passes per endpoint, the same URL list each time:
- "cold, 1 client": every URL for the first time, one at a time (the baseline);
- then for each worker count W (`romareact serve --workers W`), on a fresh server:
  "cold, N clients, W workers": every URL for the first time, N clients at once;
  "warm, N clients, W workers": the same URLs again (the public response cache answers).
With --gzip the clients ask for compressed responses, as browsers do (Accept-Encoding: gzip).

    python -m benchmarks.datasette_latency --load public [--events 1000000] [--workers 2]
                                           [--readers 200] [--researchers 20]

A realistic public load instead: a burst of --readers visitors at once, each asking for a few
pages drawn from the map and the 20 most popular views with Zipf's law (the first URL the most
often), beside --researchers clients each asking distinct faceted pages and searches that no
one asked before (cold). The popular pages have been asked once before the burst, as on a
server in use (--cold-popular: a burst on a freshly started server). The database comes from
benchmarks/scale_public.py (cached). Targets (issue 15): readers p95 <= 150 ms, researchers p95
<= 500 ms with --workers 2.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from benchmarks.synthetic import fill_public_database
from geocode.importers import embedded_places
from mapping.payload import CHUNK
from romareact.categories import CATEGORIES
from romareact.workspace import open_workspace
from tests.local_servers import romareact_serve, server_processes

_WORDS = [
    "градина", "водопровода", "жилища", "прегледи", "младежи", "осветление", "стипендиите",
    "регистрация", "заетост", "фестивал", "ремонт", "среща", "средства", "подписи", "кабинет",
]  # fmt: skip


def endpoint_urls(events: int, requests: int) -> dict[str, list[str]]:
    provinces = [p.name for p in embedded_places() if p.kind == "province"]
    quote = urllib.parse.quote
    tables = [
        f"/public/events?category={c}&province={quote(p)}" for p in provinces for c in CATEGORIES
    ]
    searches = [
        f"/public/events.json?_search={quote(w)}&province={quote(p)}"
        for p in provinces
        for w in _WORDS
    ]
    chunks = max(1, events // CHUNK)
    return {
        "map data (markers.js)": ["/map/data/markers.js"] * requests,
        "popup chunk": [f"/map/data/details/{i % chunks}.js" for i in range(requests)],
        "faceted table page": tables[:requests],
        "full-text search": searches[:requests],
    }


# What a map visitor's browser asks first (benchmarks/scale_public.py FIRST_VIEW) and the most
# visited public pages, most popular first.
def popular_urls() -> list[str]:
    from benchmarks.scale_public import FIRST_VIEW

    quote = urllib.parse.quote
    provinces = ["София-град", "Пловдив", "Варна", "Бургас", "Сливен", "Стара Загора"]
    return [
        "/map",
        "/map/data/markers.js",
        *FIRST_VIEW,
        "/public/events",
        "/",
        "/public",
        *(f"/public/events?province={quote(p)}" for p in provinces),
        "/feed.atom",
        "/cite",
        "/public/events?category=housing",
        "/public/events?category=education",
        f"/public/events?_search={quote('ремонт')}",
        "/public/events_per_province_per_year",
        "/public/events?_sort_desc=date&year=2025",
        f"/public/events.json?_search={quote('фестивал')}",
        "/map/events.geojson?category=health&province=" + quote("Сливен"),
        "/public/areas",
    ]


def zipf_paths(urls: list[str], count: int, rng: random.Random) -> list[str]:
    """`count` URLs drawn with Zipf's law (s = 1): the k-th asked 1/k as often as the first."""
    return rng.choices(urls, weights=[1 / (k + 1) for k in range(len(urls))], k=count)


def public_load(port: int, args) -> dict[str, tuple[list[float], list[str]]]:
    """Readers and researchers at once; latencies and errors of each group."""
    rng = random.Random(11)
    popular = popular_urls()
    kinds = {"pages": slice(2, 3), "searches": slice(3, 4), "both": slice(2, 4)}[args.research]
    cold = [u for pair in zip(*endpoint_urls(args.events, 10_000).values(), strict=False)
            for u in pair[kinds]]  # fmt: skip
    rng.shuffle(cold)
    headers = {"Accept-Encoding": "gzip"}
    groups = {
        "readers": [zipf_paths(popular, args.reads, rng) for _ in range(args.readers)],
        "researchers": [cold[k :: args.researchers][: args.reads] for k in range(args.researchers)],
    }
    results = {name: ([], []) for name in groups}
    start = threading.Barrier(args.readers + args.researchers)
    threads = []
    for name, clients in groups.items():
        latencies, errors = results[name]
        for paths in clients:
            threads.append(
                threading.Thread(
                    target=_client, args=(port, paths, latencies, errors, headers, start)
                )
            )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _public_load_main(args) -> None:
    from benchmarks.scale_public import public_data_dir

    data_dir = public_data_dir(args.events)
    workers = int(args.workers.split(",")[-1])
    print(f"{args.events} events, {workers} worker(s), {args.readers} readers and "
          f"{args.researchers} researchers, {args.reads} pages each", flush=True)  # fmt: skip
    targets = {"readers": 150, "researchers": 500}
    for run in range(args.repeat):
        with romareact_serve(data_dir, args=("--workers", str(workers)), timeout=300) as base:
            wait_until_idle(_port(base))
            if not args.cold_popular:
                # The burst meets a server that has been serving: each popular page asked once
                # before, as the steady stream of visitors does (in each worker, through the
                # shared response store).
                measure(_port(base), popular_urls() * workers, workers, {"Accept-Encoding": "gzip"})
            for name, (latencies, errors) in public_load(_port(base), args).items():
                if len(latencies) < 2:
                    continue
                p50, p95 = _percentiles(latencies)
                verdict = "ok" if p95 <= targets[name] else "over"
                print(
                    f"run {run + 1} {name:12} | {len(latencies):5} requests | p50 {p50:7.1f} ms"
                    f" | p95 {p95:7.1f} ms (target {targets[name]}: {verdict}) | "
                    f"errors {len(errors)} {errors[:3]}",
                    flush=True,
                )
            peaks = [_peak_rss_mb(pid) for pid in server_processes(_port(base))]
            print(f"run {run + 1} peak memory per server process: "
                  + ", ".join(f"{mb:.0f} MB" for mb in peaks if mb), flush=True)  # fmt: skip


def _client(
    port: int,
    paths: list[str],
    latencies: list[float],
    errors: list[str],
    headers: dict,
    start: threading.Barrier | None = None,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    if start is not None:
        start.wait()  # everyone at once: a burst
    for path in paths:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            # Counted as an error and as the time waited; the next request on a new connection.
            latencies.append(time.perf_counter() - started)
            errors.append(f"{type(error).__name__} {path}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            errors.append(f"{response.status} {path}")
    connection.close()


def measure(
    port: int, paths: list[str], clients: int, headers: dict | None = None
) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    share = [paths[i::clients] for i in range(clients)]
    threads = [
        threading.Thread(target=_client, args=(port, part, latencies, errors, headers or {}))
        for part in share
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18]
    return statistics.median(latencies) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per endpoint and setting")
    parser.add_argument("--only", help="measure only endpoints whose name contains this")
    parser.add_argument(
        "--repeat", type=int, default=1, help="independent runs of every pass (p95 varies by run)"
    )
    parser.add_argument("--gzip", action="store_true", help="ask for gzip, as browsers do")
    parser.add_argument("--load", choices=["endpoints", "public"], default="endpoints",
                        help="public: readers over popular pages beside researchers")  # fmt: skip
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--researchers", type=int, default=20)
    parser.add_argument("--reads", type=int, default=5, help="pages per reader or researcher")
    parser.add_argument(
        "--research", choices=["both", "pages", "searches"], default="both",
        help="what researchers ask: faceted pages, searches, or both (alternating)",
    )  # fmt: skip
    parser.add_argument(
        "--cold-popular", action="store_true", help="a burst on a fresh server, nothing cached"
    )
    parser.add_argument(
        "--workers",
        default=f"1,{os.cpu_count() or 1}",
        help="worker counts to compare, comma-separated (default: 1 and one per core)",
    )
    args = parser.parse_args()
    if args.load == "public":
        _public_load_main(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        open_workspace(data_dir).close()
        started = time.perf_counter()
        fill_public_database(data_dir / "public.db", args.events).close()
        print(
            f"{args.events} synthetic events in {time.perf_counter() - started:.1f} s", flush=True
        )
        worker_counts = sorted({int(count) for count in args.workers.split(",")})
        urls = endpoint_urls(args.events, args.requests)
        if args.only:
            urls = {name: paths for name, paths in urls.items() if args.only in name}
        print(f"{'endpoint':24} | {'pass':37} | {'requests':>8} | {'p50 ms':>7} | "
              f"{'p95 ms':>7} | errors")  # fmt: skip
        for name, paths in urls.items():
            p95s: dict[str, list[float]] = {}
            for run in range(args.repeat):
                for label, (latencies, errors) in _passes(data_dir, paths, worker_counts, args):
                    p50, p95 = _percentiles(latencies)
                    p95s.setdefault(label, []).append(p95)
                    label = f"{label}, run {run + 1}" if args.repeat > 1 else label
                    print(
                        f"{name:24} | {label:37} | {len(paths):>8} | {p50:7.1f} | {p95:7.1f} | "
                        f"{len(errors)}",
                        flush=True,
                    )
            if args.repeat > 1:
                for label, values in p95s.items():
                    median, low, high = statistics.median(values), min(values), max(values)
                    print(
                        f"{name:24} | {label:37} | p95 over {args.repeat} runs: "
                        f"median {median:.1f}, {low:.1f}-{high:.1f}"
                    )


def _passes(data_dir: Path, paths: list[str], worker_counts: list[int], args) -> list[tuple]:
    """One run of every pass; each cold pass on a freshly started server, nothing cached yet."""
    passes = []
    headers = {"Accept-Encoding": "gzip"} if args.gzip else {}
    with romareact_serve(data_dir) as base:
        wait_until_idle(_port(base))
        passes.append(("cold, 1 client", measure(_port(base), paths, 1, headers)))
    for workers in worker_counts:
        with romareact_serve(data_dir, args=("--workers", str(workers))) as base:
            wait_until_idle(_port(base))
            for label in ("cold", "warm"):
                latencies = measure(_port(base), paths, args.clients, headers)
                passes.append((f"{label}, {args.clients} clients, {workers} worker(s)", latencies))
    return passes


def _peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None


def _port(base: str) -> int:
    return urllib.parse.urlsplit(base).port


def wait_until_idle(port: int, timeout: float = 120) -> None:
    """Wait until the server on `port` has finished starting: the first worker answers while
    the others still build their marker index, which would steal the first pass's CPU."""
    deadline = time.monotonic() + timeout
    previous = _server_cpu_seconds(port)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        current = _server_cpu_seconds(port)
        if current - previous < 0.05:
            return
        previous = current


def _server_cpu_seconds(port: int) -> float:
    """CPU time of `romareact serve --port PORT` and its worker processes."""
    ticks = sum(ticks for _, ticks in server_processes(port).values())
    return ticks / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
