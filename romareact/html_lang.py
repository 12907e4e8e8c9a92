"""ASGI middleware: every HTML page says its language on <html> (WCAG 3.1.1).

Datasette's base template writes a bare `<html>`, and our pages extend it. The product
speaks Bulgarian first, English with `?lang=en` (/submit, the map), so a page is `bg`
unless its query asks for English, or the page says otherwise in its Content-Language
header (the newsroom speaks each editor's chosen language). Only the first `<html>` near
the top of the first body chunk is touched; anything else passes through unchanged.
"""

from __future__ import annotations

from urllib.parse import parse_qs

_TAG = b"<html>"
_HEAD = 512  # the tag follows the doctype within the first bytes


def page_language(query_string: bytes) -> str:
    values = parse_qs(query_string.decode("latin-1")).get("lang", [])
    return "en" if values and values[-1] == "en" else "bg"


def add_lang(body: bytes, lang: str) -> bytes:
    """`body` with `lang` on its first <html> tag, if that tag has no attributes yet."""
    at = body.find(_TAG, 0, _HEAD)
    if at < 0:
        return body
    return body[:at] + f'<html lang="{lang}">'.encode() + body[at + len(_TAG) :]


class HtmlLang:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        lang = page_language(scope.get("query_string", b""))
        start = None

        async def wrapped(message):
            nonlocal start, lang
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if b"text/html" not in headers.get(b"content-type", b""):
                    return await send(message)
                start = message  # held until the first body chunk says how long it is
                said = headers.get(b"content-language", b"").decode("latin-1")
                if said in ("bg", "en"):
                    lang = said
                return None
            if message["type"] == "http.response.body" and start is not None:
                held, start = start, None
                body = add_lang(message.get("body", b""), lang)
                headers = [(k, v) for k, v in held.get("headers", []) if k != b"content-length"]
                if not message.get("more_body"):
                    headers.append((b"content-length", str(len(body)).encode()))
                await send({**held, "headers": headers})
                return await send({**message, "body": body})
            return await send(message)

        await self.app(scope, receive, wrapped)
