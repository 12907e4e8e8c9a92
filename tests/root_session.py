"""Sign in as root the way `romareact serve --root` lets one: its one-time link."""

from __future__ import annotations

import asyncio
import secrets


def root_cookies(datasette) -> dict[str, str]:
    """Cookies of a root session on this Datasette (its one-time token is used up)."""
    datasette._root_token = token = secrets.token_hex(8)
    response = asyncio.run(datasette.client.get(f"/-/auth-token?token={token}"))
    assert response.status_code == 302, response.text
    return dict(response.cookies)
