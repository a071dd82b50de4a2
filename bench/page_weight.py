"""Page weight: the bytes a real browser transfers to load a page the first time.

Debian's Chromium (through Playwright), a fresh profile per page (nothing
cached), signed in with the bench user's session, against the bench's gunicorn
with production settings: static files come from WhiteNoise's compressed
copies (`collectstatic` with the manifest storage), as in production. Each
response counts its headers and its body as sent (compressed), measured by
the browser; the page is loaded until the network is idle (its scripts'
requests included).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TARGETS = {"dashboard": 1_500_000, "map_editor": 300_000}


def measure(*, port: int, cookie: str, pages: dict[str, str]) -> dict:
    """{page: {bytes, requests, largest: [[path, bytes, encoding]]}} for each page path,
    or {"skipped": reason} when there is no browser."""
    if not os.path.exists(CHROMIUM):
        return {"skipped": f"no browser at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    cookies = [{"name": name.strip(), "value": value, "url": base}
               for name, value in (part.split("=", 1) for part in cookie.split(";") if "=" in part)]
    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for name, path in pages.items():
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_cookies(cookies)
                page = context.new_page()
                responses: list = []
                page.on("response", lambda response, seen=responses: seen.append(response))
                main = page.goto(base + path, wait_until="networkidle")
                if main is None or main.status != 200:
                    raise RuntimeError(f"{path} answered {main.status if main else 'nothing'}")
                loaded = []
                for response in responses:
                    sizes = response.request.sizes()
                    loaded.append((urlsplit(response.url).path, sizes["responseBodySize"] + sizes["responseHeadersSize"],
                                   response.headers.get("content-encoding", "")))
                context.close()
                total = sum(size for _path, size, _encoding in loaded)
                results[name] = {
                    "path": path, "bytes": total, "requests": len(loaded), "target_bytes": TARGETS.get(name),
                    "largest": [list(item) for item in sorted(loaded, key=lambda item: -item[1])[:5]],
                }
        finally:
            browser.close()
    return results


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    weights = results["page_weight"]
    if "skipped" in weights:
        return [("page weight", "skipped", weights["skipped"])]
    rows = []
    for name, weight in weights.items():
        path, size, encoding = weight["largest"][0]
        largest = "the page itself" if path == weight["path"] else path.rsplit("/", 1)[-1]
        rows.append((f"page weight: {name.replace('_', ' ')}", f"{weight['bytes'] / 1000:,.0f} kB",
                     (f"{weight['requests']} requests, first load; largest {largest} {size / 1000:,.0f} kB "
                      f"{encoding or 'uncompressed'}; target ≤ {weight['target_bytes'] / 1000:,.0f} kB")))
    return rows
