"""The results grid and the single-result form with checklists, levels and delivery modes (issue #16), on
Worked example 2's BAT-MOD-010 (uses levels; checklist revision 1: four items, item 3 critical)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from assessments.services.result_rules import Refusal
from courses.services import ChecklistItemInput, checklist_publish
from tests import factories
from tests.languages import switch_language

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_session(worked_example_2, trainer):
    plant = worked_example_2["plant"]
    session = factories.TrainingSessionFactory(
        course=worked_example_2["mod"],
        plant=plant,
        trainer=trainer,
        held_on=plant.local_today(),
        delivery_mode="on_the_job",
    )
    session.attendees.set([worked_example_2[name] for name in "PQRS"])
    return session


def _url(session) -> str:
    return reverse("assessments:session-results", args=[session.pk])


def _payload(session, entries: dict, *, revision: int = 1) -> dict:
    """entries: {employee: {"marks": [positions ticked], "marked": bool, "level": "U"}}; others blank (as a
    browser sends them: unticked checkboxes are not sent, the level select is)."""
    data = {"form_key": str(uuid.uuid4()), "assessed_on": session.held_on.isoformat(), "checklist_revision": revision}
    for employee in session.attendees.all():
        prefix = f"row-{employee.id}"
        entry = entries.get(employee, {})
        data[f"{prefix}-marks"] = [str(p) for p in entry.get("marks", [])]
        if entry.get("marked"):
            data[f"{prefix}-marked"] = "on"
        data[f"{prefix}-level"] = entry.get("level", "U")
        data[f"{prefix}-checklist_notes"] = ""
        data[f"{prefix}-notes"] = entry.get("notes", "")
    return data


def test_it_shows_each_rows_checklist_with_the_critical_item_marked(client, trainer, mod_session) -> None:
    client.force_login(trainer)

    content = client.get(_url(mod_session)).content.decode()

    assert content.count("data-checklist ") + content.count("data-checklist>") == 4  # one per row
    assert content.count("data-item") == 16
    assert content.count('data-critical="1"') == 4  # item 3 of each row
    assert content.count("Critical: not OK fails the practical") == 4
    assert content.count("HV connector locked and verified") == 4
    assert content.count('name="row-') and 'data-col="practical"' in content
    assert content.count("<select name=") == 4  # the level of each row
    assert content.count('<option value="O">') == 4  # the course uses levels: L, U and O offered
    assert 'name="checklist_revision"' in content and 'value="1"' in content
    assert "Delivery: On the job" in content


def test_it_shows_the_items_in_chinese_on_a_chinese_page(client, trainer, mod_session, worked_example_2) -> None:
    item = worked_example_2["checklist"].items.get(position=3)
    item.text_zh = "高压连接器已锁定并确认"
    item.save()
    client.force_login(trainer)
    switch_language(client, "zh-hans")

    content = client.get(_url(mod_session)).content.decode()

    assert content.count("高压连接器已锁定并确认") == 4
    assert "Module orientation checked" in content  # an item without Chinese text keeps its English


def test_it_records_a_critical_miss_as_a_fail_with_its_marks(client, trainer, mod_session, worked_example_2) -> None:
    p, q = worked_example_2["P"], worked_example_2["Q"]
    client.force_login(trainer)

    response = client.post(
        _url(mod_session),
        _payload(mod_session, {p: {"marks": [1, 2, 4], "level": "U"}, q: {"marks": [1, 2, 3, 4], "level": "L"}}),
    )

    assert response.status_code == 302
    failed = Assessment.objects.get(session=mod_session, employee=p)
    assert (failed.passed, failed.level, failed.checklist_marks) == (False, None, [True, True, False, True])
    assert failed.checklist == worked_example_2["checklist"]
    assert failed.delivery_mode == "on_the_job"  # the session's
    passed = Assessment.objects.get(session=mod_session, employee=q)
    assert (passed.passed, passed.level, passed.checklist_marks) == (True, "L", [True, True, True, True])
    assert Assessment.objects.filter(session=mod_session).count() == 2  # R and S left blank


def test_it_records_a_checklist_marked_with_nothing_ok_as_a_fail(client, trainer, mod_session, worked_example_2):
    """The plain form's "marked" box: no item ticked is a checklist with every item not OK."""
    r = worked_example_2["R"]
    client.force_login(trainer)

    response = client.post(_url(mod_session), _payload(mod_session, {r: {"marked": True}}))

    assert response.status_code == 302
    assessment = Assessment.objects.get(session=mod_session)
    assert (assessment.employee, assessment.passed, assessment.checklist_marks) == (r, False, [False] * 4)


