"""Datasette plugin: the newsroom for editors, and the public report form.

Sign-in:   /-/login, /-/logout (POST)          users: `romareact users add NAME`
Editors:   /newsroom/-/queue                   review queue, bulk approve / reject
           /newsroom/-/item/ID                 one item: text, places, event, actions
           /newsroom/-/item/ID/compare?with=ID two stories side by side, then merge
           /newsroom/-/undo, /newsroom/-/language  undo the last decision; switch language
           /newsroom/audit_log                 the audit log (a Datasette table)
Admins:    /newsroom/-/users, /newsroom/-/sources
Public:    /submit                             report an event (Bulgarian / English)

Every write is a POST by a signed-in editor (the form alone is public), carries the CSRF
token (checked here too, so a request without cookies cannot skip it), comes from this
site, and runs through Datasette's write queue for the newsroom; the public database is
then refreshed through its own write queue.

The newsroom speaks one language at a time (romareact/newsroom_text.py): Bulgarian, or
English where the editor chose it. Every action answers with a message saying what changed.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlite_utils
from datasette.database import QueryInterrupted
from datasette.utils.asgi import Forbidden, Response
from markupsafe import Markup, escape

from datasette import hookimpl
from geocode.gazetteer import Gazetteer
from romareact import curation, merging, sources, users
from romareact.categories import CATEGORIES
from romareact.credentials import CredentialStore, hide_credentials, server_key
from romareact.db import ITEM_STATUSES, connect
from romareact.newsroom_text import language, status_label, translator
from romareact.publish import export_public, refresh_events
from romareact.redirects import safe_next
from romareact.root_sessions import LIFETIME_SECONDS, RootSessions, strip_cookie

SESSION_COOKIE = "rr_session"
SESSION_NAMESPACE = "romareact-session"
EDITOR_ROLES = ("editor", "admin")
PAGE_SIZE = 100
UNDO_COOKIE = "rr_undo"
UNDO_NAMESPACE = "romareact-undo"


# ---- who is asking ----


@hookimpl
def prepare_connection(conn, database):
    # (issue 17) no query Datasette runs reads a password hash, a session or a failed login.
    if database == "newsroom":
        hide_credentials(conn)


def credentials(datasette) -> CredentialStore:
    """The one store of credentials for this Datasette (the sign-in code's own connection)."""
    store = getattr(datasette, "_romareact_credentials", None)
    if store is None:
        store = CredentialStore(datasette.get_database("newsroom").path)
        datasette._romareact_credentials = store
    return store


@hookimpl
def actor_from_request(datasette, request):
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None

    async def actor():
        try:
            session = datasette.unsign(value, SESSION_NAMESPACE)
        except Exception:  # a forged cookie is simply no session
            return None
        if not isinstance(session, dict) or not isinstance(session.get("k"), str):
            return None  # a cookie of the old kind, without a server-side session
        if session.get("root"):
            return root_sessions(datasette).actor(session["k"])
        # The session is on the server: expired, signed out, disabled or a changed
        # password all end it, whatever the browser keeps.
        row = await credentials(datasette).run(lambda db: users.session_user(db, session["k"]))
        if row is None:
            return None
        return {"id": row["username"], "role": row["role"], "language": row["language"]}

    return actor


def root_sessions(datasette) -> RootSessions:
    sessions = getattr(datasette, "_romareact_root_sessions", None)
    if sessions is None:
        sessions = datasette._romareact_root_sessions = RootSessions()
    return sessions


async def root_sign_in(datasette, request):
    """/-/auth-token, the one-time link `serve --root` prints: a root session of this process."""
    token = request.args.get("token") or ""
    expected = getattr(datasette, "_root_token", None)
    if not expected or not secrets.compare_digest(token, expected):
        raise Forbidden("Invalid token")
    datasette._root_token = None  # one time only
    response = Response.redirect("/newsroom/-/queue")
    key = root_sessions(datasette).start()
    session = datasette.sign({"k": key, "root": True}, SESSION_NAMESPACE)
    session_cookie(response, request, session, LIFETIME_SECONDS)
    return response


@hookimpl
def asgi_wrapper():
    # Datasette's ds_actor cookie never expires; sessions here are ours (root's included).
    def wrap(app):
        async def without_ds_actor(scope, receive, send):
            if scope["type"] == "http":
                scope = {**scope, "headers": strip_cookie(scope.get("headers", []), b"ds_actor")}
            await app(scope, receive, send)

        return without_ds_actor

    return wrap


def session_cookie(response, request, value: str, max_age: int) -> None:
    """Set the session cookie: HttpOnly, SameSite=Lax, Secure when served over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=request.scheme == "https",
        max_age=max_age,
    )


def _role(request) -> str | None:
    actor = request.actor or {}
    if actor.get("id") == "root":
        return "admin"
    return actor.get("role") if actor.get("role") in EDITOR_ROLES else None


def _require(request, admin: bool = False) -> str:
    role = _role(request)
    if role is None or (admin and role != "admin"):
        raise Forbidden("Editors only / Само за редактори")
    return request.actor["id"]


def _lang(request) -> str:
    """The editor's chosen language; before signing in, the page's ?lang=; else Bulgarian."""
    chosen = (request.actor or {}).get("language")
    return language(chosen or request.args.get("lang"))


def _say(datasette, request, key: str, kind=None, **values) -> None:
    """A message for the next page, in the editor's language."""
    datasette.add_message(request, translator(_lang(request))(key, **values),
                          kind if kind is not None else datasette.INFO)  # fmt: skip


def _address(request) -> str:
    client = request.scope.get("client") or ("unknown", 0)
    return client[0]


async def _form(request) -> dict:
    """The POSTed form, after checking that it comes from this site with its CSRF token."""
    if request.method != "POST":
        raise Forbidden("POST only")
    headers = request.headers
    origin = headers.get("origin")
    if origin and urlsplit(origin).netloc != headers.get("host"):
        raise Forbidden("Cross-site request refused")
    if headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("Cross-site request refused")
    form = FormData(parse_qs((await request.post_body()).decode("utf-8", "replace")))
    cookie = request.cookies.get("ds_csrftoken")
    token = form.get("csrftoken")
    # Datasette checks the token only when the request has cookies; we always do.
    if not cookie or not token or not secrets.compare_digest(cookie, token):
        raise Forbidden("Missing or wrong CSRF token / Невалиден CSRF ключ")
    return form


def _dicts(results) -> list[dict]:
    return [dict(row) for row in results.rows]


class FormData(dict):
    """A POSTed form: .get gives the first value of a field, .getlist all of them."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__({k: v[0] for k, v in fields.items()})
        self._lists = fields

    def getlist(self, key: str) -> list[str]:
        return list(self._lists.get(key, []))


async def _write(datasette, fn):
    """Run fn(newsroom) in the newsroom's write queue, then refresh events and the public DB."""

    def in_newsroom(conn):
        newsroom = sqlite_utils.Database(conn)
        result = fn(newsroom)
        refresh_events(newsroom)
        return result

    result = await datasette.get_database("newsroom").execute_write_fn(in_newsroom, block=True)
    newsroom_path = datasette.get_database("newsroom").path

    def in_public(conn):
        newsroom = connect(newsroom_path)
        try:
            export_public(newsroom, sqlite_utils.Database(conn))
        finally:
            newsroom.close()

    await datasette.get_database("public").execute_write_fn(in_public, block=True)
    return result


async def _page(datasette, request, template, **context):
    lang = context.pop("lang", None) or _lang(request)
    response = Response.html(
        await datasette.render_template(
            template,
            {"categories": CATEGORIES, "role": _role(request), "lang": lang,
             "t": translator(lang), "status_label": lambda s: status_label(s, lang),
             "category_label": lambda key: _category(key, lang),
             "undo": _undo_offer(datasette, request), "here": _here(request), **context},
            request=request,
        )
    )  # fmt: skip
    response.headers["content-language"] = lang  # romareact/html_lang.py puts it on <html>
    return response


def _category(key: str | None, lang: str) -> str:
    labels = CATEGORIES.get(key or "")
    return (labels[1] if lang == "en" else labels[0]) if labels else ""


def _here(request) -> str:
    """This page's path and query, to come back to after a POST."""
    query = request.query_string
    return request.path + (f"?{query}" if query else "")


def _back(form, default: str) -> str:
    """Where a form asks to return: a path on this site only."""
    target = form.get("back_to") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


# ---- one step of undo ----


def _undo_offer(datasette, request) -> dict | None:
    """The editor's last batch of decisions, while it can still be undone."""
    value = request.cookies.get(UNDO_COOKIE)
    if not value or _role(request) is None:
        return None
    try:
        offer = datasette.unsign(value, UNDO_NAMESPACE)
    except Exception:  # a forged or stale cookie offers nothing
        return None
    return offer if offer.get("actor") == request.actor["id"] else None


def _offer_undo(datasette, response, actor: str, after_id: int, last_id: int) -> None:
    if last_id > after_id:
        offer = {"actor": actor, "from": after_id, "to": last_id}
        response.set_cookie(UNDO_COOKIE, datasette.sign(offer, UNDO_NAMESPACE),
                            httponly=True, samesite="lax", max_age=3600)  # fmt: skip
    else:
        response.set_cookie(UNDO_COOKIE, "", expires=0, max_age=0)


async def undo(datasette, request):
    actor = _require(request)
    form = await _form(request)
    offer = _undo_offer(datasette, request)
    restored = 0
    if offer:
        restored = await _write(
            datasette,
            lambda db: curation.undo_decisions(db, offer["from"], offer["to"], actor),
        )
    if restored:
        _say(datasette, request, "done.undone", n=restored)
    else:
        _say(datasette, request, "done.undo_gone", datasette.WARNING)
    response = Response.redirect(_back(form, "/newsroom/-/queue"))
    response.set_cookie(UNDO_COOKIE, "", expires=0, max_age=0)
    return response


async def switch_language(datasette, request):
    actor = _require(request)
    form = await _form(request)
    chosen = language(form.get("language"))

    def store(conn):
        users.set_language(sqlite_utils.Database(conn), actor, chosen)

    try:
        await datasette.get_database("newsroom").execute_write_fn(store, block=True)
    except users.UserError as error:  # the --root actor has no account to keep it in
        return Response.text(str(error), status=400)
    request.actor["language"] = chosen  # the message below, in the new language
    _say(datasette, request, "done.language")
    return Response.redirect(_back(form, "/newsroom/-/queue"))


# ---- sign in and out ----


async def login(datasette, request):
    error = None
    if request.method == "POST":
        form = await _form(request)
        username = (form.get("username") or "").strip().lower()
        address = _address(request)

        def attempt(db):
            if users.login_blocked(db, username, address):
                return "blocked"
            return users.authenticate(db, username, form.get("password") or "", address)

        result = await credentials(datasette).run(attempt)
        t = translator(_lang(request))
        if result == "blocked":
            error = t("login.blocked")
            response = await _page(datasette, request, "rr_login.html", error=error)
            response.status = 429
            return response
        if result:
            # A new server-side session at every sign-in: an old cookie never becomes valid.
            key = await credentials(datasette).run(
                lambda db: users.start_session(db, result["username"])
            )
            response = Response.redirect(safe_next(form.get("next")))
            session_cookie(
                response,
                request,
                datasette.sign({"k": key}, SESSION_NAMESPACE),
                int(users.SESSION_LIFETIME.total_seconds()),
            )
            return response
        error = t("login.wrong")
    response = await _page(
        datasette, request, "rr_login.html", error=error, next=request.args.get("next", "")
    )
    if error:
        response.status = 403
    return response


async def logout(datasette, request):
    if request.method == "GET":
        return await _page(datasette, request, "rr_logout.html")
    await _form(request)
    actor = request.actor or {}
    if actor.get("role") in EDITOR_ROLES:
        # Signing out ends the session everywhere: every cookie of this account stops working.
        await credentials(datasette).run(lambda db: users.end_sessions(db, actor["id"]))
    elif actor.get("id") == "root":
        with contextlib.suppress(Exception):  # no root session in this cookie: none to end
            cookie = request.cookies.get(SESSION_COOKIE, "")
            root_sessions(datasette).end(datasette.unsign(cookie, SESSION_NAMESPACE)["k"])
    response = Response.redirect("/")
    response.set_cookie(SESSION_COOKIE, "", expires=0, max_age=0)
    return response


# ---- the review queue ----

# Shared by the queue's rows and its counts, so both filter the same way.
_QUEUE_FROM = """
from items
left join sources on sources.id = items.source_id
left join mentions on mentions.item_id = items.id and mentions.is_primary = 1
left join places on places.id = mentions.place_id
left join places as parent on parent.id = places.parent_id
left join events on events.id = coalesce(items.cluster_id, items.id)
"""
_QUEUE_SQL = """
select items.id, items.title, items.published, items.fetched, items.relevance, items.status,
       items.reject_reason, items.source_id, sources.name as source,
       case when parent.id is not null then parent.name || ', ' || places.name
            else places.name end as place,
       places.province, events.category, coalesce(items.cluster_id, items.id) as story,
       (select count(*) from items as i
         where coalesce(i.cluster_id, i.id) = coalesce(items.cluster_id, items.id)) as story_items
{from_}
where {where}
order by {exact_first}items.relevance is null, items.relevance desc,
         coalesce(items.published, items.fetched) desc, items.id
limit :limit offset :offset
"""
# This order is the items_queue index's (migration 9): a page reads PAGE_SIZE entries of
# it instead of sorting the backlog. Counts under a filter stop at COUNT_CAP items.
COUNT_CAP = 2_000


async def queue_counts(newsroom, clauses: list[str], params: dict) -> dict:
    """Items per status: kept by triggers when nothing is filtered; else counted up to
    COUNT_CAP ("2000+": at least that many), "?" when even that takes too long."""
    if clauses == ["1 = 1"]:
        rows = (await newsroom.execute("select status, n from item_status_counts")).rows
        return {row["status"]: row["n"] for row in rows}
    where = " and ".join(clauses)
    try:
        # Every filter is a condition on items alone (_queue_filters): no join to read.
        rows = (
            await newsroom.execute(
                f"select status, count(*) as n from (select items.status from items "
                f"where {where} limit {COUNT_CAP}) group by status",
                params,
            )
        ).rows
    except QueryInterrupted:
        return {status: "?" for status in ITEM_STATUSES}
    counts = {row["status"]: row["n"] for row in rows}
    if sum(counts.values()) >= COUNT_CAP:
        return {status: f"{n}+" for status, n in counts.items()}
    return counts


async def _few_matches(newsroom, counts: dict, chosen: dict, where: str, params: dict) -> bool:
    """Whether fewer than COUNT_CAP items match the page's filters and status: from the
    counts when they are exact, else counted (up to COUNT_CAP) through the filters' index."""
    shown = counts.values() if chosen["status"] in ("", "all") else [counts.get(chosen["status"])]
    if all(isinstance(n, int) or n is None for n in shown):
        return sum(n or 0 for n in shown) < COUNT_CAP
    try:
        row = (
            await newsroom.execute(
                f"select count(*) from (select 1 from items where {where} limit {COUNT_CAP})",
                params,
            )
        ).first()
    except QueryInterrupted:
        return False
    return row[0] < COUNT_CAP


def _queue_filters(args) -> tuple[list[str], dict, dict]:
    """SQL conditions and parameters from the queue's filter form, all but the status (the
    counts per status need the rest alone); always parameterised.

    Each is a condition on items alone, through an index of its own (a place's mentions, a
    category's events, the items of a status by day), so that a count reads the matching
    items and a page either walks the queue's order testing membership of the matches or
    sorts the matches, whichever SQLite finds cheaper, never every item."""
    chosen = {
        key: (args.get(key) or "").strip()
        for key in ("status", "source", "province", "category", "from", "to", "q")
    }
    if "status" not in args:
        chosen["status"] = "new"
    clauses, params = ["1 = 1"], {}
    if chosen["source"]:
        clauses.append("items.source_id = :source")
        params["source"] = chosen["source"]
    if chosen["province"]:
        # The primary place's province, as the page shows it.
        clauses.append(
            "items.id in (select item_id from mentions where is_primary = 1 and place_id in"
            " (select id from places where province = :province))"
        )
        params["province"] = chosen["province"]
    if chosen["category"]:
        clauses.append(
            "coalesce(items.cluster_id, items.id) in"
            " (select id from events where category = :category)"
        )
        params["category"] = chosen["category"]
    dated = False
    for key in ("from", "to"):
        try:
            date.fromisoformat(chosen[key])
        except ValueError:
            chosen[key] = ""
            continue
        # On the ISO timestamp itself (the queue's index holds it, and the day index):
        # a day's timestamps sort after the day and before the next day.
        if key == "from":
            clauses.append("coalesce(items.published, items.fetched) >= :from")
            params["from"] = chosen["from"]
        else:
            clauses.append("coalesce(items.published, items.fetched) < :to")
            params["to"] = (date.fromisoformat(chosen["to"]) + timedelta(days=1)).isoformat()
        dated = True
    if dated:
        # Every status there is (the triggers of migration 9 list each one), so the index of
        # dates per status (migration 11) serves a date range whatever the status chosen.
        clauses.append("items.status in (select status from item_status_counts)")
    if chosen["q"]:
        words = re.findall(r"\w+", chosen["q"])
        if words:
            # Any form of each word (romareact_search.py); exact forms first.
            clauses.append(
                "items.rowid in (select rowid from items_fts where items_fts"
                " match romareact_search(:q))"
            )
            params["q"] = " ".join(words)
    return clauses, params, chosen


def status_condition(chosen: dict) -> str:
    """The queue's status condition. With a source chosen, the source's own index is the
    narrow one (a source holds a few thousand items, a status most of the newsroom); the
    unary plus keeps SQLite, which has no statistics to weigh them, from reading every item
    of the status instead: 160 ms against 8 ms at a million items."""
    return "+items.status = :status" if chosen["source"] else "items.status = :status"


async def queue(datasette, request):
    _require(request)
    newsroom = datasette.get_database("newsroom")
    clauses, params, chosen = _queue_filters(request.args)
    try:
        offset = max(0, int(request.args.get("offset") or 0))
    except ValueError:
        offset = 0
    where = " and ".join(clauses)
    where_listed, listed = where, {**params, "limit": PAGE_SIZE, "offset": offset}
    if chosen["status"] not in ("", "all"):
        where_listed += " and " + status_condition(chosen)
        listed["status"] = chosen["status"]
    exact_first = (
        "items.rowid not in (select rowid from items_fts where items_fts"
        " match romareact_exact(:q)), "
        if "q" in params
        else ""
    )
    counts = await queue_counts(newsroom, clauses, params)
    from_ = _QUEUE_FROM
    if clauses != ["1 = 1"] and await _few_matches(newsroom, counts, chosen, where_listed, listed):
        # Fewer than COUNT_CAP matches: read them through their filter's index and sort
        # them, instead of walking the queue's order far for a rare match. (The LIMIT keeps
        # SQLite from folding the subquery back into a walk of the queue's index.)
        from_ = _QUEUE_FROM.replace(
            "from items\n",
            f"from (select items.rowid as matched from items where {where_listed}"
            f" limit {COUNT_CAP}) as matches\njoin items on items.rowid = matches.matched\n",
            1,
        )
        where_listed = "1 = 1"  # tested in the subquery
    sql = _QUEUE_SQL.format(from_=from_, where=where_listed, exact_first=exact_first)
    too_slow = False
    try:
        rows = (await newsroom.execute(sql, listed)).rows
    except QueryInterrupted:  # a rare match far down the backlog: say so, not HTTP 500
        rows, too_slow = [], True
    source_rows = (await newsroom.execute("select id, name from sources order by name")).rows
    provinces = [
        r["name"]
        for r in (
            await newsroom.execute("select name from places where kind = 'province' order by name")
        ).rows
    ]
    submissions = {
        r["item_id"]
        for r in (
            await newsroom.execute(
                "select item_id from submissions where item_id in (select value from json_each(?))",
                [json.dumps([r["id"] for r in rows])],
            )
        ).rows
    }
    query = {k: v for k, v in chosen.items() if v}
    return await _page(
        datasette,
        request,
        "rr_queue.html",
        rows=rows,
        too_slow=too_slow,
        counts=counts,
        chosen=chosen,
        sources=source_rows,
        provinces=provinces,
        submissions=submissions,
        offset=offset,
        page_size=PAGE_SIZE,
        next_query=urlencode({**query, "offset": offset + PAGE_SIZE}),
        prev_query=urlencode({**query, "offset": max(0, offset - PAGE_SIZE)}),
        this_query=urlencode(query),
        filtered=any(chosen[k] for k in ("source", "province", "category", "from", "to", "q")),
    )


async def queue_decide(datasette, request):
    actor = _require(request)
    form = await _form(request)
    item_ids = request_items(form)
    decision = form.get("decision")
    if decision not in ("approved", "rejected", "new") or not item_ids:
        return Response.text("Choose items and a decision / Изберете материали", status=400)
    back = form.get("back") or ""
    return await _decide(datasette, request, actor, item_ids, decision, form.get("reason"),
                         "/newsroom/-/queue" + (f"?{back}" if back else ""))  # fmt: skip


async def _decide(datasette, request, actor, item_ids, decision, reason, target):
    """Decide, say what changed, and offer to undo it."""

    def run(db):
        after_id = curation.last_audit_id(db)
        changed = curation.decide(db, item_ids, decision, actor, reason)
        unplaced = 0
        if decision == "approved":
            unplaced = db.execute(
                "select count(*) from json_each(?) where not exists (select 1 from mentions "
                "where mentions.item_id = json_each.value and mentions.is_primary = 1)",
                [json.dumps(item_ids)],
            ).fetchone()[0]
        return changed, unplaced, after_id, curation.last_audit_id(db)

    changed, unplaced, after_id, last_id = await _write(datasette, run)
    if not changed:
        _say(datasette, request, "done.nothing", datasette.WARNING)
    elif unplaced:
        _say(datasette, request, "done.approved_unplaced", datasette.WARNING, n=changed,
             m=unplaced)  # fmt: skip
    else:
        _say(datasette, request, f"done.{decision}", n=changed)
    response = Response.redirect(target)
    _offer_undo(datasette, response, actor, after_id, last_id)
    return response


def request_items(form) -> list[str]:
    """Item ids from a form: several checkboxes named "item", or one comma list."""
    values = form.getlist("item")
    ids = []
    for value in values:
        ids.extend(v.strip() for v in (value or "").split(",") if v.strip())
    return ids


# ---- one item ----


def highlight(text: str, surfaces: list[str]) -> Markup:
    """The text, escaped, with every place mention marked."""
    names = sorted({s for s in surfaces if s}, key=len, reverse=True)
    if not names or not text:
        return escape(text or "")
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup('<mark class="rr-place">{}</mark>').format(match.group(0)))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def unsure_mentions(mentions) -> list[dict]:
    """The places the analysis was unsure of, each with the namesakes it weighed."""
    out = []
    for mention in mentions:
        if mention["needs_review"]:
            try:
                weighed = json.loads(mention["candidates"] or "[]")
            except ValueError:
                weighed = []
            out.append({"surface": mention["surface"], "name": mention["name"],
                        "is_primary": bool(mention["is_primary"]), "weighed": weighed})  # fmt: skip
    return out


