"""Attendees in Chromium: search by name, tick two of the people listed, add them with the search still in
the box, and find them on the session's list; tick two people under "who needs me" on the trainer's home,
plan a session for them, and find exactly them on the new session's list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]


def test_it_adds_the_ticked_people_of_a_search(live_server, browser, trainer, hv_course, team) -> None:
    from playwright.sync_api import expect

    session = factories.TrainingSessionFactory(course=hv_course, plant=team[0].plant, trainer=trainer)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(live_server.url + reverse("assessments:session-detail", args=[session.pk]))

    page.fill("input[name=q]", "Operator")
    page.click("button:text-is('Add')")
    expect(page.get_by_text("10 employees match “Operator”: pick them below.")).to_be_visible()
    page.check("label:has-text('SY004 Operator 04')")
    page.check("label:has-text('SY007 Operator 07')")
    expect(page.locator("input[name=q]")).to_have_value("Operator")  # the search is still in the box
    page.screenshot(path=f"{SCREENSHOTS}/attendees-ticked.png", full_page=True)
    page.click("button:has-text('Add the ticked people')")

    expect(page.get_by_text("2 attendees added.", exact=True)).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("SY004")
    expect(rows.nth(1)).to_contain_text("SY007")
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["SY004", "SY007"]


def test_it_plans_a_session_for_people_ticked_on_the_trainer_home(
    live_server, browser, trainer, hv_course, team
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(live_server.url + reverse("assessments:trainer-home"))

    page.click("#who-needs-me summary")
    page.select_option("#gap-filter select[name=course]", value=str(hv_course.pk))
    page.click("#gap-filter button:has-text('Filter')")
    page.check("#plan-session tr[data-employee=SY003] input[name=attendee]")
    page.check("#plan-session tr[data-employee=SY008] input[name=attendee]")
    page.screenshot(path=f"{SCREENSHOTS}/who-needs-me.png", full_page=True)
    page.click("button:has-text('Plan a session for the ticked people')")

    expect(page.locator("#id_course")).to_have_value(str(hv_course.pk))
    expect(page.locator("input[name=attendees]:checked")).to_have_count(2)
    page.fill("#id_location", "Training room 2")
    page.screenshot(path=f"{SCREENSHOTS}/session-form-carried.png", full_page=True)
    page.click("button:has-text('Create session')")

    expect(page.get_by_text("Session created with 2 attendee(s).")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("SY003")
    expect(rows.nth(1)).to_contain_text("SY008")
    session = trainer.training_sessions.get()
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["SY003", "SY008"]
