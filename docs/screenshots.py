"""Regenerate the README's screenshots from the demo, in headless chromium.

    python docs/screenshots.py

Runs `romareact demo --no-serve` in a temporary folder, adds an editor, serves it, and
captures the map, the review queue, an item page and the report form into docs/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from browser_support import launch, route_offline  # noqa: E402

PASSWORD = "screenshot-password"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        romareact = [sys.executable, "-m", "romareact"]
        subprocess.run([*romareact, "demo", "--no-serve", "--data-dir", tmp], check=True)
        add_editor = [*romareact, "users", "add", "maria", "--password-stdin", "--data-dir", tmp]
        subprocess.run(add_editor, input=PASSWORD + "\n", text=True, check=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        serve = [*romareact, "serve", "--data-dir", tmp, "--port", str(port)]
        server = subprocess.Popen(serve, env={**os.environ, "ROMAREACT_SECRET": "screenshots"})
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                with urllib.request.urlopen(base + "/-/versions.json"):
                    break
            except OSError:
                time.sleep(0.3)
        out = HERE / "screenshots"
        out.mkdir(exist_ok=True)
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                route_offline(context)
                page = context.new_page()
                page.goto(base + "/map#cat=education,housing,health")
                page.wait_for_selector("html[data-ready='1']")
                page.screenshot(path=out / "map.png")
                page.goto(base + "/-/login")
                page.fill("#username", "maria")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url("**/newsroom/-/queue")
                page.check("tr[data-item] input[name=item] >> nth=0")
                page.check("tr[data-item] input[name=item] >> nth=1")
                page.screenshot(path=out / "queue.png")
                first = page.get_attribute("tr[data-item] >> nth=2", "data-item")
                page.goto(f"{base}/newsroom/-/item/{first}")
                page.wait_for_timeout(500)
                page.screenshot(path=out / "item.png", full_page=False)
                page.goto(base + "/submit?lang=en")
                page.screenshot(path=out / "submit.png")
                browser.close()
        finally:
            server.terminate()
            server.wait()
        print(f"screenshots in {out} (from {data})")


if __name__ == "__main__":
    main()
