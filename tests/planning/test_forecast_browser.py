"""The forecast in Chromium: the line page's chart, the forecast page's chart and the plant page's trend chart
extended into the future, drawn with no console error (CSP included)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.browser import CHROMIUM_ARGS, SCREENSHOTS


def _is_error(message) -> bool:
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


@pytest.mark.chromium
@pytest.mark.django_db(transaction=True)
def test_it_draws_the_forecast(pass_rate_recorded, manager, client, live_server) -> None:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    client.force_login(manager)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda message: problems.append(message.text) if _is_error(message) else None)
            page.on("pageerror", lambda error: problems.append(str(error)))

            for path, shot in (
                ("/dashboard/plants/SY/lines/L2/", "line-dashboard"),
                ("/planning/SY/lines/L2/forecast/", "line-forecast"),
                ("/planning/SY/forecast/", "plant-forecast"),
            ):
                page.goto(f"{live_server.url}{path}")
                page.wait_for_function(
                    "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-forecast-chart]'))"
                )
                chart = page.evaluate(
                    """() => {
                        const chart = Chart.getChart(document.querySelector('canvas[data-forecast-chart]'));
                        const labels = chart.data.labels;
                        const at = labels.indexOf('2027-02-01');
                        return {labels: labels.length, names: chart.data.datasets.map((d) => d.label),
                                feb: chart.data.datasets.map((d) => d.data[at])};
                    }"""
                )
                assert chart["labels"] == 121  # today to SOP + 30 days (no roll-up history in this world)
                if shot != "plant-forecast":
                    assert chart["names"][2:4] == ["Planned qualified", "Expected qualified"]
                    assert chart["feb"][2:4] == [4, 3.6]
                    assert chart["names"][-1] == "Target"
                page.screenshot(path=SCREENSHOTS / f"certtrack-{shot}.png", full_page=True)

            page.goto(f"{live_server.url}/dashboard/plants/SY/")
            page.wait_for_function("() => window.Chart && Chart.getChart('readiness-trend')")
            trend = page.evaluate(
                """() => {
                    const chart = Chart.getChart('readiness-trend');
                    const at = chart.data.labels.indexOf('2027-02-01');
                    return {names: chart.data.datasets.map((d) => d.label),
                            feb: chart.data.datasets.map((d) => d.data[at])};
                }"""
            )
            assert trend["names"] == ["L2", "L2 confirmed", "L2 planned", "L2 expected", "L2 100%"]
            assert trend["feb"] == [None, None, 100, 90, 100]
            assert problems == []
            context.close()
        finally:
            browser.close()
