"""Datasette plugin: the open dataset for other tools' clients.

- every sorted table page is paged exactly (romareact.exact_paging);
- a `.geojson` export of any table or query view with lat/lon, paged like its JSON.
"""

from __future__ import annotations

from datasette import hookimpl
from mapping import table_geojson
from romareact.exact_paging import ExactFirstPages


@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    # trylast: Datasette wraps in hook order, so this one lies outside the others.
    def wrap(app):
        return ExactFirstPages(app, datasette)

    return wrap


@hookimpl
def register_output_renderer():
    return {
        "extension": "geojson",
        "render": table_geojson.render,
        "can_render": table_geojson.can_render,
    }
