"""The downloads page's files: every snapshot's files, streamed with ranges and validators.

A snapshot's files (`romareact snapshot`) sit in DATA_DIR/snapshots. Only files a snapshot
row names are served, by plain file name, so no request reaches any other file. Each is sent
in blocks read off the event loop, never whole in memory, with its SHA-256 as the ETag (the
files never change once written), Content-Length, Last-Modified and single byte ranges
(RFC 9110), so a cut download resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
from dataclasses import dataclass
from pathlib import Path

BLOCK = 256 * 1024
CONTENT_TYPES = {
    ".db": "application/vnd.sqlite3",
    ".csv": "text/csv; charset=utf-8",
    ".geojson": "application/geo+json; charset=utf-8",
}
KIND_LABELS = {
    "sqlite": "База данни SQLite / SQLite database",
    "events-csv": "Всички събития, CSV / All events, CSV",
    "events-geojson": "Всички събития, GeoJSON / All events, GeoJSON",
    "changes-csv": "Промени спрямо предишната версия, CSV / Changes since the previous, CSV",
}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class Download:
    file: str
    kind: str
    sha256: str | None
    version: int


def snapshot_files(row: dict) -> list[Download]:
    """The files of one snapshot row; a snapshot made before the files were listed offers its
    database (whose SHA-256 it recorded) and its changes CSV."""
    if row.get("files"):
        entries = json.loads(row["files"])
    else:
        changes = row["file"].removesuffix(".db") + ".changes.csv"
        entries = [
            {"file": row["file"], "kind": "sqlite", "sha256": row["sha256"]},
            {"file": changes, "kind": "changes-csv", "sha256": None},
        ]
    return [
        Download(entry["file"], entry["kind"], entry.get("sha256"), row["version"])
        for entry in entries
        if _SAFE_NAME.match(entry["file"])
    ]


def byte_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte of a single `Range: bytes=` request; None to send the whole file
    (no range, or one this server does not do: several ranges); False when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    if start >= size:
        return False
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None  # an invalid range is ignored (RFC 9110 14.2)
    return start, end


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


async def send_file(
    send, path: Path, headers: dict[str, str], method: str, download: Download
) -> None:
    """Answer a GET or HEAD for the file: 304, 206 with one range, 416, or 200."""
    info = path.stat()
    size = info.st_size
    etag = f'"{download.sha256}"' if download.sha256 else f'"{info.st_mtime_ns:x}-{size:x}"'
    base = [
        ("etag", etag),
        ("last-modified", email.utils.formatdate(info.st_mtime, usegmt=True)),
        ("accept-ranges", "bytes"),
        ("cache-control", "public, max-age=86400"),
    ]
    if _etag_matches(headers.get("if-none-match"), etag):
        await _respond(send, 304, base)
        return
    wanted = byte_range(headers.get("range"), size)
    if_range = headers.get("if-range")
    if wanted and if_range and if_range.strip() != etag:
        wanted = None  # the file changed since the client's first part: send it whole
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    base.append(("content-type", content_type))
    base.append(("content-disposition", f'attachment; filename="{path.name}"'))
    if wanted is False:
        await _respond(send, 416, [*base, ("content-range", f"bytes */{size}"),
                                   ("content-length", "0")])  # fmt: skip
        return
    start, end = wanted if wanted else (0, size - 1)
    length = end - start + 1 if size else 0
    status = 206 if wanted else 200
    extra = [("content-range", f"bytes {start}-{end}/{size}")] if wanted else []
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": _encode([*base, *extra, ("content-length", str(length))]),
    })  # fmt: skip
    if method == "HEAD" or length == 0:
        await send({"type": "http.response.body", "body": b""})
        return
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining:
            block = await asyncio.to_thread(handle.read, min(BLOCK, remaining))
            if not block:  # the file shrank under us: end what was promised short
                break
            remaining -= len(block)
            await send({"type": "http.response.body", "body": block, "more_body": bool(remaining)})
        if remaining:
            await send({"type": "http.response.body", "body": b""})


def _encode(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]


async def _respond(send, status: int, headers: list[tuple[str, str]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": _encode(headers)})
    await send({"type": "http.response.body", "body": b""})
