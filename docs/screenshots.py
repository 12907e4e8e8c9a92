"""Regenerate the README's screenshots from the demo, in headless chromium.

    python docs/screenshots.py

Runs `romareact demo --no-serve` in a temporary folder, adds an editor, serves it, and
captures the map, the review queue, an item page and the report form into docs/screenshots/.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from browser_support import chromium, offline_context  # noqa: E402
from local_servers import romareact_serve  # noqa: E402

PASSWORD = "screenshot-password"


def capture(base: str, out: Path) -> None:
    with chromium() as browser:
        context, _ = offline_context(browser, height=800)
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
        page.screenshot(path=out / "item.png")
        page.goto(base + "/submit?lang=en")
        page.screenshot(path=out / "submit.png")


def main() -> None:
    out = HERE / "screenshots"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        romareact = [sys.executable, "-P", "-m", "romareact"]
        subprocess.run([*romareact, "demo", "--no-serve", "--data-dir", tmp], check=True)
        add_editor = [*romareact, "users", "add", "maria", "--password-stdin", "--data-dir", tmp]
        subprocess.run(add_editor, input=PASSWORD + "\n", text=True, check=True)
        with romareact_serve(Path(tmp), env={"ROMAREACT_SECRET": "screenshots"}) as base:
            capture(base, out)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