async def item_page(datasette, request):
    _require(request)
    item_id = request.url_vars["item_id"]
    newsroom = datasette.get_database("newsroom")
    item = (
        await newsroom.execute(
            "select items.*, sources.name as source from items "
            "left join sources on sources.id = items.source_id where items.id = ?",
            [item_id],
        )
    ).first()
    if item is None:
        return Response.text("No such item / Няма такъв материал", status=404)
    item = dict(item)
    mentions = (
        await newsroom.execute(
            "select mentions.*, places.name, places.kind, places.province, places.municipality, "
            "places.lat, places.lon from mentions join places on places.id = mentions.place_id "
            "where mentions.item_id = ? order by mentions.is_primary desc, mentions.start",
            [item_id],
        )
    ).rows
    primary = next((m for m in mentions if m["is_primary"]), None)
    unsure = unsure_mentions(mentions)
    # Namesakes: every settlement called like a mentioned place, in any province.
    names = sorted({m["name"] for m in mentions} | {m["surface"] for m in mentions if m["surface"]})
    candidates = (
        await newsroom.execute(
            "select id, name, kind, province, municipality, lat, lon, population from places "
            "where kind in ('settlement', 'neighbourhood') and name in "
            "(select value from json_each(?)) order by name, province",
            [json.dumps(names, ensure_ascii=False)],
        )
    ).rows
    search = (request.args.get("place") or "").strip()
    found = []
    if search:
        found = (
            await newsroom.execute(
                "select id, name, kind, province, municipality, lat, lon from places "
                "where kind in ('settlement', 'neighbourhood') "
                "and (name like :q or name_latin like :q) order by population desc nulls last, "
                "name limit 30",
                {"q": search.replace("%", "") + "%"},
            )
        ).rows
    story = item["cluster_id"] or item["id"]
    event = (await newsroom.execute("select * from events where id = ?", [story])).first()
    story_items = (
        await newsroom.execute(
            "select items.id, items.title, items.status, sources.name as source, items.url "
            "from items left join sources on sources.id = items.source_id "
            "where coalesce(items.cluster_id, items.id) = ? order by items.id",
            [story],
        )
    ).rows
    submission = (
        await newsroom.execute("select * from submissions where item_id = ?", [item_id])
    ).first()
    likely = await newsroom.execute_fn(
        lambda conn: merging.candidates(sqlite_utils.Database(conn), item_id)
    )
    surfaces = [m["surface"] for m in mentions if m["surface"]] + [m["name"] for m in mentions]
    map_points = [
        {"id": c["id"], "name": c["name"], "province": c["province"], "lat": c["lat"],
         "lon": c["lon"], "chosen": bool(primary and primary["place_id"] == c["id"])}
        for c in candidates
    ]  # fmt: skip
    if primary and not any(p["chosen"] for p in map_points):
        map_points.append(
            {"id": primary["place_id"], "name": primary["name"], "province": primary["province"],
             "lat": primary["lat"], "lon": primary["lon"], "chosen": True}
        )  # fmt: skip
    return await _page(
        datasette,
        request,
        "rr_item.html",
        item=item,
        title_html=highlight(item["title"] or "", surfaces),
        text_html=highlight(item["full_text"] or item["summary"] or "", surfaces),
        mentions=mentions,
        primary=primary,
        unsure=unsure,
        candidates=candidates,
        found=found,
        search=search,
        event=dict(event) if event else None,
        story=story,
        story_items=story_items,
        submission=dict(submission) if submission else None,
        map_points=map_points,
        likely=likely,
    )