def test_it_applies_the_threshold_to_the_non_critical_items(client, trainer, worked_example_2, mod_session) -> None:
    checklist_publish(
        course=worked_example_2["mod"],
        items=[
            ChecklistItemInput(text="One"),
            ChecklistItemInput(text="Two"),
            ChecklistItemInput(text="Three", critical=True),
            ChecklistItemInput(text="Four"),
        ],
        threshold_pct=60,
    )
    p, q = worked_example_2["P"], worked_example_2["Q"]
    client.force_login(trainer)
    assert 'data-threshold="60"' in client.get(_url(mod_session)).content.decode()

    response = client.post(
        _url(mod_session),
        _payload(mod_session, {p: {"marks": [1, 3, 4], "level": "O"}, q: {"marks": [1, 3]}}, revision=2),
    )

    assert response.status_code == 302
    results = {a.employee.employee_no: a for a in Assessment.objects.filter(session=mod_session)}
    assert (results["P"].passed, results["P"].level, results["P"].checklist.revision) == (True, "O", 2)  # 2 of 3
    assert (results["Q"].passed, results["Q"].level) == (False, None)  # 1 of 3 < 60%


def test_it_refuses_a_whole_grid_when_one_row_is_refused(client, trainer, mod_session, worked_example_2) -> None:
    p, s = worked_example_2["P"], worked_example_2["S"]
    s.status = "inactive"
    s.save()
    client.force_login(trainer)

    response = client.post(
        _url(mod_session),
        _payload(mod_session, {p: {"marks": [1, 2, 3, 4], "level": "L"}, s: {"marks": [1, 2, 3, 4]}}),
    )

    assert response.status_code == 200
    assert Assessment.objects.filter(session=mod_session).count() == 0
    content = response.content.decode()
    assert "Nothing was saved: 1 row has a problem." in content
    assert "S is not active" in content
    row_p = content.split('id="grid-row-P"')[1].split("</tr>")[0]
    assert len(re.findall(r"<input[^>]*data-item[^>]*checked", row_p)) == 4  # P's marks are kept as sent
    assert '<option value="L" selected>' in row_p


def test_it_says_the_threshold_and_why_each_marked_row_fails(client, trainer, mod_session, worked_example_2) -> None:
    """Without the script the refused grid is shown again: each marked row says why its checklist fails."""
    p, q, r, s = (worked_example_2[name] for name in "PQRS")
    client.force_login(trainer)
    page = client.get(_url(mod_session)).content.decode()
    assert "Pass: every critical item and at least 100% of the others." in page

    response = client.post(
        _url(mod_session),
        _payload(
            mod_session,
            {
                p: {"marks": [1, 2, 3]},  # every critical item OK, 2 of the 3 others
                q: {"marks": [1, 2, 4]},  # the critical item 3 not OK
                r: {"marks": [1, 2, 3, 4]},  # a pass: no reason
                s: {"notes": "no result"},  # refuses the grid, so the rows are shown again
            },
        ),
    )

    assert response.status_code == 200
    assert Assessment.objects.filter(session=mod_session).count() == 0

    def reason(employee) -> str:
        row = response.content.decode().split(f'id="grid-row-{employee.employee_no}"')[1].split("</tr>")[0]
        return re.search(r"data-outcome-reason>([^<]*)<", row).group(1)

    assert reason(p) == "2 of 3 others OK, needs 100%"
    assert reason(q) == "critical item 3 not OK"
    assert reason(r) == ""
    content = response.content.decode()
    assert 'data-reason-critical-one="critical item %(items)s not OK"' in content  # the script's texts
    assert 'data-reason-others-other="%(ok)s of %(others)s others OK, needs %(threshold)s%%"' in content


