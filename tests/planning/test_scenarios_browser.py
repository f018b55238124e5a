"""The scenario comparison in Chromium: a chart per line and for the plant, drawn under the strict CSP with no
console error; a manager promotes the scenario from its confirm page."""

from __future__ import annotations

import pytest
from django.conf import settings

from planning.models import ScenarioStatus
from tests.browser import SCREENSHOTS


def _is_error(message) -> bool:
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


@pytest.mark.chromium
@pytest.mark.django_db(transaction=True)
def test_it_draws_the_comparison_and_promotes(browser, full_scenario, w2, manager, client, live_server) -> None:
    client.force_login(manager)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if _is_error(message) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    line_key = f"line-{w2['line'].pk}"
    page.goto(f"{live_server.url}/planning/scenarios/{full_scenario.pk}/compare/")
    page.wait_for_function(
        "(key) => window.Chart && Chart.getChart(document.querySelector(`canvas[data-compare-chart='${key}']`))",
        arg=line_key,
    )
    chart = page.evaluate(
        """(key) => {
            const chart = Chart.getChart(document.querySelector(`canvas[data-compare-chart='${key}']`));
            return {labels: chart.data.datasets.map((d) => d.label), width: chart.canvas.width,
                    plant: !!Chart.getChart(document.querySelector("canvas[data-compare-chart='plant']"))};
        }""",
        line_key,
    )
    assert chart["width"] > 0 and chart["plant"]
    # Live and scenario, planned and expected, the target, and both SOP dates (the scenario moves it).
    assert chart["labels"] == [
        "Live: planned",
        "Live: expected",
        "Scenario: planned",
        "Scenario: expected",
        "Target",
        "SOP (live)",
        "SOP (scenario)",
    ]
    page.screenshot(path=SCREENSHOTS / "certtrack-scenario-compare.png", full_page=True)
    page.goto(f"{live_server.url}/planning/scenarios/{full_scenario.pk}/promote/")
    page.click("#promote-form button[type=submit]")
    page.wait_for_selector("#scenario-status")
    assert problems == []
    full_scenario.refresh_from_db()
    assert full_scenario.status == ScenarioStatus.PROMOTED
    context.close()
