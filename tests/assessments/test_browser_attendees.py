"""Adding attendees in Chromium: search by name, tick two of the people listed, add them with the search
still in the box, and find them on the session's list."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from tests import factories

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():  # noqa: ANN201
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def test_it_adds_the_ticked_people_of_a_search(live_server, browser, trainer, hv_course, team) -> None:
    from playwright.sync_api import expect

    session = factories.TrainingSessionFactory(course=hv_course, plant=team[0].plant, trainer=trainer)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(live_server.url + reverse("session-detail", args=[session.pk]))

    page.fill("input[name=q]", "Operator")
    page.click("button:text-is('Add')")
    expect(page.get_by_text("10 employees match “Operator”: pick them below.")).to_be_visible()
    page.check("label:has-text('SY004 Operator 04')")
    page.check("label:has-text('SY007 Operator 07')")
    expect(page.locator("input[name=q]")).to_have_value("Operator")  # the search is still in the box
    page.click("button:has-text('Add the ticked people')")

    expect(page.get_by_text("2 attendee(s) added (0 already on the list).")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("SY004")
    expect(rows.nth(1)).to_contain_text("SY007")
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["SY004", "SY007"]
