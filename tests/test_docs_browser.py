"""/docs renders in a real headless Chromium under the service's Content-Security-Policy:
the Swagger UI lists the operations and the browser reports no error (a CSP violation is one)."""

from __future__ import annotations


def test_docs_page_renders_the_operations_under_the_content_security_policy(live_server, chromium):
    _, base_url = live_server
    page = chromium.new_page()
    try:
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
        page.close()