FIELD_KEYS = ("category", "tags", "public_title", "public_excerpt", "sensitive", "unpublished")


async def item_action(datasette, request):
    actor = _require(request)
    item_id = request.url_vars["item_id"]
    action = request.url_vars["action"]
    form = await _form(request)
    here = f"/newsroom/-/item/{item_id}"
    t = translator(_lang(request))
    if action == "decide":
        decision = form.get("decision") or ""
        if decision not in curation.DECISIONS:
            return Response.text(f"unknown decision {decision!r}", status=400)
        return await _decide(datasette, request, actor, [item_id], decision,
                             form.get("reason"), here)  # fmt: skip

    def run(db):
        story = next(db.query("select coalesce(cluster_id, id) as s from items where id = ?",
                              [item_id]), {"s": item_id})["s"]  # fmt: skip
        if action == "relocate":
            curation.relocate(db, item_id, form.get("place_id") or "", actor)
            return _placed(db, item_id, "done.relocated")
        if action == "pin":
            try:
                lat, lon = float(form.get("lat") or ""), float(form.get("lon") or "")
            except ValueError:
                raise curation.CurationError("latitude and longitude are numbers") from None
            curation.drop_pin(db, item_id, lat, lon, actor)
            return _placed(db, item_id, "done.pinned")
        if action == "edit":
            # The event must exist to carry the edit: approving first is the usual order.
            if not db["events"].count_where("id = ?", [story]):
                raise curation.CurationError(
                    "approve the item first: it has no event yet / първо одобрете материала"
                )
            changes = curation.edit_event(
                db, story, actor,
                category=form.get("category"), tags=form.get("tags"),
                public_title=form.get("public_title"),
                public_excerpt=form.get("public_excerpt"),
                sensitive=form.get("sensitive") == "1",
                unpublished=form.get("unpublished") == "1",
            )  # fmt: skip
            fields = [t(f"field.{k}") for k in FIELD_KEYS if k in changes]
            if not fields:
                return ("done.saved_nothing", {})
            return ("done.saved", {"fields": ", ".join(fields)})
        if action == "merge":
            others = request_items(form)
            if not others:
                raise curation.CurationError("name the items to merge / посочете материали")
            keep = {f"keep_{f}": form.get(f"keep_{f}") or "this"
                    for f in ("title", "place", "category")}  # fmt: skip
            kept = {}
            for other in others:
                kept = merging.merge_keeping(db, item_id, other, actor, **keep)
                # Only one side can give the others' title, place and category.
                keep = dict.fromkeys(keep, "this")
            refresh_events(db)
            merging.apply_kept_category(db, story, kept, actor)
            n = db.execute("select count(*) from items where coalesce(cluster_id, id) = ?",
                           [story]).fetchone()[0]  # fmt: skip
            return ("done.merged", {"n": n, "title": kept.get("title") or "",
                                    "place": kept.get("place") or "—"})  # fmt: skip
        if action == "split":
            curation.split(db, item_id, actor)
            return ("done.split", {})
        raise curation.CurationError(f"unknown action {action}")

    try:
        key, values = await _write(datasette, run)
    except (curation.CurationError, users.UserError) as error:
        if form.get("back_to"):  # a page form: say so on the page, nothing else changed
            _say(datasette, request, "done.error", datasette.ERROR, error=str(error))
            return Response.redirect(_back(form, here))
        return Response.text(str(error), status=400)
    _say(datasette, request, key, **values)
    return Response.redirect(here)


