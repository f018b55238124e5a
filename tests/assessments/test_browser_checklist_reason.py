"""The grid says live why a checklist fails (issue #16): Worked example 2's BAT-MOD-010 (item 3 critical, every
other item needed): the header states the threshold, and each row the critical item or the others' count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]


def test_it_shows_why_a_marked_checklist_fails_as_items_are_ticked(
    live_server, browser, trainer, worked_example_2
) -> None:
    from playwright.sync_api import expect

    plant = worked_example_2["plant"]
    session = factories.TrainingSessionFactory(
        course=worked_example_2["mod"], plant=plant, trainer=trainer, held_on=plant.local_today()
    )
    session.attendees.set([worked_example_2["P"]])
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("form[action$='/logout/']")).to_be_visible()

    page.goto(live_server.url + reverse("assessments:session-results", args=[session.pk]))
    expect(page.locator("[data-checklist-rule]")).to_have_text(
        "Pass: every critical item and at least 100% of the others."
    )
    row = page.locator("#grid-row-P")
    reason = row.locator("[data-outcome-reason]")
    row.locator("summary").click()
    for position in ("1", "2", "3"):
        row.locator(f"input[data-item][value='{position}']").check()
    expect(row.locator("[data-outcome]")).to_have_text("Fail")
    expect(reason).to_have_text("2 of 3 others OK, needs 100%")
    row.locator("input[data-item][value='4']").check()
    expect(row.locator("[data-outcome]")).to_have_text("Pass")
    expect(reason).to_have_text("")
    row.locator("input[data-item][value='3']").uncheck()
    expect(reason).to_have_text("critical item 3 not OK")
