"""The `romareact` command: one entry point for every job."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from romareact.paths import DATA_DIR_ENV

DEFAULT_PORT = 8001


def data_dir_option(command):
    """Every command shares --data-dir (or $ROMAREACT_DATA_DIR), so they share one dataset."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=DATA_DIR_ENV,
        help=f"Folder holding the newsroom and public databases "
        f"(default: ./romareact-data; also ${DATA_DIR_ENV}).",
    )
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)

    return wrapper


def _workspace(data_dir):
    from romareact.workspace import open_workspace

    return open_workspace(data_dir)


@click.group()
@click.version_option(package_name="romareact")
def cli():
    """Gather Roma-related news, place it on the map of Bulgaria, publish it.

    Start with: romareact demo
    """


@cli.command()
@data_dir_option
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Crawl the sources of this TOML file (default: every enabled source of "
    "the newsroom, starting with the shipped data/sources.toml).",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Crawl every enabled source now, even those not yet due.",
)
@click.option(
    "--every",
    "every",
    metavar="DURATION",
    help="Keep polling, a pass every DURATION (e.g. 30m, 2h); each source "
    "is fetched at its own interval. Stop with Ctrl-C.",
)
@click.option(
    "-s",
    "--setting",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=2 (repeatable).",
)
@click.option("--silent", is_flag=True, help="Only warnings and errors in the log.")
@click.option(
    "--redis",
    "redis_url",
    envvar="ROMAREACT_REDIS_URL",
    metavar="URL",
    help="Share one frontier and duplicate filter with other crawler processes through "
    "Redis (e.g. redis://127.0.0.1:6379/0; also $ROMAREACT_REDIS_URL).",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Crawler processes on this machine, the due sources shared between them: "
    "for many sources on a machine with several cores (with --redis they share one frontier).",
)
@click.option(
    "--hand-off",
    "hand_off",
    is_flag=True,
    help="With --redis, on a machine without the newsroom database: hand the analysed "
    "items and source health over through Redis to `romareact collect`.",
)
@click.option(
    "--run",
    "run_name",
    metavar="NAME",
    help="With --redis: the name every process of one crawl shares "
    "(default: the current UTC hour, e.g. 2026112716).",
)
def crawl(
    data_dir,
    sources_file,
    everything,
    every,
    settings,
    silent,
    redis_url,
    processes,
    hand_off,
    run_name,
):
    """Crawl the sources that are due, analyse, store, and publish the events.

    Example: romareact crawl --every 30m
    """
    if every:
        _crawl_forever(parse_duration(every), sys.argv[1:])
        return
    from romareact.crawl import run_crawl, run_crawl_processes
    from romareact.sources import SourcesError, load_sources, register_sources, sources_to_crawl

    overrides = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {setting!r}", param_hint="-s")
        overrides[name] = value
    if silent:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    if redis_url:
        import datetime as dt

        _require_redis()
        from romareact.crawl import redis_settings

        run_name = run_name or dt.datetime.now(dt.UTC).strftime("%Y%m%d%H")
        overrides = {**redis_settings(redis_url, run_name), **overrides}
        if hand_off:
            from romareact.crawl import handoff_settings

            overrides = {**handoff_settings(redis_url), **overrides}
    elif hand_off:
        raise click.UsageError("--hand-off needs --redis URL: the items travel through Redis")
    workspace = _workspace(data_dir)
    listed = []
    try:
        if sources_file or not workspace.newsroom["sources"].count:
            listed = load_sources(sources_file)
            register_sources(workspace.newsroom, listed)
    except SourcesError as error:
        raise click.ClickException(str(error)) from None
    ids = [s.id for s in listed] if sources_file else None
    due = sources_to_crawl(workspace.newsroom, ids, everything)
    if processes > 1:
        stats = run_crawl_processes(workspace, due, overrides, processes)
    else:
        stats = run_crawl(workspace, due, overrides)
    if hand_off:
        click.echo(
            f"crawled {len(due)} sources: {stats.get('romareact/handed_off', 0)} items handed "
            f"over to `romareact collect` through Redis, {stats.get('relevance/relevant', 0)} "
            f"relevant, {stats.get('romareact/known_skipped', 0)} known skipped"
        )
        return
    processes_used = stats.get("romareact/processes", 1)
    click.echo(
        (f"[{processes_used} processes] " if processes_used > 1 else "")
        + f"crawled {len(due)} sources: {stats.get('romareact/stored', 0)} items stored, "
        f"{stats.get('relevance/relevant', 0)} relevant, {stats.get('geocode/placed', 0)} placed, "
        f"{stats.get('romareact/known_skipped', 0)} known skipped; {_publish(workspace)}"
    )