def _placed(db, item_id: str, key: str) -> tuple[str, dict]:
    row = next(db.query(
        "select places.name, places.province from mentions join places "
        "on places.id = mentions.place_id where mentions.item_id = ? and mentions.is_primary = 1",
        [item_id]), {"name": "—", "province": ""})  # fmt: skip
    return key, {"place": row["name"], "province": row["province"] or ""}


async def compare_page(datasette, request):
    """Two stories side by side before a merge, with what disagrees."""
    _require(request)
    item_id = request.url_vars["item_id"]
    other = (request.args.get("with") or "").strip()
    newsroom = datasette.get_database("newsroom")

    def read(conn):
        return merging.compare(sqlite_utils.Database(conn), item_id, other)

    try:
        sides = await newsroom.execute_fn(read)
    except curation.CurationError as error:
        return Response.text(str(error), status=404)
    return await _page(datasette, request, "rr_merge.html", item_id=item_id, other=other,
                       **sides)  # fmt: skip


# ---- community reports ----


async def submit(datasette, request):
    lang = "en" if request.args.get("lang") == "en" else "bg"
    newsroom = datasette.get_database("newsroom")
    context = {"lang": lang, "error": None, "sent": request.args.get("sent") == "1", "form": {}}
    if request.method == "POST":
        form = await _form(request)
        context["form"] = dict(form)
        lang = "en" if form.get("lang") == "en" else "bg"
        context["lang"] = lang
        if form.get("website"):  # the honeypot: people never see this field
            return Response.redirect(f"/submit?sent=1&lang={lang}")
        address = _address(request)
        key = await credentials(datasette).run(server_key)  # the sender's hash is keyed
        place_name = (form.get("place") or "").strip()

        def analyse(conn):
            # The analysis news gets, on what the reporter typed. It reads the gazetteer
            # (about 0.15 s with the full GeoNames file), so it runs on a read connection
            # and only for an address still within its limit: never under the write lock.
            db = sqlite_utils.Database(conn)
            if not curation.submission_allowed(db, address, key):
                return None
            return curation.place_report(
                Gazetteer.from_db(db),
                place_name,
                form.get("title") or "",
                form.get("description") or "",
            )

        def store(conn, places):
            db = sqlite_utils.Database(conn)
            if places is None or not curation.submission_allowed(db, address, key):
                return "limited"
            event_date = form.get("date") or None
            if event_date:
                date.fromisoformat(event_date)
            return curation.submit_report(
                db, title=form.get("title") or "", description=form.get("description") or "",
                places=places, place_text=place_name, event_date=event_date,
                link=(form.get("link") or "").strip() or None,
                contact=form.get("contact") or None, language=lang, address=address,
                address_key=key,
            )  # fmt: skip

        try:
            places = await newsroom.execute_fn(analyse)
            result = await newsroom.execute_write_fn(lambda conn: store(conn, places), block=True)
        except (curation.CurationError, ValueError) as error:
            context["error"] = str(error)
            response = await _page(datasette, request, "rr_submit.html", **context)
            response.status = 400
            return response
        if result == "limited":
            context["error"] = (
                "Too many reports from your address; please try again later."
                if lang == "en"
                else "Твърде много сигнали от вашия адрес; опитайте по-късно."
            )
            response = await _page(datasette, request, "rr_submit.html", **context)
            response.status = 429
            return response
        return Response.redirect(f"/submit?sent=1&lang={lang}")
    return await _page(datasette, request, "rr_submit.html", **context)


