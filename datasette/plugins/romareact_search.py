"""Datasette plugin: searches find the forms of a Bulgarian word (romareact.bulgarian_search),
and a search beside a filter reads the filter's index (romareact.search_plan).

Every connection to the public and newsroom databases gets the widened escape_fts, which
table pages' `_search` call, and romareact_search()/romareact_exact() for our own queries.
"""

from __future__ import annotations

from datasette import hookimpl
from romareact.bulgarian_search import FTS_TABLES, prepare_search
from romareact.search_plan import plan_searches


@hookimpl(trylast=True)
def prepare_connection(conn, database):
    # trylast: after Datasette's own escape_fts, so that ours is the one SQL calls.
    fts_table = FTS_TABLES.get(database)
    if fts_table:
        prepare_search(conn, fts_table)


@hookimpl
def startup(datasette):
    for name, fts_table in FTS_TABLES.items():
        if name in datasette.databases:
            # sqlite-utils names a table's full-text index <table>_fts.
            plan_searches(datasette.databases[name], {fts_table.removesuffix("_fts"): fts_table})
