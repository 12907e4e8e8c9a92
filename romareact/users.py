"""Editor and administrator accounts: scrypt-hashed passwords, roles, login throttling.

Accounts live in the newsroom database (never in the repository); `romareact users add`
creates them. Roles: "editor" curates; "admin" also manages users and sources. Datasette's
own connections read their hashes, sessions and failures as NULL (romareact.credentials).

Sessions are kept on the server: a random key per sign-in (the cookie holds it, the table
only its hash), with the time it was issued and its expiry; disabling an account or changing
its password ends all of its sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

import sqlite_utils

from romareact.db import audit, utcnow, write_transaction

ROLES = ("editor", "admin")
MIN_PASSWORD = 10
# scrypt cost: about 50 ms per check here, and 16 MB of memory per attempt.
_N, _R, _P = 2**14, 8, 1
# Failed logins allowed per account and per address in the window before a pause.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


class UserError(ValueError):
    """A username, role or password that cannot be accepted, with the reason."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(candidate.hex(), digest)


def add_user(
    newsroom: sqlite_utils.Database, username: str, password: str, role: str, actor: str
) -> None:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise UserError("username: 2–32 of a-z, 0-9, '.', '_', '-' / потребителско име")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters / поне {MIN_PASSWORD} знака")
    with write_transaction(newsroom):
        if newsroom["users"].count_where("username = ?", [username]):
            raise UserError(f"user {username!r} already exists")
        newsroom["users"].insert(
            {
                "username": username,
                "password_hash": hash_password(password),
                "role": role,
                "active": 1,
                "created_at": utcnow(),
            }
        )
        audit(newsroom, "user.added", "users", username, None, {"role": role}, actor=actor)


def set_user(
    newsroom: sqlite_utils.Database,
    username: str,
    actor: str,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> None:
    changes: dict = {}
    if role is not None:
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}")
        changes["role"] = role
    if active is not None:
        changes["active"] = int(active)
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise UserError(f"password: at least {MIN_PASSWORD} characters")
        changes["password_hash"] = hash_password(password)
        # A new password ends every session signed with the old one.
        changes["session_version"] = secrets.token_hex(4)
    with write_transaction(newsroom):
        before = next(newsroom.query("select * from users where username = ?", [username]), None)
        if before is None:
            raise UserError(f"no user {username!r}")
        newsroom["users"].update(username, changes)
        if password is not None or active is False:
            end_sessions(newsroom, username)
        shown = {k: v for k, v in changes.items() if k not in ("password_hash", "session_version")}
        if password is not None:
            shown["password"] = "changed"
        audit(newsroom, "user.changed", "users", username,
              {k: before[k] for k in shown if k in before}, shown, actor=actor)  # fmt: skip


def set_language(newsroom: sqlite_utils.Database, username: str, language: str) -> None:
    """The newsroom's language for this editor, kept for every later session."""
    if language not in ("bg", "en"):
        raise UserError(f"language must be bg or en, not {language!r}")
    with write_transaction(newsroom):
        before = next(newsroom.query("select language from users where username = ?",
                                     [username]), None)  # fmt: skip
        if before is None:
            raise UserError(f"no user {username!r}")
        if before["language"] != language:
            newsroom["users"].update(username, {"language": language})
            audit(newsroom, "user.language", "users", username, before,
                  {"language": language}, actor=username)  # fmt: skip


def get_active_user(newsroom: sqlite_utils.Database, username: str) -> dict | None:
    return next(
        newsroom.query("select * from users where username = ? and active = 1", [username]),
        None,
    )


@cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_hex(16))


def _since() -> str:
    return (datetime.now(UTC) - FAILURE_WINDOW).isoformat(timespec="seconds")


def login_blocked(newsroom: sqlite_utils.Database, username: str, address: str) -> bool:
    """Too many recent failures for this account from this address, or from this address.

    Counted per address, never for the account alone: otherwise anyone could lock an editor
    out with twenty wrong passwords (issue 17), while the editor signs in from elsewhere."""
    row = newsroom.execute(
        "select sum(username = ?), count(*) from login_failures where address = ? and at >= ?",
        [username, address, _since()],
    ).fetchone()
    return (row[0] or 0) >= MAX_FAILURES or (row[1] or 0) >= MAX_FAILURES * 2


def authenticate(
    newsroom: sqlite_utils.Database, username: str, password: str, address: str
) -> dict | None:
    """The user, if the password is right; a failure is recorded for throttling."""
    username = (username or "").strip().lower()
    user = get_active_user(newsroom, username)
    # Check a hash even for unknown users, so timing does not tell which usernames exist.
    ok = check_password(password, user["password_hash"] if user else _unknown_user_hash())
    if ok and user:
        return user
    with write_transaction(newsroom):
        newsroom["login_failures"].insert({"username": username, "address": address,
                                           "at": utcnow()})  # fmt: skip
        newsroom["login_failures"].delete_where("at < ?", [_since()])
    return None


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(newsroom: sqlite_utils.Database, username: str) -> str:
    """A new session for username (a new key at every sign-in); returns its key."""
    key = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with write_transaction(newsroom):
        newsroom["sessions"].delete_where("expires_at < ?", [now.isoformat(timespec="seconds")])
        newsroom["sessions"].insert({
            "key_hash": _key_hash(key),
            "username": username,
            "issued_at": now.isoformat(timespec="seconds"),
            "expires_at": (now + SESSION_LIFETIME).isoformat(timespec="seconds"),
        })  # fmt: skip
    return key


def session_user(newsroom: sqlite_utils.Database, key: str) -> dict | None:
    """The active user whose unexpired session key this is."""
    return next(
        newsroom.query(
            "select users.username, users.role, users.language from sessions"
            " join users on users.username = sessions.username"
            " where sessions.key_hash = ? and sessions.expires_at > ? and users.active = 1",
            [_key_hash(key or ""), datetime.now(UTC).isoformat(timespec="seconds")],
        ),
        None,
    )


def end_sessions(newsroom: sqlite_utils.Database, username: str) -> None:
    """Sign username out everywhere."""
    with write_transaction(newsroom):
        newsroom["sessions"].delete_where("username = ?", [username])
