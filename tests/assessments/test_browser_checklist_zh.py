"""A checklist practical recorded in Simplified Chinese on a tablet-sized window, with the keyboard (issue #16).

Worked example 2's BAT-MOD-010 (uses levels; checklist revision 1, item 3 critical), a session of P, Q, R, S:
the trainer opens P's checklist with Enter, ticks items with Space and moves with the arrows, leaves the
critical item not OK (the row shows Fail at once), goes on to Q's checklist with Enter, ticks every item,
picks level L, and saves. The stored marks, outcomes and levels are checked in the database.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests import factories
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.chromium, pytest.mark.django_db(transaction=True)]

ZH_ITEMS = {1: "模组方向已检查", 2: "按扭矩顺序拧紧", 3: "高压连接器已锁定并确认", 4: "标签已扫描"}


def test_it_records_a_checklist_practical_with_the_keyboard_in_chinese(
    live_server, browser, trainer, worked_example_2
) -> None:
    from playwright.sync_api import expect

    plant, course = worked_example_2["plant"], worked_example_2["mod"]
    for item in worked_example_2["checklist"].items.all():
        item.text_zh = ZH_ITEMS[item.position]
        item.save()
    session = factories.TrainingSessionFactory(
        course=course, plant=plant, trainer=trainer, held_on=plant.local_today(), delivery_mode="on_the_job"
    )
    session.attendees.set([worked_example_2[name] for name in "PQRS"])

    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(live_server.url + reverse("login"))
    page.click("#language-menu")
    page.click("button[name=language][value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("#id_username", "trainer")
    page.fill("#id_password", factories.PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("form[action$='/logout/']")).to_be_visible()

    page.goto(live_server.url + reverse("assessments:session-results", args=[session.pk]))
    row_p, row_q = page.locator("#grid-row-P"), page.locator("#grid-row-Q")
    expect(row_p.locator("summary[data-col=practical]")).to_be_focused()  # focus starts on P's checklist
    expect(row_p.locator("[data-critical='1'] + label")).to_contain_text("高压连接器已锁定并确认")

    # P: Enter opens the checklist at item 1; Space ticks 1, 2 and 4; the critical item 3 stays not OK.
    page.keyboard.press("Enter")
    expect(row_p.locator("input[data-item]").first).to_be_focused()
    expect(row_p.locator(".grid-critical .badge")).to_be_visible()  # the critical item is marked
    for key in ("Space", "ArrowDown", "Space", "ArrowDown", "ArrowDown", "Space"):
        page.keyboard.press(key)
    expect(row_p.locator("input[data-item][value='4']")).to_be_focused()
    expect(row_p.locator("[data-outcome]")).to_have_text("未通过")  # a critical item not OK fails at once
    expect(row_p.locator("[data-checklist-tally]")).to_contain_text("3/4")
    expect(row_p.locator("select[data-level]")).to_be_disabled()  # no level on a fail

    # Enter goes on to Q's checklist: every item OK, then Tab to the level and choose L.
    page.keyboard.press("Enter")
    expect(row_q.locator("input[data-item]").first).to_be_focused()
    for key in ("Space", "ArrowDown", "Space", "ArrowDown", "Space", "ArrowDown", "Space"):
        page.keyboard.press(key)
    expect(row_q.locator("[data-outcome]")).to_have_text("通过")
    page.keyboard.press("Tab")  # "checklist marked", ticked with the first item
    expect(row_q.locator("input[data-marked]")).to_be_checked()
    page.keyboard.press("Tab")
    level = row_q.locator("select[data-level]")
    expect(level).to_be_focused()
    expect(level).to_have_value("U")  # the default
    page.keyboard.press("ArrowUp")
    expect(level).to_have_value("L")
    page.screenshot(path=f"{SCREENSHOTS}/grid-checklist-zh-tablet.png", full_page=False)
    expect(page.locator("[data-filled-count]")).to_contain_text("2")

    page.click("#save-results")
    expect(page).to_have_url(live_server.url + reverse("assessments:session-detail", args=[session.pk]))
    stored = {a.employee.employee_no: a for a in Assessment.objects.filter(session=session, source="grid")}
    assert set(stored) == {"P", "Q"}
    assert (stored["P"].passed, stored["P"].level, stored["P"].checklist_marks) == (
        False,
        None,
        [True, True, False, True],
    )
    assert (stored["Q"].passed, stored["Q"].level, stored["Q"].checklist_marks) == (True, "L", [True] * 4)
    assert {a.checklist_id for a in stored.values()} == {worked_example_2["checklist"].pk}
    assert {a.delivery_mode for a in stored.values()} == {"on_the_job"}
