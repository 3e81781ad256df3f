"""Headless Chromium for tests (Debian's chromium + chromium-driver, via selenium): open a local file, never the network.

    with headless_chromium(tmp_path / "profile") as driver:   # pytest.skip()s when the browser is absent
        driver.get(path.as_uri())
        save_screenshot(driver, tmp_path / "page.png")
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Wraps alert/confirm/prompt before any of the page's own scripts run, so a test can see whether one was called
# (an injected script in the page would call them) without a dialog blocking the session.
RECORD_DIALOGS = """
window.__dialogs = [];
["alert", "confirm", "prompt"].forEach(function (name) {
  window[name] = function (message) { window.__dialogs.push(name + ":" + String(message)); };
});
"""


def chromium_flags(profile: Path, width: int, height: int) -> list[str]:
    """Flags for a headless run that loads only what it is told: no updates, sync, QUIC or background requests.

    `--host-resolver-rules` makes every host name fail to resolve, so even a link or resource that slipped into a
    page could not reach the network; a file:// page needs no name resolution at all.
    """
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage", "--no-default-browser-check",
        "--host-resolver-rules=MAP * ~NOTFOUND", "--force-device-scale-factor=1",
        f"--window-size={width},{height}", f"--user-data-dir={profile}",
    ]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not binary.exists():
            return f"{binary} is absent (install the Debian packages chromium and chromium-driver: make browser-deps)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def headless_chromium(profile: Path, *, width: int = 1400, height: int = 900) -> Iterator:
    """A selenium WebDriver on a fresh headless Chromium profile; skips the calling test when the browser is absent."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, e.g. CSP violations
    for flag in chromium_flags(profile, width, height):
        options.add_argument(flag)
    # The local chromedriver is named explicitly, so selenium never looks for (or downloads) one of its own.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(10)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_DIALOGS})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def save_screenshot(driver, path: Path, *, full_page: bool = True) -> Path:
    """A PNG of the page, the whole height of it when `full_page`, written to `path`."""
    import base64

    if full_page:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        })
        path.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(path))
    return path
