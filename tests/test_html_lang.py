"""Every HTML page names its language on <html>; other responses are left alone."""

from __future__ import annotations

import asyncio

import pytest

from romareact.html_lang import add_lang, page_language
from romareact.serve import make_datasette
from romareact.workspace import open_workspace


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        (b"", "bg"),
        (b"lang=en", "en"),
        (b"lang=bg", "bg"),
        (b"lang=fr", "bg"),
        (b"x=1&lang=en", "en"),
    ],
)
def test_page_language(query, lang):
    assert page_language(query) == lang


def test_add_lang_touches_only_a_bare_tag_at_the_top():
    assert add_lang(b"<!DOCTYPE html>\n<html>\n<head>", "bg") == (
        b'<!DOCTYPE html>\n<html lang="bg">\n<head>'
    )
    assert add_lang(b'<html lang="en">', "bg") == b'<html lang="en">'
    late = b" " * 600 + b"<html>"
    assert add_lang(late, "bg") == late


def test_datasette_pages_get_lang_and_a_right_length(data_dir):
    open_workspace(data_dir).close()
    datasette = make_datasette(data_dir)

    async def fetch(path):
        return await datasette.client.get(path)

    for path, lang in [("/", "bg"), ("/submit?lang=en", "en"), ("/cite", "bg"), ("/map", "bg")]:
        response = asyncio.run(fetch(path))
        assert response.status_code == 200, path
        assert f'<html lang="{lang}">' in response.text[:300], path
        assert response.text.count("<html") == 1
        if "content-length" in response.headers:
            assert int(response.headers["content-length"]) == len(response.content)
    data = asyncio.run(fetch("/public/events.json"))
    assert data.json()["rows"] == []