@cli.command()
@data_dir_option
@click.option(
    "--redis",
    "redis_url",
    envvar="ROMAREACT_REDIS_URL",
    required=True,
    metavar="URL",
    help="The Redis that crawlers with --hand-off deliver to (also $ROMAREACT_REDIS_URL).",
)
def collect(data_dir, redis_url):
    """Store what crawlers on other machines handed over, then publish the events.

    Run it next to the newsroom database, once or on a schedule (cron, a systemd timer),
    while crawlers elsewhere run `romareact crawl --redis URL --hand-off`.

    Example: romareact collect --redis redis://10.0.0.5:6379/0
    """
    from crawlers.handoff import collect as collect_handed_over

    _require_redis()
    from redis.exceptions import ConnectionError as RedisConnectionError

    workspace = _workspace(data_dir)
    try:
        counts = collect_handed_over(workspace.newsroom, redis_url)
    except (OSError, RedisConnectionError) as error:
        raise click.ClickException(f"cannot reach Redis at {redis_url}: {error}") from None
    click.echo(
        f"collected {counts['items']} items ({counts['rejected']} rejected, see the Redis list "
        f"romareact:handoff:rejected), {counts['health']} source reports, "
        f"{counts['sources']} new sources; {_publish(workspace)}"
    )


def _publish(workspace) -> str:
    """Events from the newsroom's items, exported to the public database; what happened."""
    from romareact.publish import export_public, refresh_events

    events = refresh_events(workspace.newsroom)
    published = export_public(workspace.newsroom, workspace.public)
    return f"{published} events published ({events['changed']} new or changed)"


def _require_redis() -> None:
    import importlib.util

    if importlib.util.find_spec("scrapy_redis") is None:
        raise click.ClickException(
            "Redis support is an extra: pip install 'romareact[redis]' (scrapy-redis, redis)"
        )


