"""Screenshot of a report page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright).

    python -m evals.screenshot evals/results/hanoi_frozen/report.html artifacts/screenshots/eval-report.png

No browser is ever downloaded; all network requests are blocked (the page must be self-contained)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def screenshot(html_path: Path, out: Path, *, width: int = 1280, full_page: bool = True) -> dict[str, Any]:
    """Render ``html_path`` and save a PNG; returns what the page did (requests, console errors, sizes)."""
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    seen: dict[str, Any] = {"requests": [], "errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})

            def on_request(route: Any) -> None:
                url = route.request.url
                if url.startswith(("file:", "data:", "about:")):
                    route.continue_()
                else:
                    seen["requests"].append(url)
                    route.abort()

            page.route("**/*", on_request)
            page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.goto(html_path.resolve().as_uri())
            page.wait_for_load_state("load")
            seen["svg_count"] = page.locator("svg").count()
            seen["sections"] = page.eval_on_selector_all("section h2", "els => els.map(e => e.textContent)")
            seen["scripts"] = page.locator("script").count()
            seen["height"] = page.evaluate("document.body.scrollHeight")
            page.screenshot(path=str(out), full_page=full_page)
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m evals.screenshot REPORT.html OUT.png")
    info = screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
    print(info)