def test_it_gives_the_reason_in_the_plural_and_the_singular(worked_example_2) -> None:
    from assessments.forms.results import checklist_fail_reason

    checklist = checklist_publish(
        course=worked_example_2["mod"],
        items=[
            ChecklistItemInput(text="One", critical=True),
            ChecklistItemInput(text="Two", critical=True),
            ChecklistItemInput(text="Three"),
        ],
        threshold_pct=60,
    )

    assert checklist_fail_reason(checklist=checklist, marks=[False, False, True]) == "critical items 1, 2 not OK"
    assert checklist_fail_reason(checklist=checklist, marks=[True, True, False]) == "0 of 1 other OK, needs 60%"
    assert checklist_fail_reason(checklist=checklist, marks=[True, True, True]) == ""


def test_it_refuses_a_level_the_course_does_not_offer_on_its_row(client, trainer, mod_session, worked_example_2):
    course = worked_example_2["mod"]
    course.uses_levels = False
    course.save()
    q = worked_example_2["Q"]
    client.force_login(trainer)
    assert '<option value="O">' not in client.get(_url(mod_session)).content.decode()  # only U offered

    response = client.post(_url(mod_session), _payload(mod_session, {q: {"marks": [1, 2, 3, 4], "level": "O"}}))

    assert response.status_code == 200
    assert Assessment.objects.filter(session=mod_session).count() == 0
    row_q = response.content.decode().split('id="grid-row-Q"')[1]
    assert "Select a valid choice. O is not one of the available choices." in row_q.split("grid-row-R")[0]


def test_it_refuses_marks_against_a_revision_published_meanwhile(client, trainer, mod_session, worked_example_2):
    checklist_publish(course=worked_example_2["mod"], items=[ChecklistItemInput(text=f"Item {n}") for n in "1234"])
    client.force_login(trainer)

    response = client.post(_url(mod_session), _payload(mod_session, {worked_example_2["P"]: {"marks": [1, 2, 3, 4]}}))

    assert response.status_code == 200
    assert Assessment.objects.filter(session=mod_session).count() == 0
    content = response.content.decode()
    assert "was revised while this page was open: mark the rows again against revision 2." in content
    assert content.count("Item 3") == 4


def test_it_places_a_level_or_checklist_refusal_on_its_input(rf, trainer, mod_session, worked_example_2) -> None:
    from django.template.loader import render_to_string

    from assessments.forms.results import GridHeaderForm, GridRowForm
    from assessments.views.results import _place_refusals

    checklist = worked_example_2["checklist"]
    row = GridRowForm(employee=worked_example_2["P"], course=worked_example_2["mod"], checklist=checklist)
    _place_refusals(
        {0: [Refusal("The level must be L, U or O.", "level"), Refusal("Mark each item.", "checklist")]},
        header=GridHeaderForm(),
        owner=[row],
        inputs=[None],
        date_usable=True,
    )

    html = render_to_string(
        "assessments/_grid_row.html", {"row": row, "course": worked_example_2["mod"], "forloop_counter": 1}
    )
    assert row.refused_fields == {"level", "checklist"}
    assert "grid-checklist is-invalid" in html
    assert 'data-level\n              class="form-select form-select-sm w-auto is-invalid"' in html
    assert "The level must be L, U or O." in html