# ---- administrators ----


async def users_page(datasette, request):
    actor = _require(request, admin=True)
    newsroom = datasette.get_database("newsroom")
    error = None
    if request.method == "POST":
        form = await _form(request)

        def change(db):
            if form.get("action") == "add":
                users.add_user(db, form.get("username") or "", form.get("password") or "",
                               form.get("role") or "editor", actor)  # fmt: skip
            else:
                username = form.get("username") or ""
                if username == actor and form.get("active") == "0":
                    raise users.UserError("you cannot disable yourself")
                users.set_user(
                    db, username, actor,
                    role=form.get("role") or None,
                    active=None if form.get("active") is None else form.get("active") == "1",
                    password=form.get("password") or None,
                )  # fmt: skip

        try:
            # Through the credential store: it alone sees (and ends) the account's sessions.
            await credentials(datasette).run(change)
            return Response.redirect("/newsroom/-/users")
        except users.UserError as problem:
            error = str(problem)
    rows = (
        await newsroom.execute(
            "select username, role, active, created_at from users order by username"
        )
    ).rows
    return await _page(datasette, request, "rr_users.html", users=rows, error=error)


async def sources_page(datasette, request):
    actor = _require(request, admin=True)
    newsroom = datasette.get_database("newsroom")
    if request.method == "POST":
        form = await _form(request)
        source_id, enabled = form.get("source") or "", form.get("enabled") == "1"

        def toggle(conn):
            sources.set_enabled(sqlite_utils.Database(conn), source_id, enabled, actor)

        await newsroom.execute_write_fn(toggle, block=True)
        return Response.redirect("/newsroom/-/sources")
    rows = (await newsroom.execute("select * from source_health_report")).rows
    return await _page(datasette, request, "rr_sources.html", sources=rows)


