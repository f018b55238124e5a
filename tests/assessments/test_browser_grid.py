"""A trainer's session in Chromium: create it, add ten people, fill the grid with the keyboard, get one
score refused with nothing saved, correct it, save, and find the new certification on an employee's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment, Certification
from tests import factories
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]


def test_it_runs_a_whole_session_through_the_grid(live_server, browser, trainer, hv_course, team, line_sy) -> None:
    from playwright.sync_api import expect

    factories.EmployeeFactory(employee_no="SY999", name="Not in the session", plant=team[0].plant)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()  # the login has landed
    page.goto(live_server.url + reverse("assessments:trainer-home"))
    assert page.locator("#who-needs-me").get_by_text("HV-001").count() >= 1
    page.screenshot(path=f"{SCREENSHOTS}/trainer-home.png", full_page=True)

    # Create the session and add the whole line (ten people) at once.
    page.click("text=New session")
    page.select_option("#id_course", label=str(hv_course))
    page.fill("#id_location", "Training room 2")
    page.click("button:has-text('Create session')")
    page.select_option("select[name=line]", value=str(line_sy.pk))
    page.click("button:has-text('Add')")
    expect(page.get_by_text("10 attendees added.")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/session-detail.png", full_page=True)

    # Fill the grid with the keyboard: scores down the column with Enter, practicals with P / F.
    page.click("text=Enter results")
    expect(page.locator("[data-col=score]").first).to_be_focused()  # focus starts in the grid
    scores = ["85", "92", "130", "88", "79", "95", "81", "90", "100", "84"]
    for score in scores:
        page.keyboard.type(score)
        page.keyboard.press("Enter")
    outcomes = page.locator("[data-outcome]")
    expect(outcomes.nth(2)).to_have_text("0-100")  # refused as it is typed
    expect(outcomes.nth(4)).to_have_text("Fail")  # 79 < pass mark 80
    page.locator("[data-col=practical][value=pass]").first.focus()
    for index in range(10):
        page.keyboard.press("p" if index != 5 else "f")
        page.keyboard.press("Enter")
    expect(outcomes.nth(0)).to_have_text("Pass")
    expect(outcomes.nth(5)).to_have_text("Fail")
    expect(page.locator("[data-filled-count]")).to_have_text("10 of 10 rows filled")
    page.set_viewport_size({"width": 1366, "height": 1400})
    page.screenshot(path=f"{SCREENSHOTS}/grid-desktop-filled.png", full_page=True)

    page.click("#save-results")
    expect(page.locator("#grid-refused")).to_contain_text("Nothing was saved")
    assert Assessment.objects.count() == 0
    expect(page.locator("#grid-row-SY003 + tr")).to_contain_text("The score must be between 0 and 100.")
    expect(page.locator("#grid-row-SY001 [data-col=score]")).to_have_value("85")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=f"{SCREENSHOTS}/grid-tablet-refused.png", full_page=False)

    expect(page.locator("#grid-row-SY003 [data-col=score]")).to_be_focused()  # the cursor waits in the bad row
    page.keyboard.press("Control+a")
    page.keyboard.type("93")
    expect(outcomes.nth(2)).to_have_text("Pass")
    page.click("#save-results")
    expect(page.locator(".alert-success")).to_have_text("10 rows recorded (20 results).")  # no "0 blank rows"
    assert page.url.endswith(reverse("assessments:session-detail", args=[team[0].training_sessions.get().pk]))
    assert Assessment.objects.filter(source="grid").count() == 20

    # The new certification is on the employee's page; the failed ones are in progress.
    page.goto(live_server.url + reverse("assessments:employee-detail", args=["SY001"]))
    expect(page.locator("#requirements tr[data-course='HV-001']")).to_contain_text("Valid")
    expect(page.locator("#qualification")).to_contain_text("Qualified")
    page.goto(live_server.url + reverse("assessments:employee-detail", args=["SY005"]))
    expect(page.locator("#requirements tr[data-course='HV-001']")).to_contain_text("In progress")
    assert Certification.objects.filter(course=hv_course, certified_on__isnull=False).count() == 8
    page.screenshot(path=f"{SCREENSHOTS}/employee-page.png", full_page=True)


def _log_in(page, live_server) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


# Where the sticky save bar overlaps a row's selected practical button, and what is drawn there.
OVERLAP = """() => {
  const bar = document.querySelector(".grid-actions");
  const box = bar.getBoundingClientRect();
  const y = box.top + box.height / 2;
  const label = Array.from(document.querySelectorAll(".grid-practical label")).find((l) => {
    const r = l.getBoundingClientRect();
    const radio = document.getElementById(l.htmlFor);
    return r.top < y && r.bottom > y && radio.checked && radio.value !== "";
  });
  if (!label) { return null; }
  const r = label.getBoundingClientRect();
  const x = r.left + r.width / 2;
  const button = document.getElementById("save-results").getBoundingClientRect();
  return {
    label: label.textContent.trim(),
    onTop: document.elementFromPoint(x, y).closest(".grid-actions") !== null,
    button: document.elementFromPoint(button.left + button.width / 2, button.top + button.height / 2).id
      || document.elementFromPoint(button.left + button.width / 2, button.top + button.height / 2).closest("button").id,
  };
}"""


def test_it_draws_the_sticky_save_bar_over_a_selected_result(live_server, browser, trainer, hv_course, team) -> None:
    """Issue #14 item 17: a selected Pass/Fail button (z-index 1 in its button group) showed through the bar."""
    session = factories.TrainingSessionFactory(
        course=hv_course, plant=team[0].plant, trainer=trainer, held_on=team[0].plant.local_today()
    )
    session.attendees.set(team)
    page = browser.new_page(viewport={"width": 1024, "height": 600})
    _log_in(page, live_server)
    page.goto(live_server.url + reverse("assessments:session-results", args=[session.pk]))

    # Select the fourth row's Pass, then scroll so that it sits under the middle of the bar (selecting
    # focuses the radio, which may scroll the page itself).
    page.evaluate(
        """() => {
          const pass = document.querySelectorAll(".grid-practical label.btn-outline-success")[3];
          pass.click();
          const bar = document.querySelector(".grid-actions").getBoundingClientRect();
          const r = pass.getBoundingClientRect();
          // "instant": Bootstrap makes scrolling smooth, which would measure the page mid-scroll.
          window.scrollBy({top: (r.top + r.height / 2) - (bar.top + bar.height / 2), behavior: "instant"});
        }"""
    )
    overlap = page.evaluate(OVERLAP)
    page.screenshot(path=f"{SCREENSHOTS}/grid-save-bar-over-selected.png")

    assert overlap == {"label": "Pass", "onTop": True, "button": "save-results"}