def test_it_saves_a_checklist_grid_in_queries_constant_in_its_rows(client, trainer, worked_example_2) -> None:
    plant, course = worked_example_2["plant"], worked_example_2["mod"]
    counts = []
    for size in (5, 20):
        people = factories.EmployeeFactory.create_batch(size, plant=plant, hire_date=worked_example_2["P"].hire_date)
        session = factories.TrainingSessionFactory(
            course=course, plant=plant, trainer=trainer, held_on=plant.local_today()
        )
        session.attendees.set(people)
        payload = _payload(session, {e: {"marks": [1, 2, 3, 4], "level": "L"} for e in people})
        client.force_login(trainer)
        client.get(_url(session))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(_url(session), payload)
        assert response.status_code == 302
        assert Assessment.objects.filter(session=session, level="L", passed=True).count() == size
        counts.append(sum(not q["sql"].startswith("INSERT") for q in queries.captured_queries))

    assert counts[0] == counts[1]


# The single result form (an employee's page).


def _single_url(employee) -> str:
    return reverse("assessments:result-create", args=[employee.employee_no])


def test_it_shows_the_courses_checklist_on_the_single_result_form(client, trainer, worked_example_2) -> None:
    client.force_login(trainer)

    content = client.get(_single_url(worked_example_2["P"]) + f"?course={worked_example_2['mod'].pk}").content.decode()

    assert "3. HV connector locked and verified (critical: not OK fails it)" in content
    assert "1. Module orientation checked" in content
    assert 'name="practical"' not in content  # the outcome follows from the marks
    mode = worked_example_2["mod"].get_delivery_mode_display()
    assert f"The course&#x27;s usual mode ({mode})" in content
    assert 'name="checklist" value="{}"'.format(worked_example_2["checklist"].pk) in content


