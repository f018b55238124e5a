"""Issue #18's ramp-up in Chromium, as its people click through it: a plant manager opens an at-risk line (an
SOP date and gaps), asks for a suggested plan, reviews it, compares it with the live plan (the charts drawn under
the strict CSP, no console error), promotes it; then the suggestion's trainer logs in and finds the new planned
sessions on their home page."""

from __future__ import annotations

import datetime as dt

import pytest

from planning.models import PlannedSession, PlanSource, Scenario, ScenarioSession, ScenarioStatus
from tests import factories
from tests.browser import SCREENSHOTS


def _is_error(message) -> bool:
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


def _log_in(browser, live_server, username: str, problems: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on("console", lambda message: problems.append(message.text) if _is_error(message) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return context, page


@pytest.fixture
def at_risk_line(w2):
    """Worked example 2's line L2 (SOP 2027-03-01; Q and S miss BAT-MOD-010 at U) and three new hires on its
    station T1 with nothing yet: each misses HV-001 and BAT-MOD-010."""
    for number, shift in (("N1", "A"), ("N2", "A"), ("N3", "B")):
        factories.EmployeeFactory(
            employee_no=number,
            plant=w2["plant"],
            line=w2["line"],
            station=w2["t1"],
            shift=shift,
            hire_date=dt.date(2026, 11, 2),
        )
    return w2


@pytest.mark.chromium
@pytest.mark.django_db(transaction=True)
def test_a_manager_promotes_a_suggestion_and_the_trainer_sees_its_sessions(
    browser, at_risk_line, manager, trainer, live_server
) -> None:
    line = at_risk_line["line"]
    problems: list[str] = []
    context, page = _log_in(browser, live_server, "manager", problems)

    # The menu's Readiness, the plant, the line: it shows the forecast chart and the way to a suggestion.
    page.click("nav >> text=Readiness")
    page.click("main a[href='/dashboard/plants/SY/']")
    page.click("main a[href='/dashboard/plants/SY/lines/L2/']")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('[data-forecast-chart]'))")
    # At risk: only P and R qualified at SOP by the (empty) live plan, 5 short of the target.
    assert "5 people short at SOP" in page.inner_text("#forecast-card")
    page.screenshot(path=SCREENSHOTS / "certtrack-rampup-line.png", full_page=True)

    # The suggest form, its line already chosen: ask with the default buffer.
    page.click("#link-suggest-plan")
    assert page.input_value("select[name=line]") == str(line.pk)
    assert page.input_value("input[name=buffer_days]") == "14"
    with page.expect_navigation():
        page.click("#suggest-form button[type=submit]")
    scenario = Scenario.objects.get(source=PlanSource.SUGGESTION)
    assert page.url == f"{live_server.url}/planning/suggestions/{scenario.pk}/"
    sessions = list(ScenarioSession.objects.filter(scenario=scenario).select_related("course", "trainer"))
    # Q, S and N1..N3 miss BAT-MOD-010; N1..N3 miss HV-001 too: 8 attendances, shift A and B apart.
    assert scenario.suggestion["suggested"]["gaps_closed"] == scenario.suggestion["suggested"]["gaps"] == 8
    assert sum(s.attendances.count() for s in sessions) == 8
    assert {s.trainer for s in sessions} == {trainer}
    assert page.locator(".suggested-session").count() == len(sessions) >= 2
    assert "no breaking problem" in page.inner_text("#checker-result")
    quality = page.inner_text("#suggestion-quality")
    assert "8 / 8" in quality
    # Monday 2026-12-07's week holds N3's HV-001 alone (the counts agree in number).
    assert "Week of 2026-12-07: 1 session, 1 attendance" in page.inner_text("main")
    page.screenshot(path=SCREENSHOTS / "certtrack-rampup-suggestion.png", full_page=True)

    # Compare with the live plan (empty): the line's and the plant's charts are drawn.
    page.click("#suggestion-compare")
    line_key = f"line-{line.pk}"
    page.wait_for_function(
        "(key) => window.Chart && Chart.getChart(document.querySelector(`canvas[data-compare-chart='${key}']`))",
        arg=line_key,
    )
    chart = page.evaluate(
        """(key) => {
            const chart = Chart.getChart(document.querySelector(`canvas[data-compare-chart='${key}']`));
            const plant = Chart.getChart(document.querySelector("canvas[data-compare-chart='plant']"));
            const at = chart.data.labels.indexOf('2027-03-01');
            return {labels: chart.data.datasets.map((d) => d.label), width: chart.canvas.width, plant: !!plant,
                    sop: chart.data.datasets.slice(0, 3).map((d) => d.data[at])};
        }""",
        line_key,
    )
    assert chart["width"] > 0 and chart["plant"]
    assert chart["labels"][:4] == ["Live: planned", "Live: expected", "Scenario: planned", "Scenario: expected"]
    # At SOP: the live plan leaves 2 of 7 qualified (P and R); the scenario's plan qualifies all 7.
    assert chart["sop"][0] == 2 and chart["sop"][2] == 7
    page.screenshot(path=SCREENSHOTS / "certtrack-rampup-compare.png", full_page=True)

    # Promote from the comparison, on the confirm page.
    page.click("#compare-promote")
    assert f"{len(sessions)} added sessions become planned sessions" in page.inner_text("#promote-writes")
    with page.expect_navigation():
        page.click("#promote-form button[type=submit]")
    page.wait_for_selector("#scenario-status")
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.PROMOTED
    planned = list(PlannedSession.objects.live().select_related("course").order_by("planned_on", "id"))
    assert len(planned) == len(sessions)
    assert sorted((p.planned_on, p.course.code) for p in planned) == sorted(
        (s.planned_on, s.course.code) for s in sessions
    )
    context.close()

    # The trainer logs in and opens their home (the menu's Trainer): the promoted sessions, first one first.
    context, page = _log_in(browser, live_server, "trainer", problems)
    page.click("nav >> text=Trainer")
    rows = page.locator("#planned-sessions tr[data-planned-session]")
    assert rows.count() == len(planned)
    first = planned[0]
    assert rows.nth(0).get_attribute("data-planned-session") == str(first.pk)
    assert first.planned_on.isoformat() in rows.nth(0).inner_text()
    assert first.course.code in rows.nth(0).inner_text()
    page.screenshot(path=SCREENSHOTS / "certtrack-rampup-trainer.png", full_page=True)
    context.close()
    assert problems == []
