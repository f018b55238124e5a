"""In Chromium: choose an "as of" date on the plant page, open the list behind a count, no console errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from assessments.readiness.recompute import snapshots_backfill
from tests.assessments.conftest import D1
from tests.assessments.readiness.test_dashboard_browser import _is_error
from tests.browser import CHROMIUM_ARGS, SCREENSHOTS


@pytest.mark.chromium
@pytest.mark.django_db(transaction=True)
def test_a_manager_picks_a_date_and_opens_the_people_behind_a_count(
    worked_example, manager, client, live_server, monkeypatch
) -> None:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    from employees.models import Plant

    monkeypatch.setattr(Plant, "local_today", lambda self: D1)
    snapshots_backfill(plant_id=worked_example["plant"].id, days=30, today=D1)
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

            page.goto(f"{live_server.url}/dashboard/plants/SY/")
            assert "2 of 3 qualified" in page.locator("#link-qualified").inner_text()
            page.fill("#as-of-date", "2026-10-01")
            page.click("#as-of button[type=submit]")
            page.wait_for_url("**/dashboard/plants/SY/?date=2026-10-01")
            assert "1 of 3 qualified" in page.locator("#link-qualified").inner_text()
            assert page.locator("#computed-note").is_visible()
            page.screenshot(path=str(Path(SCREENSHOTS) / "certtrack-dashboard-as-of.png"), full_page=True)

            page.click("#link-gaps")
            page.wait_for_url("**/figures/gaps/?date=2026-10-01")
            rows = page.locator("#figure-rows tbody tr")
            assert rows.count() == 2
            assert page.locator("#as-of-date").input_value() == "2026-10-01"
            page.screenshot(path=str(Path(SCREENSHOTS) / "certtrack-figures-gaps.png"), full_page=True)

            with page.expect_download() as download:
                page.click("#export")
            assert download.value.suggested_filename == "gaps-SY-2026-10-01.xlsx"
            assert problems == []
            context.close()
        finally:
            browser.close()
