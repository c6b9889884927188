"""Take the README's screenshots from a running demo (make run), in Debian's Chromium.

Signs in as lena; if she has not chosen yet, saves the consent prompt and answers "no".

    .venv/bin/python scripts/readme-screenshot.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{BASE}/login/")
        page.get_by_label("Email").fill("lena@demo.candor")
        page.get_by_label("Password").fill("candor-demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{BASE}/")
        save = page.get_by_role("button", name="Save my choice")
        if save.count():
            page.screenshot(path=str(OUT / "consent.png"), full_page=False)
            save.click()  # both boxes left empty: "no", which is the default anyway
            page.wait_for_load_state()
        page.screenshot(path=str(OUT / "dashboard.png"), full_page=False)
        browser.close()
    print(f"wrote screenshots to {OUT}")


if __name__ == "__main__":
    main()
