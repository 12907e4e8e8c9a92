"""Datasette plugin: accessibility fixes for Datasette's own pages (issue 19, axe-core).

- every HTML page gets `lang` on <html> (romareact.html_lang);
- /-/romareact/a11y.css darkens Datasette's blue buttons and links to 4.5:1 contrast;
- a short script names the table page's filter and sort controls and the SQL editor, which
  Datasette's templates leave without labels.
Our own pages carry their labels in their templates.
"""

from __future__ import annotations

from datasette.utils.asgi import Response

from datasette import hookimpl
from romareact.html_lang import HtmlLang

# #0062cc on white is 5.9:1 (Datasette's #007bff is 3.97:1).
_CSS = """
form input[type=submit] {background-color: #0062cc; border-color: #0062cc;}
form button[type=button] {color: #0062cc; border-color: #0062cc;}
a:link, a:visited, .sql-format, #sql-format {color: #0057b8;}
"""

# Fixed text only; nothing from the request or the data.
_LABELS = """
(function () {
  function name(selector, label) {
    document.querySelectorAll(selector).forEach(function (node) {
      if (!node.getAttribute("aria-label")) { node.setAttribute("aria-label", label); }
    });
  }
  function all() {
    name("select[name^='_filter_column']", "Колона на филтъра / Filter column");
    name("select[name^='_filter_op']", "Условие / Filter operator");
    name("input.filter-value", "Стойност / Filter value");
    name("select[name='_sort']", "Подреди по / Sort by");
    name("textarea[name='sql']", "SQL заявка / SQL query");
    name(".CodeMirror textarea", "SQL заявка / SQL query");
  }
  all();
  // The SQL editor (CodeMirror) is built on load, after this script.
  window.addEventListener("load", all);
})();
"""


async def a11y_css():
    return Response(_CSS, content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


@hookimpl
def register_routes():
    return [(r"^/-/romareact/a11y\.css$", a11y_css)]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/romareact/a11y.css")]


@hookimpl
def extra_body_script():
    return _LABELS


@hookimpl
def asgi_wrapper():
    return HtmlLang
