"""A trainer's day in Simplified Chinese, in Chromium (issue #14 item 3).

In zh-hans every date input was rendered "2026/12/01", which `<input type="date">` rejects: the
session form and the single-result form came back "这个字段是必填项" and nothing could be recorded.
The trainer switches the site to 中文 with its language buttons, creates a session with the
date the form offers, adds a line's people, records the whole session in the grid, then records
one retake from an employee's page; the Assessment rows are checked in the database.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment, TrainingSession
from tests import factories

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]

SCORES = {"SY001": 85, "SY002": 92, "SY003": 64, "SY004": 88}


def test_it_records_a_whole_session_and_a_single_result_in_chinese(
    live_server,
    browser,
    trainer,
    hv_course,
    team,
    line_sy,
    plant_sy,
) -> None:
    from playwright.sync_api import expect

    today = plant_sy.local_today().isoformat()
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    page.goto(live_server.url + reverse("login"))
    page.click("#language-menu")  # the site's own language switch
    page.click("button[name=language][value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("form[action$='/logout/']")).to_be_visible()  # logged in

    # The session form offers today as an ISO value the date picker accepts; submit it as offered.
    page.goto(live_server.url + reverse("assessments:session-create"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#id_held_on")).to_have_value(today)
    page.select_option("#id_course", value=str(hv_course.pk))
    page.fill("#id_location", "培训中心 2 号教室")
    page.click("main form button[type=submit]")
    add_form = "form[action$='/attendees/add/']"
    expect(page.locator(f"{add_form} select[name=line] option[value='{line_sy.pk}']")).to_have_count(1)
    session = TrainingSession.objects.get()
    assert (session.course, session.held_on.isoformat(), session.location) == (hv_course, today, "培训中心 2 号教室")

    # Add the whole line (ten people).
    page.select_option(f"{add_form} select[name=line]", value=str(line_sy.pk))
    page.click(f"{add_form} button[type=submit]")
    expect(page.locator(f"a[href='{reverse('assessments:session-results', args=[session.pk])}']")).to_be_visible()
    assert session.attendees.count() == 10

    # Record results for the whole session in the grid: a score and a practical result per person.
    page.goto(live_server.url + reverse("assessments:session-results", args=[session.pk]))
    expect(page.locator("#results-form input[type=date]")).to_have_value(today)
    for employee in team:
        row = page.locator(f"#grid-row-{employee.employee_no}")
        row.locator("[data-col=score]").fill(str(SCORES.get(employee.employee_no, 90)))
        row.locator("input[data-col=practical][value=pass] + label").click()
    page.click("#save-results")
    expect(page).to_have_url(live_server.url + reverse("assessments:session-detail", args=[session.pk]))
    grid = Assessment.objects.filter(session=session, source="grid")
    assert grid.count() == 20
    assert {(a.employee.employee_no, a.score, a.passed) for a in grid.filter(kind="theory")} == {
        (e.employee_no, SCORES.get(e.employee_no, 90), SCORES.get(e.employee_no, 90) >= 80) for e in team
    }
    assert set(grid.filter(kind="practical").values_list("passed", flat=True)) == {True}
    assert {a.assessed_on.isoformat() for a in grid} == {today}

    # SY003 failed the theory test (64): a retake recorded from the employee's page.
    page.goto(live_server.url + reverse("assessments:employee-detail", args=["SY003"]))
    page.click(f"a[href='{reverse('assessments:result-create', args=['SY003'])}']")
    expect(page.locator("#id_assessed_on")).to_have_value(today)
    page.select_option("#id_course", value=str(hv_course.pk))
    page.select_option("#id_kind", value="theory")
    page.fill("#id_score", "91")
    page.click("main form[method=post] button[type=submit]")
    expect(page).to_have_url(live_server.url + reverse("assessments:employee-detail", args=["SY003"]))
    single = Assessment.objects.get(source="web")
    assert (single.employee.employee_no, single.kind, single.score, single.passed, single.attempt) == (
        "SY003",
        "theory",
        91,
        True,
        2,
    )
    assert single.assessed_on.isoformat() == today
    expect(page.locator("#requirements tr[data-course='HV-001']")).to_contain_text("有效")
