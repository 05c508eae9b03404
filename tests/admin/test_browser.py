"""The admin page in a real browser: sign in, edit a weight, see the server's message at the field,
preview, activate, and see the dashboard change. Headless Chromium from Debian, driven by Playwright.

Skipped only on a developer machine without /usr/bin/chromium; under CI (env CI set) a missing
browser or Playwright is a failure, so a green CI run always means the browser test ran.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import Mount

from admin import create_admin_app
from connector.files import FileSource
from connector.load import load_source
from crmscore.auth import create_key
from crmscore.pipeline import run_scoring
from crmscore.sample import generate
from store import open_store

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "artifacts" / "screenshots"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WEIGHT = 'input[name="root[indicators][0][weight]"]'

pytestmark = pytest.mark.browser


def _need_browser() -> Any:
    in_ci = bool(os.environ.get("CI"))
    if not CHROMIUM.exists():
        if in_ci:
            pytest.fail(f"CI is set but {CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
        pytest.skip(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci:
            pytest.fail("CI is set but the playwright package is missing: pip install -e '.[test]'")
        pytest.skip("playwright is not installed")
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_admin(tmp_path: Path) -> Iterator[tuple[str, str, Engine]]:
    """A uvicorn server in a thread serving the admin app on a scored 300-customer sample store."""
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    generate(tmp_path / "sample", customers=300, seed=5)
    load_source(engine, FileSource(tmp_path / "sample", source="sample"))
    run_scoring(engine)  # activates the shipped default config as version 1
    _, key = create_key(engine, name="browser admin", role="admin")
    app = Starlette(routes=[Mount("/admin", app=create_admin_app(engine, secret_key="browser-test-secret-0123"))])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/admin", key, engine
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def test_an_admin_edits_a_weight_previews_activates_and_sees_the_dashboard_change(live_admin: tuple[str, str, Engine]):
    sync_playwright = _need_browser()
    base, key, _ = live_admin
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.set_default_timeout(15000)

            page.goto(f"{base}/login")
            page.screenshot(path=SHOTS / "login-1280.png", full_page=True)
            page.get_by_label("Admin API key").fill(key)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/")
            before = page.locator("#run-info").inner_text()
            assert "config version 1" in before
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip-link"
            page.screenshot(path=SHOTS / "dashboard-before-1280.png", full_page=True)

            page.get_by_role("link", name="Edit config").click()
            page.wait_for_selector("body[data-editor-ready=true]")
            weight = page.locator(WEIGHT)
            assert weight.input_value() == "3"  # the shipped default's recency weight
            assert weight.evaluate("e => e.labels.length && e.labels[0].textContent.trim()") == "Weight"

            weight.fill("-5")
            weight.press("Tab")
            page.get_by_role("button", name="Validate").click()
            message = page.locator('.server-error[data-path="root.indicators.0.weight"]')
            message.wait_for()
            assert message.inner_text() == "must be at least 0, got -5"  # the CLI's own message
            assert weight.get_attribute("aria-invalid") == "true"
            assert weight.get_attribute("aria-describedby") == message.get_attribute("id")
            message.scroll_into_view_if_needed()
            page.screenshot(path=SHOTS / "config-invalid-1280.png")

            weight.fill("40")
            weight.press("Tab")
            page.get_by_role("button", name="Validate").click()
            page.wait_for_function("document.getElementById('status').textContent.startsWith('Valid:')")
            assert page.locator(".server-error").count() == 0

            page.get_by_role("button", name="Preview").click()
            page.locator("#preview-panel").wait_for(state="visible")
            page.wait_for_function("document.getElementById('status').textContent.startsWith('Preview ready')")
            summary = page.locator("#preview-summary").inner_text()
            assert "change band" in summary
            assert page.locator("#preview-bands tbody tr").count() >= 2
            page.locator("#preview-panel").screenshot(path=SHOTS / "config-preview-1280.png")

            page.get_by_label("Comment").fill("recency matters far more")
            page.get_by_role("button", name="Save").click()
            page.wait_for_function("/now active, re-scored as run/.test(document.getElementById('status').textContent)")
            saved = page.locator("#status").inner_text()
            version = saved.split("version ")[1].split(",")[0]
            assert version != "1"

            page.get_by_role("link", name="Dashboard").click()
            after = page.locator("#run-info").inner_text()
            assert f"config version {version}" in after and after != before
            page.screenshot(path=SHOTS / "dashboard-after-1280.png", full_page=True)
            page.set_viewport_size({"width": 768, "height": 1000})
            page.screenshot(path=SHOTS / "dashboard-768.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 768

            page.goto(f"{base}/history")
            assert page.locator(f"#version-{version} .badge").inner_text() == "active"
            page.screenshot(path=SHOTS / "history-768.png", full_page=True)
            page.goto(f"{base}/config")
            page.wait_for_selector("body[data-editor-ready=true]")
            assert page.locator(WEIGHT).input_value() == "40"
            page.screenshot(path=SHOTS / "config-768.png")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/")
            page.locator("#h-low ~ table a").first.click()
            page.locator("#chart-contrib").wait_for()
            assert page.locator("#h-ind ~ table tbody tr").count() >= 5
            page.screenshot(path=SHOTS / "customer-1280.png", full_page=True)
            assert errors == [], f"script errors in the page: {errors}"
        finally:
            browser.close()
