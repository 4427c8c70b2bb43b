"""/docs renders in a real headless Chromium under the service's Content-Security-Policy:
the Swagger UI lists the operations and the browser reports no error (a CSP violation is one)."""

from __future__ import annotations

import os
import threading

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from werkzeug.serving import make_server  # noqa: E402

from service import create_app  # noqa: E402


@pytest.fixture
def base_url(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'docs.sqlite3'}"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    app.extensions["policy_options"].engine.dispose()


def test_docs_page_renders_the_operations_under_the_content_security_policy(base_url):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            problems, failed = [], []
            # Failed loads are judged by their responses below (the browser asks for a favicon we have not).
            page.on("console", lambda message: problems.append(message.text)
                    if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("response", lambda response: failed.append(response.url)
                    if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
            response = page.goto(f"{base_url}/docs")
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            page.wait_for_selector(".opblock-summary-path", timeout=15000)
            paths = page.eval_on_selector_all(".opblock-summary-path", "nodes => nodes.map(n => n.dataset.path)")
            assert "/api/v1/models/{model_id}/rankings" in paths
            # Open one operation: its schema and example render with the same policy.
            page.locator(".opblock-summary").first.click()
            page.wait_for_selector(".opblock-body", timeout=5000)
            assert problems == [] and failed == []
        finally:
            browser.close()