def test_it_records_a_single_checklist_result_with_level_and_mode(client, trainer, worked_example_2) -> None:
    employee, course, today = worked_example_2["S"], worked_example_2["mod"], worked_example_2["plant"].local_today()
    client.force_login(trainer)

    response = client.post(
        _single_url(employee),
        {
            "course": course.pk,
            "kind": "practical",
            "assessed_on": today.isoformat(),
            "marks": ["1", "2", "3", "4"],
            "level": "O",
            "delivery_mode": "virtual",
            "checklist": worked_example_2["checklist"].pk,
            "form_key": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 302
    assessment = Assessment.objects.get(employee=employee, assessed_on=today)
    assert (assessment.passed, assessment.level, assessment.delivery_mode) == (True, "O", "virtual")
    assert assessment.checklist_marks == [True] * 4
    assert assessment.is_provisional


def test_it_asks_for_the_marks_when_the_form_showed_no_checklist(client, trainer, worked_example_2) -> None:
    """The course was chosen on a form opened without it: nothing recorded, the checklist is shown to mark."""
    employee, course = worked_example_2["S"], worked_example_2["mod"]
    client.force_login(trainer)
    before = Assessment.objects.count()

    response = client.post(
        _single_url(employee),
        {
            "course": course.pk,
            "kind": "practical",
            "assessed_on": worked_example_2["plant"].local_today().isoformat(),
            "practical": "pass",
            "level": "U",
            "form_key": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 200
    assert Assessment.objects.count() == before
    content = response.content.decode()
    # The pass chosen is not used, and the page says so (not a silent drop).
    assert (
        "The practical of BAT-MOD-010 is decided by its checklist (revision 1), not by the pass or fail chosen: "
        "mark each item, then record again."
    ) in content
    assert "HV connector locked and verified" in content
    assert 'name="practical"' not in content

    # Record again with nothing ticked (the browser walk's defect): refused, still nothing recorded.
    again = client.post(
        _single_url(employee),
        {
            "course": course.pk,
            "kind": "practical",
            "assessed_on": worked_example_2["plant"].local_today().isoformat(),
            "level": "U",
            "checklist": worked_example_2["checklist"].pk,
            "form_key": str(uuid.uuid4()),
        },
    )

    assert again.status_code == 200
    assert Assessment.objects.count() == before
    assert "Nothing is ticked: tick each item done right, or tick “Checklist marked”" in again.content.decode()


def test_it_records_a_single_checklist_marked_with_nothing_ticked_and_says_why_it_fails(
    client, trainer, worked_example_2
) -> None:
    employee, course, today = worked_example_2["S"], worked_example_2["mod"], worked_example_2["plant"].local_today()
    client.force_login(trainer)

    response = client.post(
        _single_url(employee),
        {
            "course": course.pk,
            "kind": "practical",
            "assessed_on": today.isoformat(),
            "marked": "on",
            "level": "U",
            "checklist": worked_example_2["checklist"].pk,
            "form_key": str(uuid.uuid4()),
        },
        follow=True,
    )

    assessment = Assessment.objects.get(employee=employee, assessed_on=today)
    assert (assessment.passed, assessment.level, assessment.checklist_marks) == (False, None, [False] * 4)
    assert "Recorded: BAT-MOD-010 Practical evaluation, fail (critical item 3 not OK)." in response.content.decode()


def test_it_shows_only_what_a_practical_course_with_a_checklist_needs(client, trainer, worked_example_2) -> None:
    client.force_login(trainer)

    content = client.get(_single_url(worked_example_2["P"]) + f"?course={worked_example_2['mod'].pk}").content.decode()

    assert 'name="score"' not in content  # BAT-MOD-010 has no theory test
    assert '<input type="hidden" name="kind" value="practical"' in content  # nothing to choose
    assert '<select name="kind"' not in content
    assert "a practical evaluation needs pass or fail" not in content
    assert "Its checklist decides the practical (no pass or fail to choose)" in content
    assert "Pass: every critical item and at least 100% of the others." in content  # the threshold
    assert 'name="marked"' in content


def test_it_keeps_the_kind_select_when_a_kind_the_course_lacks_was_sent(client, trainer, worked_example_2) -> None:
    """A page opened without the course offered both kinds: the refusal is shown where it is fixed."""
    client.force_login(trainer)
    before = Assessment.objects.count()

    response = client.post(
        _single_url(worked_example_2["S"]),
        {
            "course": worked_example_2["mod"].pk,
            "kind": "theory",
            "assessed_on": worked_example_2["plant"].local_today().isoformat(),
            "score": "90",
            "form_key": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 200
    assert Assessment.objects.count() == before
    content = response.content.decode()
    assert 'name="kind"' in content and '<input type="hidden" name="kind"' not in content
    assert "Course BAT-MOD-010 does not use a" in content


def test_it_shows_only_what_a_theory_course_needs(client, trainer, worked_example_2) -> None:
    theory_only = factories.CourseFactory(code="TH-001", needs_theory=True, needs_practical=False)
    factories.TrainerAuthorisationFactory(user=trainer, course=theory_only, plant=worked_example_2["plant"])
    client.force_login(trainer)

    content = client.get(_single_url(worked_example_2["P"]) + f"?course={theory_only.pk}").content.decode()

    assert 'name="score"' in content
    assert '<input type="hidden" name="kind" value="theory"' in content
    for name in ("practical", "level", "checklist_notes", "marks"):
        assert f'name="{name}"' not in content, name
    assert "A theory test needs a score." in content
    assert "pass or fail" not in content


def test_it_records_a_single_fail_without_a_level_in_the_courses_mode(client, trainer, worked_example_2) -> None:
    employee, hv = worked_example_2["S"], worked_example_2["hv"]
    client.force_login(trainer)
    before = Assessment.objects.count()

    response = client.post(
        _single_url(employee),
        {
            "course": hv.pk,
            "kind": "practical",
            "assessed_on": worked_example_2["plant"].local_today().isoformat(),
            "practical": "fail",
            "level": "U",
            "delivery_mode": "",
            "form_key": str(uuid.uuid4()),
        },
    )

    # A fail carries no level (the default U is not sent): recorded, with the course's delivery mode.
    assert response.status_code == 302
    assessment = Assessment.objects.exclude(pk__lte=0).order_by("-pk").first()
    assert Assessment.objects.count() == before + 1
    assert (assessment.passed, assessment.level, assessment.delivery_mode) == (False, None, hv.delivery_mode)
