"""The plant dashboard in Chromium: the trend chart is drawn, no console errors (CSP included)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from assessments.readiness.recompute import snapshots_backfill
from tests.assessments.conftest import D1
from tests.browser import CHROMIUM_ARGS, SCREENSHOTS


def _is_error(message) -> bool:
    # Chromium asks every site for /favicon.ico; certtrack has none: not an error of the page.
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


@pytest.mark.chromium
@pytest.mark.django_db(transaction=True)
def test_it_draws_the_plant_dashboard(worked_example, manager, client, live_server) -> None:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    line = worked_example["line"]
    line.sop_date = D1.replace(month=9, day=1)
    line.save()
    plant_id = worked_example["plant"].id
    snapshots_backfill(plant_id=plant_id, days=90)
    client.force_login(manager)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for name, viewport in (
                ("desktop", {"width": 1366, "height": 900}),
                ("tablet", {"width": 768, "height": 1024}),
            ):
                context = browser.new_context(viewport=viewport)
                context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
                page = context.new_page()
                problems: list[str] = []
                page.on(
                    "console",
                    lambda message, problems=problems: problems.append(message.text) if _is_error(message) else None,
                )
                page.on("pageerror", lambda error, problems=problems: problems.append(str(error)))
                page.on(
                    "response",
                    lambda response, problems=problems: (
                        problems.append(f"{response.status} {response.url}")
                        if response.status >= 400 and not response.url.endswith("/favicon.ico")
                        else None
                    ),
                )

                page.goto(f"{live_server.url}/dashboard/plants/SY/")
                page.wait_for_function("() => window.Chart && Chart.getChart('readiness-trend')")

                chart = page.evaluate(
                    """() => {
                        const chart = Chart.getChart('readiness-trend');
                        const canvas = document.getElementById('readiness-trend');
                        return {width: canvas.width, height: canvas.height, datasets: chart.data.datasets.length,
                                points: chart.data.datasets[0].data.filter((v) => v !== null).length,
                                dashes: chart.data.datasets.map((d) => d.borderDash.length),
                                colours: chart.data.datasets.map((d) => d.borderColor)};
                    }"""
                )
                assert chart["width"] > 0 and chart["height"] > 0
                # One line, L1: its readiness and, dashed, its readiness confirmed; then the forecast's
                # (planning/templatetags/planning_forecast.py): planned, expected (dotted) and the target.
                assert chart["datasets"] == 5
                assert chart["dashes"] == [0, 2, 0, 2, 2]
                assert chart["colours"][0] == chart["colours"][1]
                assert chart["points"] == 90  # the last 90 days, today included
                assert page.locator("tr[data-line='L1'] meter").count() == 1
                page.screenshot(path=SCREENSHOTS / f"certtrack-plant-dashboard-{name}.png", full_page=True)

                page.goto(f"{live_server.url}/dashboard/")
                page.wait_for_function(
                    "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-sparkline]'))"
                )
                page.goto(f"{live_server.url}/dashboard/plants/SY/lines/L1/")
                assert page.locator("#coverage-heatmap td[data-shift='A']").count() == 2  # S1, S2 on shift A
                page.screenshot(path=SCREENSHOTS / f"certtrack-line-dashboard-{name}.png", full_page=True)
                assert problems == []
                context.close()
        finally:
            browser.close()