async def audit_redirect(datasette, request):
    _require(request)
    return Response.redirect("/newsroom/audit_log?_sort_desc=id")


@hookimpl
def register_routes():
    return [
        (r"^/-/login$", login),
        (r"^/-/logout$", logout),
        (r"^/newsroom/-/queue$", queue),
        (r"^/newsroom/-/queue/decide$", queue_decide),
        (r"^/newsroom/-/item/(?P<item_id>[A-Za-z0-9_:.-]{1,100})$", item_page),
        (
            r"^/newsroom/-/item/(?P<item_id>[A-Za-z0-9_:.-]{1,100})/"
            r"(?P<action>decide|relocate|pin|edit|merge|split)$",
            item_action,
        ),
        (r"^/newsroom/-/item/(?P<item_id>[A-Za-z0-9_:.-]{1,100})/compare$", compare_page),
        (r"^/newsroom/-/undo$", undo),
        (r"^/newsroom/-/language$", switch_language),
        (r"^/newsroom/-/users$", users_page),
        (r"^/-/auth-token$", root_sign_in),
        (r"^/newsroom/-/sources$", sources_page),
        (r"^/newsroom/-/audit$", audit_redirect),
        (r"^/submit$", submit),
    ]


@hookimpl
def menu_links(datasette, actor):
    t = translator((actor or {}).get("language") or "bg")
    if not actor:
        return [{"href": "/-/login", "label": t("menu.signin")}]
    links = [
        {"href": "/newsroom/-/queue", "label": t("menu.queue")},
        {"href": "/newsroom/-/audit", "label": t("menu.audit")},
    ]
    if actor.get("role") == "admin" or actor.get("id") == "root":
        links += [
            {"href": "/newsroom/-/users", "label": t("menu.users")},
            {"href": "/newsroom/-/sources", "label": t("menu.sources")},
        ]
    return [*links, {"href": "/-/logout", "label": t("menu.signout")}]