def parse_duration(text: str) -> float:
    """ "30m" -> 1800.0 seconds; s, m, h and d are understood."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.replace(".", "", 1).isdigit() or float(number) <= 0:
        raise click.BadParameter(
            f"expected a duration like 30m or 2h, got {text!r}", param_hint="--every"
        )
    return float(number) * units[unit]


def _crawl_forever(seconds: float, arguments: list[str]) -> None:
    """One crawl pass per period, each in a fresh process (Twisted cannot restart)."""
    import time

    passes = []
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument == "--every":
            skip = True
        elif not argument.startswith("--every="):
            passes.append(argument)
    while True:
        started = time.monotonic()
        subprocess.run([sys.executable, "-P", "-m", "romareact", *passes], check=False)
        wait = max(0.0, seconds - (time.monotonic() - started))
        click.echo(f"next pass in {wait / 60:.1f} min (Ctrl-C stops)")
        time.sleep(wait)


@cli.group()
def sources():
    """List, add and check the news sources."""


@sources.command("list")
@data_dir_option
def sources_list(data_dir):
    """List the sources with their kind and state.

    Example: romareact sources list
    """
    from romareact.sources import health_report

    workspace = _workspace(data_dir)
    _ensure_sources(workspace)
    for row in health_report(workspace.newsroom):
        state = "enabled" if row["enabled"] else "DISABLED"
        click.echo(f"{row['id']:<24} {row['kind']:<8} {state:<9} {row['name']}")


@sources.command("add")
@data_dir_option
@click.option("--id", "source_id", required=True, help="Short id: lower-case, digits, - or _.")
@click.option("--name", required=True, help="The outlet's name.")
@click.option("--url", required=True, help="Feed URL (kind feed) or listing page URL.")
@click.option(
    "--kind", type=click.Choice(["feed", "listing", "sitemap"]), default="feed", show_default=True
)
@click.option("--homepage", help="The outlet's home page.")
@click.option("--language", help="ISO 639-1 code, e.g. bg.")
@click.option("--country", help="ISO 3166 code, e.g. BG.")
@click.option("--category", help="national, regional, roma-org, institution, ...")
@click.option(
    "--interval",
    "interval_minutes",
    type=int,
    default=60,
    show_default=True,
    help="Minutes between polls.",
)
@click.option("--links", help="Listing only: CSS selector of article links.")
@click.option("--next-page", help="Listing only: CSS selector of the next-page link.")
def sources_add(data_dir, source_id, links, next_page, **fields):
    """Add a source to the newsroom (or update the one with this id).

    Example: romareact sources add --id sliven-net --name Sliven.net --kind listing
    --url https://sliven.net/news/ --links "h2 a::attr(href)"
    """
    from romareact.sources import SourcesError, register_sources, validate

    rules = {k: v for k, v in {"links": links, "next_page": next_page}.items() if v}
    entry = {"id": source_id, **{k: v for k, v in fields.items() if v is not None}}
    if rules:
        entry["rules"] = rules
    try:
        source = validate(entry, 1)
    except SourcesError as error:
        raise click.ClickException(str(error)) from None
    workspace = _workspace(data_dir)
    _ensure_sources(workspace)
    register_sources(workspace.newsroom, [source])
    workspace.newsroom["sources"].update(source.id, {"enabled": 1})
    click.echo(f"source {source.id} saved; it is crawled on the next `romareact crawl`")


@sources.command("check")
@data_dir_option
def sources_check(data_dir):
    """Report each source's health: last success, last error, failures, items per day.

    Exits with status 1 when a source is failing or disabled.

    Example: romareact sources check
    """
    from romareact.sources import health_report

    workspace = _workspace(data_dir)
    _ensure_sources(workspace)
    troubled = 0
    for row in health_report(workspace.newsroom):
        if not row["enabled"]:
            state = "DISABLED"
        elif row["consecutive_failures"]:
            state = "FAILING"
        elif row["last_success"]:
            state = "ok"
        else:
            state = "never crawled"
        troubled += state in ("DISABLED", "FAILING")
        entries = row["entries_last"] if row["entries_last"] is not None else "-"
        click.echo(
            f"{row['id']:<24} {state:<13} last success: {row['last_success'] or '-'}; "
            f"failures in a row: {row['consecutive_failures'] or 0}; entries: {entries}; "
            f"items/day: {row['items_per_day'] or 0}; parse warnings: {row['bozo_warnings'] or 0}"
        )
        if state in ("DISABLED", "FAILING"):
            click.echo(f"{'':<24} error: {row['disabled_reason'] or row['last_error']}")
    if troubled:
        sys.exit(1)


def _ensure_sources(workspace) -> None:
    """A new newsroom starts with the shipped sources."""
    from romareact.sources import load_sources, register_sources

    if not workspace.newsroom["sources"].count:
        register_sources(workspace.newsroom, load_sources())


@cli.command()
@data_dir_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the static site into.",
)
@click.option(
    "--cdn",
    is_flag=True,
    help="Load Leaflet from jsDelivr (with SRI hashes) instead of the copy in static/.",
)
def map(data_dir, out_dir, cdn):
    """Write the public event map as a static site: index.html, its data files,
    events.geojson, feed.atom and static/ (Leaflet, the base layer). Put the folder on any
    web server (or open index.html); it needs no network.

    Example: romareact map --out site/
    """
    from mapping.build import write_map
    from romareact.paths import public_path

    workspace = _workspace(data_dir)
    result = write_map(public_path(workspace.data_dir), out_dir, cdn=cdn)
    click.echo(
        f"{result['events']} events -> {result['html']} "
        f"(page + marker data {result['page_bytes'] / 1e6:.2f} MB), {result['geojson']}, "
        f"{result['feed']}"
    )


@cli.command()
@data_dir_option
@click.option(
    "--full", is_flag=True, help="Compare every story and event, not only the changed ones."
)
def publish(data_dir, full):
    """Bring the events and the public database up to the newsroom.

    Crawls and editors' decisions publish by themselves, each only what changed. --full
    looks at everything: after restoring an older public database, for example.

    Example: romareact publish --full
    """
    from romareact.db import mark_all_stories, write_transaction
    from romareact.publish import export_public, refresh_events

    workspace = _workspace(data_dir)
    if full:
        with write_transaction(workspace.newsroom):
            mark_all_stories(workspace.newsroom)
    events = refresh_events(workspace.newsroom)
    published = export_public(workspace.newsroom, workspace.public, full=full)
    click.echo(f"{published} events published ({events['changed']} new or changed)")


@cli.command()
@data_dir_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the backups (default: DATA_DIR/backups).",
)
def backup(data_dir, out_dir):
    """Back up the newsroom and public databases (editorial decisions, accounts, audit log),
    consistent while crawls and editors write, each copy checked with integrity_check.

    Example: romareact backup --out /var/backups/romareact
    """
    from romareact.backup import BackupError, make_backup
    from romareact.paths import resolve_data_dir

    data = resolve_data_dir(data_dir)
    try:
        target = make_backup(data, out_dir or data / "backups")
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup checked and written to {target}")
    click.echo(f"restore it with: romareact restore {target} --data-dir {data}")


@cli.command()
@data_dir_option
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(data_dir, backup_dir):
    """Put a backup in place of the data directory's databases. Stop `romareact serve` and
    crawls first; every file is checked before any is replaced.

    Example: romareact restore romareact-data/backups/romareact-backup-20260101T030000Z
    """
    from romareact.backup import BackupError, restore_backup
    from romareact.paths import resolve_data_dir

    data = resolve_data_dir(data_dir)
    try:
        restored = restore_backup(backup_dir, data)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {', '.join(restored)} into {data}")


@cli.command()
@data_dir_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the snapshots (default: DATA_DIR/snapshots, which /downloads serves).",
)
def snapshot(data_dir, out_dir):
    """Make a dated, versioned copy of the public database, every event as CSV and GeoJSON,
    and a CSV of the changes since the previous snapshot, for citation. /cite in Datasette
    shows the latest; /downloads serves them all with their SHA-256.

    Example: romareact snapshot
    """
    from romareact.paths import snapshots_path
    from romareact.snapshot import make_snapshot

    workspace = _workspace(data_dir)
    result = make_snapshot(workspace.public, out_dir or snapshots_path(workspace.data_dir))
    counts = result["changes"]
    click.echo(
        f"snapshot v{result['version']} ({result['created_at'][:10]}): {result['events']} events "
        f"-> {result['path']}\n"
        f"changes since the previous snapshot: {counts['added']} added, "
        f"{counts['updated']} updated, {counts['removed']} removed -> {result['changes_path']}\n"
        f"events as CSV -> {result['csv_path']}, as GeoJSON -> {result['geojson_path']}\n"
        f"sha256 {result['sha256']}"
    )


@cli.command()
@data_dir_option
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind; 0.0.0.0 makes the site reachable from other machines.",
)
@click.option(
    "--root",
    is_flag=True,
    help="Print a one-time link that signs you in as root, to open the newsroom.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes (Linux); one page is rendered on one core, so up to one per core.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    help="Address of a reverse proxy whose X-Forwarded-For/-Proto headers are believed "
    "(repeat for several); without it they are ignored.",
)
def serve(data_dir, port, host, root, workers, trusted_proxies):
    """Serve Datasette on the newsroom and public databases, with the map at /map.

    Example: romareact serve --port 8001
    """
    from romareact.serve import make_datasette, run, run_workers

    if root and workers > 1:
        # Each worker would hold its own one-time token; only one of them would accept it.
        raise click.UsageError("--root needs a single worker: leave out --workers")
    if workers > 1 and not sys.platform.startswith("linux"):
        # Elsewhere SO_REUSEPORT does not spread connections over the workers.
        raise click.UsageError("--workers needs Linux")
    workspace = _workspace(data_dir)
    _print_urls(host, port)
    if workers > 1:
        run_workers(workspace.data_dir, host, port, workers, tuple(trusted_proxies))
        return
    datasette = make_datasette(workspace.data_dir)
    if root:
        click.echo(
            f"  sign in as root:  http://{host}:{port}/-/auth-token?token={datasette._root_token}"
        )
    run(datasette, host, port, tuple(trusted_proxies))


def _print_urls(host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    click.echo(f"Datasette / данни:   {base}/")
    click.echo(f"Map / карта:         {base}/map")
    click.echo(f"Events / събития:    {base}/public/events")
    click.echo(f"Newsroom / редакция: {base}/-/login  (accounts: romareact users add NAME)")
    click.echo(f"Report / сигнал:     {base}/submit")


@cli.command()
@data_dir_option
def analyze(data_dir):
    """Analyse texts: JSON Lines in ({"id","text","title"?}), JSON Lines out.

    Each output line: {"id","roma_related","relevance","lang","places":[...]}.

    Example: echo '{"id": 1, "text": "Ромите от Сливен..."}' | romareact analyze
    """
    from geocode.gazetteer import Gazetteer
    from romareact.analysis import Analyzer

    workspace = _workspace(data_dir)
    analyzer = Analyzer(Gazetteer.from_db(workspace.newsroom))
    failures = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError('expected an object with "id" and "text"')
            text = record.get("text")
            title = record.get("title")
            if not isinstance(text, str) or (title is not None and not isinstance(title, str)):
                raise ValueError('"text" must be a string, and "title" a string if given')
        except ValueError as error:
            failures += 1
            click.echo(f"line {number}: skipped: {error}", err=True)
            continue
        result = analyzer.analyze(text, title)
        click.echo(json.dumps(result.as_dict(record["id"]), ensure_ascii=False))
    if failures:
        sys.exit(1)


@cli.group()
def gazetteer():
    """Manage the places used for geocoding (the gazetteer)."""


@gazetteer.command("import")
@data_dir_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def gazetteer_import(data_dir, path):
    """Import a GeoNames file: postal codes (export/zip/BG) or country dump (export/dump/BG).

    Example: romareact gazetteer import BG.txt
    """
    from geocode.importers import GazetteerFormatError, read_gazetteer_file

    try:
        places = read_gazetteer_file(path)
    except GazetteerFormatError as error:
        raise click.ClickException(str(error)) from None
    _merge_into_gazetteer(data_dir, places, source=f"geonames:{Path(path).name}")


@gazetteer.command("download")
@data_dir_option
@click.option("--url", default=None, help="Where to fetch from (default: GeoNames' BG.zip).")
def gazetteer_download(data_dir, url):
    """Download the Bulgarian GeoNames postal-code file and import it (needs internet).

    Example: romareact gazetteer download
    """
    from geocode.importers import GEONAMES_POSTAL_URL, GazetteerFormatError, download

    url = url or GEONAMES_POSTAL_URL
    click.echo(f"downloading {url} ...")
    try:
        places = download(url)
    except GazetteerFormatError as error:
        raise click.ClickException(f"{url} is not a usable GeoNames file: {error}") from None
    except OSError as error:
        raise click.ClickException(f"could not download {url}: {error}") from None
    if len(places) < 100:
        raise click.ClickException(f"{url} holds only {len(places)} places; not imported")
    _merge_into_gazetteer(data_dir, places, source="geonames-download")


def _merge_into_gazetteer(data_dir, places, source: str) -> None:
    from geocode.importers import merge_places

    workspace = _workspace(data_dir)
    counts = merge_places(workspace.newsroom, places, source=source)
    total = workspace.newsroom["places"].count_where("kind = 'settlement'")
    click.echo(
        f"read {counts['read']} places: {counts['added']} added, {counts['updated']} completed; "
        f"the gazetteer now holds {total} settlements"
    )


@cli.group()
def users():
    """Editor and administrator accounts (stored hashed in the newsroom database)."""


@users.command("add")
@data_dir_option
@click.argument("username")
@click.option("--role", type=click.Choice(["editor", "admin"]), default="editor", show_default=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
def users_add(data_dir, username, role, password_stdin):
    """Create an account; asks for its password (at least 10 characters).

    Example: romareact users add maria --role admin
    """
    from romareact.users import UserError, add_user

    if password_stdin:
        password = click.get_text_stream("stdin").readline().rstrip("\n")
    else:
        password = click.prompt("Парола / Password", hide_input=True, confirmation_prompt=True)
    workspace = _workspace(data_dir)
    try:
        add_user(workspace.newsroom, username, password, role, actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{username.strip().lower()} added as {role}; sign in at /-/login")


@users.command("list")
@data_dir_option
def users_list(data_dir):
    """List accounts with their role and whether they are active."""
    workspace = _workspace(data_dir)
    for row in workspace.newsroom.query("select * from users order by username"):
        state = "active" if row["active"] else "disabled"
        click.echo(f"{row['username']:20} {row['role']:7} {state:9} since {row['created_at'][:10]}")


@users.command("set")
@data_dir_option
@click.argument("username")
@click.option("--role", type=click.Choice(["editor", "admin"]))
@click.option("--disable/--enable", "disabled", default=None, help="Stop or allow signing in.")
@click.option("--password", "new_password", is_flag=True, help="Ask for a new password.")
def users_set(data_dir, username, role, disabled, new_password):
    """Change an account's role, password, or whether it may sign in.

    Example: romareact users set maria --disable
    """
    from romareact.users import UserError, set_user

    password = None
    if new_password:
        password = click.prompt("Парола / Password", hide_input=True, confirmation_prompt=True)
    workspace = _workspace(data_dir)
    try:
        set_user(workspace.newsroom, username, "cli", role=role,
                 active=None if disabled is None else not disabled, password=password)  # fmt: skip
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{username} updated")


@cli.command("config")
@data_dir_option
@click.argument("setting", type=click.Choice(["publish-unreviewed"]))
@click.argument("value", type=click.Choice(["on", "off"]), required=False)
def config_command(data_dir, setting, value):
    """Show or change a workspace setting.

    publish-unreviewed: whether events the crawler judged Roma-related reach the public map
    before an editor approves them (marked "unreviewed"). Off by default; the demo turns it on.

    Example: romareact config publish-unreviewed off
    """
    from romareact.publish import publishes_unreviewed, set_publish_unreviewed

    workspace = _workspace(data_dir)
    if value is not None:
        set_publish_unreviewed(workspace.newsroom, value == "on", actor="cli")
        click.echo(_publish(workspace))
    state = "on" if publishes_unreviewed(workspace.newsroom) else "off"
    click.echo(f"publish-unreviewed: {state}")


@cli.group()
def places():
    """Look up places and correct how a name is placed."""


@places.command("search")
@data_dir_option
@click.argument("name")
@click.option(
    "--nominatim",
    is_flag=True,
    help="Ask OpenStreetMap's Nominatim when the gazetteer lacks the name "
    "(needs internet; cached; at most one request per second).",
)
@click.option(
    "--nominatim-url",
    default=None,
    hidden=True,
    help="Nominatim base URL, e.g. http://127.0.0.1:8080 for a local server.",
)
def places_search(data_dir, name, nominatim, nominatim_url):
    """Find places by name ("Китен", or "Китен, Бургас" to narrow to a province).

    Example: romareact places search "Огняново"
    """
    from geocode.gazetteer import Gazetteer
    from geocode.geocoder import Geocoder

    workspace = _workspace(data_dir)
    fallback = None
    if nominatim or nominatim_url:
        from urllib.parse import urlsplit

        from geocode.nominatim import DEFAULT_DOMAIN, NominatimFallback

        parts = urlsplit(nominatim_url or f"https://{DEFAULT_DOMAIN}")
        fallback = NominatimFallback(workspace.newsroom, domain=parts.netloc, scheme=parts.scheme)
    geocoder = Geocoder(Gazetteer.from_db(workspace.newsroom), fallback=fallback)
    found = geocoder.geocode(name, exactly_one=False) or []
    if not found:
        raise click.ClickException(f"no place called {name!r}")
    for location in found:
        place_id = location.raw.get("id") or f"osm:{location.raw.get('osm_id', '?')}"
        click.echo(
            f"{place_id}\t{location.latitude:.5f}\t{location.longitude:.5f}\t{location.address}"
        )


@places.command("correct")
@data_dir_option
@click.argument("surface")
@click.option("--place", "place_id", help="The right place's id (see `romareact places search`).")
@click.option("--not-a-place", is_flag=True, help="In this context the word is no place at all.")
@click.option("--province", help="Apply only to texts that name this province (e.g. Бургас).")
@click.option("--editor", default="editor", show_default=True, help="Who decides (audit log).")
def places_correct(data_dir, surface, place_id, not_a_place, province, editor):
    """Tell later analyses where a word in the news points.

    Example: romareact places correct "Китен" --place gn:730338 --province Бургас
    """
    from geocode.corrections import CorrectionError, add_correction
    from geocode.importers import load_provinces

    if bool(place_id) == not_a_place:
        raise click.UsageError("give exactly one of --place ID or --not-a-place")
    province_code = None
    if province:
        codes = {p.name_bg.lower(): p.iso for p in load_provinces()}
        codes.update({p.iso.lower(): p.iso for p in load_provinces()})
        province_code = codes.get(province.lower())
        if province_code is None:
            raise click.BadParameter(f"unknown province {province!r}", param_hint="--province")
    workspace = _workspace(data_dir)
    try:
        add_correction(workspace.newsroom, surface, place_id, province_code, actor=editor)
    except CorrectionError as error:
        raise click.ClickException(str(error)) from None
    target = place_id or "no place"
    where = f" in texts about {province}" if province else ""
    click.echo(f"from now on, {surface!r} means {target}{where}")


@places.command("edit")
@data_dir_option
@click.argument("place_id")
@click.option("--lat", type=float, help="New latitude (WGS84).")
@click.option("--lon", type=float, help="New longitude (WGS84).")
@click.option("--add-name", "add_names", multiple=True, help="Another name it goes by.")
@click.option("--editor", default="editor", show_default=True, help="Who decides (audit log).")
def places_edit(data_dir, place_id, lat, lon, add_names, editor):
    """Move a place or a neighbourhood, or give it another name.

    Example: romareact places edit "quarter:gn:727079:Надежда" --lat 42.671 --lon 26.333
    """
    from geocode.corrections import CorrectionError, edit_place

    if lat is None and lon is None and not add_names:
        raise click.UsageError("nothing to change: give --lat/--lon or --add-name")
    workspace = _workspace(data_dir)
    try:
        place = edit_place(workspace.newsroom, place_id, lat, lon, add_names, actor=editor)
    except CorrectionError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{place['id']}: {place['name']} at {place['lat']}, {place['lon']}; "
        f"other names: {', '.join(json.loads(place['alt_names'] or '[]')) or '-'}"
    )


@cli.command()
@data_dir_option
@click.option("--no-serve", is_flag=True, help="Stop after building; print a summary.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port for Datasette.")
def demo(data_dir, no_serve, port):
    """Run the whole pipeline on the bundled demo news site, then serve the result.

    Crawls a local demo site (RSS feed + listing page), judges relevance, places the stories,
    stores, publishes, builds the map, and serves Datasette with the map at /map.

    Example: romareact demo --no-serve
    """
    from mapping.build import write_map
    from romareact.demo_site import base_url, demo_sources, serve_demo_site
    from romareact.paths import public_path
    from romareact.publish import publishes_unreviewed, set_publish_unreviewed

    workspace = _workspace(data_dir)
    # The demo has no editors yet: it shows what the crawler found, marked "unreviewed".
    if not publishes_unreviewed(workspace.newsroom):
        set_publish_unreviewed(workspace.newsroom, True, actor="demo")
    site = serve_demo_site()
    base = base_url(site)
    click.echo(f"demo news site running at {base}/")
    with tempfile.TemporaryDirectory() as tmp:
        sources_file = Path(tmp) / "demo-sources.toml"
        sources_file.write_text(demo_sources(base), encoding="utf-8")
        # The crawl runs in its own process: Twisted's reactor cannot restart in this one,
        # and the web server needs a fresh event loop afterwards. -P: the installed
        # romareact, never a folder of that name in the current directory.
        command = [
            sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(workspace.data_dir),
            "--sources", str(sources_file), "--silent", "--all",
            # A local site needs no politeness delay.
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        ]  # fmt: skip
        result = subprocess.run(command, check=False)
    site.shutdown()
    site.server_close()
    if result.returncode != 0:
        raise click.ClickException("the demo crawl failed; see the log above")
    summary = demo_summary(workspace.newsroom)
    out = write_map(public_path(workspace.data_dir), workspace.data_dir / "map")
    click.echo(
        f"demo: {summary['fetched']} items fetched, {summary['relevant']} relevant, "
        f"{summary['placed']} placed, {summary['unresolved']} unresolved"
    )
    click.echo(f"map: {out['html']} ({out['events']} events), GeoJSON: {out['geojson']}")
    if no_serve:
        return
    from romareact.serve import make_datasette, run

    _print_urls("127.0.0.1", port)
    run(make_datasette(workspace.data_dir), "127.0.0.1", port)


def demo_summary(newsroom) -> dict:
    """Counts over the demo sources' items."""
    row = next(
        newsroom.query(
            """
            select count(*) as fetched,
                   coalesce(sum(roma_related), 0) as relevant,
                   coalesce(sum(roma_related and exists (
                       select 1 from mentions m where m.item_id = items.id and m.is_primary
                   )), 0) as placed
            from items where source_id like 'demo-%'
            """
        )
    )
    row["unresolved"] = row["relevant"] - row["placed"]
    return row