def test_it_reopens_a_grid_with_recorded_rows_read_only(live_server, browser, trainer, hv_course, team) -> None:
    """Issue #14 item 9 in the browser: recorded kinds have no input, count in the live outcome, are stepped
    over by Enter, and are voided from the grid, which frees the input again."""
    from playwright.sync_api import expect

    from assessments.services.results import assessments_record
    from tests.assessments.helpers import result

    today = team[0].plant.local_today()
    session = factories.TrainingSessionFactory(course=hv_course, plant=team[0].plant, trainer=trainer, held_on=today)
    session.attendees.set(team[:4])
    assessments_record(
        rows=[
            result(team[0], hv_course, "theory", today, trainer, score=90),
            result(team[0], hv_course, "practical", today, trainer, passed=True),
            result(team[1], hv_course, "theory", today, trainer, score=88),
        ],
        recorded_by=trainer,
        session=session,
    )
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    _log_in(page, live_server)
    page.goto(live_server.url + reverse("assessments:session-results", args=[session.pk]))

    closed, half = page.locator("#grid-row-SY001"), page.locator("#grid-row-SY002")
    expect(closed.locator("[data-col]")).to_have_count(0)
    expect(closed.locator("[data-outcome]")).to_have_text("Pass")  # from the recorded results, kept by the script
    expect(half.locator("[data-col=score]")).to_have_count(0)
    expect(half.locator("[data-outcome]")).to_have_text("Incomplete")
    expect(page.locator("[data-filled-count]")).to_have_text("0 of 3 rows filled")
    expect(page.locator("#grid-row-SY003 [data-col=score]")).to_be_focused()  # the first open score

    half.locator("[data-col=practical][value=pass]").focus()
    page.keyboard.press("p")
    expect(half.locator("[data-outcome]")).to_have_text("Pass")  # theory 88 recorded + practical pass
    page.keyboard.press("Shift+Enter")  # up: SY001's practical is recorded, so nothing above takes focus
    expect(half.locator("[data-col=practical][value=pass]")).to_be_focused()
    page.locator("#grid-row-SY003 [data-col=score]").focus()
    page.keyboard.press("Shift+Enter")  # up past SY002 (theory recorded) and SY001 (closed): stays
    page.keyboard.type("91")
    page.keyboard.press("Enter")
    expect(page.locator("#grid-row-SY004 [data-col=score]")).to_be_focused()
    page.screenshot(path=f"{SCREENSHOTS}/grid-reopened.png", full_page=True)

    # Void SY001's theory from the grid: back on the grid, with the score input free again.
    closed.locator("[data-recorded-kind=theory] summary").click()
    closed.locator("[data-recorded-kind=theory] input[name=reason]").fill("typed for the wrong person")
    closed.locator("[data-recorded-kind=theory] button:has-text('Void')").click()
    expect(page.get_by_text("Entry voided")).to_be_visible()
    assert page.url.endswith(reverse("assessments:session-results", args=[session.pk]))
    expect(page.locator("#grid-row-SY001 [data-col=score]")).to_have_count(1)
    expect(page.locator("#grid-row-SY001 [data-col=practical]")).to_have_count(0)
    assert Assessment.objects.filter(employee=team[0], kind="theory", voided_at__isnull=False).count() == 1
