"""The API reference page (/api/v1/docs) renders in Chromium under the project's CSP, from our static files."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.chromium


def test_the_reference_page_renders_every_endpoint_without_a_csp_violation(live_server, browser) -> None:
    page = browser.new_page()
    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request", lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None
    )

    response = page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/results" in paths
    assert "/api/v1/plants/{plant}/lines/{line}/stations/{station}/gate" in paths
    assert page.locator(".auth-wrapper .authorize").count() == 1  # the bearer token is described
    assert problems == []
    assert outside == []  # no CDN
    page.close()
