"""The session results grid: exact inputs, all-or-nothing saving, double submits, query counts, scoping."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, Certification, SubmittedForm
from assessments.services.certifications import certification_revoke
from assessments.services.results import assessment_record
from tests import factories
from tests.assessments.helpers import certify, result

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(plant_sy, hv_course, trainer, team, today):
    session = factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer, held_on=today)
    session.attendees.set(team)
    return session


def _url(session) -> str:
    return reverse("assessments:session-results", args=[session.pk])


def _payload(session, entries: dict, *, key: uuid.UUID | None = None) -> dict:
    """entries: {employee: (score, practical, notes)}; every other attendee is sent blank, as a browser does."""
    data = {"form_key": str(key or uuid.uuid4()), "assessed_on": session.held_on.isoformat()}
    for employee in session.attendees.all():
        score, practical, notes = entries.get(employee, ("", "", ""))
        prefix = f"row-{employee.id}"
        data[f"{prefix}-score"] = score
        data[f"{prefix}-practical"] = practical
        data[f"{prefix}-checklist_notes"] = ""
        data[f"{prefix}-notes"] = notes
    return data


def test_it_shows_one_row_per_attendee_with_the_inputs_the_course_needs(client, trainer, session, today) -> None:
    client.force_login(trainer)

    response = client.get(_url(session))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-col="score"') == 10
    assert content.count('data-col="practical"') == 30  # —, pass, fail per row
    assert content.count('inputmode="numeric"') == 10
    assert f'value="{today.isoformat()}"' in content  # the date defaults to the session's
    assert "js/results_grid.js" in content


def test_it_shows_no_score_input_for_a_practical_only_course(client, trainer, plant_sy, team, today) -> None:
    course = factories.CourseFactory(code="BAT-PACK-001", needs_theory=False, needs_practical=True)
    factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    session = factories.TrainingSessionFactory(course=course, plant=plant_sy, trainer=trainer, held_on=today)
    session.attendees.set(team[:2])
    client.force_login(trainer)

    content = client.get(_url(session)).content.decode()

    assert 'data-col="score"' not in content
    assert content.count('data-col="practical"') == 6


def test_it_records_the_filled_rows_and_leaves_blank_rows_out(client, trainer, session, team, hv_course) -> None:
    client.force_login(trainer)
    entries = {team[0]: ("85", "pass", ""), team[1]: ("79", "pass", "retake next week"), team[2]: ("", "fail", "")}

    response = client.post(_url(session), _payload(session, entries), follow=True)

    assert response.redirect_chain[-1][0] == reverse("assessments:session-detail", args=[session.pk])
    assert "3 rows recorded (5 results). 7 blank rows left out." in response.content.decode()
    assert Assessment.objects.filter(session=session, source="grid").count() == 5
    assert Certification.objects.get(employee=team[0], course=hv_course).certified_on == session.held_on
    assert Certification.objects.get(employee=team[1], course=hv_course).certified_on is None
    assert Assessment.objects.get(employee=team[1], kind="theory").notes == "retake next week"


def test_it_saves_nothing_and_keeps_every_value_when_one_row_is_invalid(client, trainer, session, team) -> None:
    client.force_login(trainer)
    key = uuid.uuid4()
    entries = {team[0]: ("85", "pass", ""), team[1]: ("130", "pass", "typo?"), team[2]: ("92", "", "")}

    response = client.post(_url(session), _payload(session, entries, key=key))

    content = response.content.decode()
    assert response.status_code == 200
    assert Assessment.objects.count() == 0
    assert not SubmittedForm.objects.filter(key=key).exists()
    assert "Nothing was saved: 1 row has a problem." in content
    assert "The score must be between 0 and 100." in content
    assert 'value="130"' in content and 'value="85"' in content and 'value="92"' in content
    assert 'value="typo?"' in content
    assert f'value="{key}"' in content  # the same key: the corrected form is still one submission
    assert '<tr data-row class="table-danger" id="grid-row-SY002"' in content
    assert '<tr data-row class="" id="grid-row-SY001"' in content

    corrected = client.post(_url(session), _payload(session, {**entries, team[1]: ("100", "pass", "")}, key=key))

    assert corrected.status_code == 302
    assert Assessment.objects.filter(session=session).count() == 5


def test_it_marks_a_score_that_is_not_a_number(client, trainer, session, team) -> None:
    client.force_login(trainer)

    response = client.post(_url(session), _payload(session, {team[0]: ("85", "", ""), team[4]: ("8o", "", "")}))

    assert response.status_code == 200
    assert "The score must be a whole number from 0 to 100." in response.content.decode()
    assert Assessment.objects.count() == 0


def test_it_refuses_notes_without_a_result(client, trainer, session, team) -> None:
    client.force_login(trainer)

    response = client.post(_url(session), _payload(session, {team[0]: ("", "", "absent")}))

    assert "Enter a result, or clear the notes of this row." in response.content.decode()
    assert Assessment.objects.count() == 0


def test_it_says_so_when_nothing_was_entered(client, trainer, session) -> None:
    client.force_login(trainer)

    response = client.post(_url(session), _payload(session, {}), follow=True)

    assert "No results were entered: nothing was recorded." in response.content.decode()
    assert Assessment.objects.count() == 0


def test_it_marks_every_row_refused_by_the_rules(client, trainer, session, team, today) -> None:
    team[3].status = "left"
    team[3].save()
    client.force_login(trainer)

    response = client.post(_url(session), _payload(session, {team[0]: ("85", "", ""), team[3]: ("90", "", "")}))

    content = response.content.decode()
    assert "SY004 is not active (Left)." in content
    assert Assessment.objects.count() == 0


def test_it_records_a_double_submit_once(client, trainer, session, team) -> None:
    client.force_login(trainer)
    payload = _payload(session, {team[0]: ("85", "pass", ""), team[1]: ("90", "fail", "")})

    first = client.post(_url(session), payload)
    second = client.post(_url(session), payload, follow=True)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "These results were already saved; nothing was recorded twice." in second.content.decode()
    assert Assessment.objects.filter(session=session).count() == 4


def test_it_saves_10_or_30_rows_with_the_same_number_of_queries(client, trainer, plant_sy, hv_course, today) -> None:
    counts = []
    for size in (10, 30):
        people = factories.EmployeeFactory.create_batch(size, plant=plant_sy)
        session = factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer, held_on=today)
        session.attendees.set(people)
        payload = _payload(session, dict.fromkeys(people, ("85", "pass", "")))
        client.force_login(trainer)
        client.get(_url(session))  # the session's first request refreshes its idle expiry: not counted
        with CaptureQueriesContext(connection) as queries:
            response = client.post(_url(session), payload)
        assert response.status_code == 302
        assert Assessment.objects.filter(session=session).count() == 2 * size
        sql = [q["sql"] for q in queries.captured_queries]
        counts.append(
            {"reads": sum(not q.startswith("INSERT") for q in sql), "inserts": sum(q.startswith("INSERT") for q in sql)}
        )

    # Reads and updates do not grow with the rows; inserts are batched (SQLite splits a batch at 999 parameters).
    assert counts[0]["reads"] == counts[1]["reads"]
    assert counts[1]["inserts"] <= counts[0]["inserts"] + 1
    if connection.vendor == "postgresql":
        assert counts[0] == counts[1]


@pytest.mark.parametrize("persona", ["trainer_de", "manager_de", "manager", "hr", "auditor"])
def test_it_answers_404_to_people_who_may_not_record_at_the_plant(request, client, session, team, persona) -> None:
    client.force_login(request.getfixturevalue(persona))

    get = client.get(_url(session))
    post = client.post(_url(session), _payload(session, {team[0]: ("85", "pass", "")}))

    assert (get.status_code, post.status_code) == (404, 404)
    assert Assessment.objects.count() == 0


def test_it_refuses_an_admin_who_is_not_authorised_for_the_course(client, admin_user, session, team) -> None:
    client.force_login(admin_user)

    response = client.post(_url(session), _payload(session, {team[0]: ("85", "pass", "")}))

    assert "admin is not authorised to assess HV-001 at plant SY." in response.content.decode()
    assert Assessment.objects.count() == 0


def test_it_sends_anonymous_users_to_log_in(client, session) -> None:
    response = client.get(_url(session))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- Reopening a grid (issue #14 item 9) ------------------------------------------------------


def test_it_shows_rows_recorded_in_this_session_as_recorded_and_records_nothing_twice(
    client, trainer, session, team
) -> None:
    client.force_login(trainer)
    client.post(_url(session), _payload(session, {team[0]: ("85", "pass", ""), team[1]: ("90", "", "")}))
    assert Assessment.objects.filter(session=session).count() == 3

    reopened = client.get(_url(session)).content.decode()

    # SY001 has both kinds: no input left; SY002 has its theory: only the practical is open.
    assert reopened.count('data-col="score"') == 8
    assert reopened.count('data-col="practical"') == 27
    assert f'name="row-{team[0].id}-score"' not in reopened
    assert f'name="row-{team[0].id}-practical"' not in reopened
    assert f'name="row-{team[1].id}-score"' not in reopened
    assert f'name="row-{team[1].id}-practical"' in reopened
    assert reopened.count("data-closed") == 1
    assert reopened.count('data-recorded-kind="theory"') == 2
    assert reopened.count('data-recorded-kind="practical"') == 1
    assert reopened.count('form="void-') == 6  # the trainer may void their own: a reason and a button each

    # The same entry sent again from a fresh form (the reported bug: "1 row recorded (2 results)" again).
    again = client.post(_url(session), _payload(session, {team[0]: ("85", "pass", "")}))

    assert again.status_code == 200
    assert "a result was saved in this session meanwhile" in again.content.decode()
    assert Assessment.objects.filter(session=session).count() == 3


def test_it_frees_a_voided_result_and_voids_from_the_grid(client, trainer, session, team) -> None:
    client.force_login(trainer)
    client.post(_url(session), _payload(session, {team[0]: ("58", "pass", "")}))
    theory = Assessment.objects.get(employee=team[0], kind="theory")

    voided = client.post(
        reverse("assessments:assessment-void", args=[theory.pk]), {"reason": "typed 58 for 85", "next": _url(session)}
    )

    assert voided.status_code == 302 and voided["Location"] == _url(session)
    page = client.get(_url(session)).content.decode()
    assert f'name="row-{team[0].id}-score"' in page  # the theory is open again
    assert f'name="row-{team[0].id}-practical"' not in page
    recorded = client.post(_url(session), _payload(session, {team[0]: ("85", "", "")}), follow=True)
    assert "1 row recorded (1 result). 9 blank rows left out." in recorded.content.decode()
    assert sorted(Assessment.objects.filter(session=session, voided_at__isnull=True).values_list("kind", "score")) == [
        ("practical", None),
        ("theory", 85),
    ]


def test_it_follows_only_a_path_of_this_site_after_a_void(client, trainer, session, team) -> None:
    client.force_login(trainer)
    client.post(_url(session), _payload(session, {team[0]: ("58", "", "")}))
    theory = Assessment.objects.get(employee=team[0])

    response = client.post(
        reverse("assessments:assessment-void", args=[theory.pk]), {"reason": "wrong", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("assessments:employee-detail", args=[team[0].employee_no])


def test_it_refuses_an_identical_result_recorded_elsewhere_with_the_imports_words(
    client, trainer, session, team, hv_course
) -> None:
    assessment_record(row=result(team[0], hv_course, "theory", session.held_on, trainer, score=85), recorded_by=trainer)
    client.force_login(trainer)

    response = client.post(_url(session), _payload(session, {team[0]: ("85", "pass", "")}))

    content = response.content.decode()
    assert "already recorded" in content
    assert f'id="id_row-{team[0].id}-score" value="85"' in content
    assert "grid-score is-invalid" in content  # the refused input itself is marked
    assert Assessment.objects.count() == 1


# --- Every problem in one save (issue #14 item 10) ---------------------------------------------


def test_it_answers_every_problem_of_every_row_in_one_save(client, trainer, session, team) -> None:
    team[3].status = "left"
    team[3].save()
    client.force_login(trainer)
    entries = {
        team[0]: ("", "", "absent"),  # a form error: notes without a result
        team[1]: ("85", "pass", ""),  # fine
        team[3]: ("90", "", ""),  # a rule: not active
        team[4]: ("130", "", ""),  # a rule: score out of range
    }

    response = client.post(_url(session), _payload(session, entries))

    content = response.content.decode()
    assert "Enter a result, or clear the notes of this row." in content
    assert "SY004 is not active (Left)." in content
    assert "The score must be between 0 and 100." in content
    assert "Nothing was saved: 3 rows have problems." in content
    assert '<tr data-row class="" id="grid-row-SY002"' in content
    assert Assessment.objects.count() == 0


def test_it_marks_a_future_date_once_on_the_date_field(client, trainer, session, team, today) -> None:
    client.force_login(trainer)
    payload = _payload(session, {team[0]: ("85", "pass", ""), team[1]: ("90", "", ""), team[2]: ("", "fail", "")})
    payload["assessed_on"] = (today + dt.timedelta(days=1)).isoformat()

    response = client.post(_url(session), payload)

    content = response.content.decode()
    assert content.count("The assessment date may not be in the future.") == 1
    assert '<div class="invalid-feedback">The assessment date may not be in the future.</div>' in content
    assert "table-danger" not in content.split('id="results-grid"')[1]  # no row is blamed for the date
    assert "Nothing was saved: the assessment date has a problem. Correct it and save again." in content
    assert "row has a problem" not in content  # the date is not counted as a row
    assert Assessment.objects.count() == 0


def test_it_counts_the_rows_with_problems_and_says_the_dates_apart(client, trainer, session, team, today) -> None:
    team[3].status = "left"
    team[3].save()
    client.force_login(trainer)
    payload = _payload(session, {team[0]: ("85", "pass", ""), team[3]: ("90", "", "")})
    payload["assessed_on"] = (today + dt.timedelta(days=1)).isoformat()

    response = client.post(_url(session), payload)

    content = response.content.decode()
    banner = content.split('id="grid-refused">')[1].split("</div>")[0]
    assert "Nothing was saved: 1 row has a problem, and so has the assessment date. Correct them and save again." in (
        " ".join(banner.split())
    )
    assert "2 rows" not in banner
    assert content.split('id="results-grid"')[1].count('class="table-danger"') == 1  # the one refused row
    assert "SY004 is not active (Left)." in content
    assert content.count("The assessment date may not be in the future.") == 1
    assert Assessment.objects.count() == 0


def test_it_blames_no_row_when_only_the_form_itself_is_refused(client, trainer, session, team) -> None:
    client.force_login(trainer)
    payload = _payload(session, {team[0]: ("85", "pass", "")})
    payload["form_key"] = "not-a-key"

    content = client.post(_url(session), payload).content.decode()

    assert "Nothing was saved: see the problem above the grid." in content
    assert "The form expired; please enter the results again." in content
    assert "row has a problem" not in content
    assert Assessment.objects.count() == 0


def test_it_answers_a_future_date_and_a_row_problem_together(client, trainer, session, team, today) -> None:
    client.force_login(trainer)
    payload = _payload(session, {team[0]: ("", "", "absent"), team[1]: ("130", "", "")})
    payload["assessed_on"] = (today + dt.timedelta(days=3)).isoformat()

    content = client.post(_url(session), payload).content.decode()

    assert content.count("The assessment date may not be in the future.") == 1
    assert "Enter a result, or clear the notes of this row." in content
    assert "The score must be between 0 and 100." in content


def test_it_still_checks_the_rows_without_a_date(client, trainer, session, team) -> None:
    client.force_login(trainer)
    payload = _payload(session, {team[0]: ("130", "", "")})
    payload["assessed_on"] = ""

    content = client.post(_url(session), payload).content.decode()

    assert "This field is required." in content
    assert "The score must be between 0 and 100." in content
    assert Assessment.objects.count() == 0


# --- A pass that leaves a revocation standing (issue #14 item 11) ---------------------------------


def test_it_warns_that_a_same_day_pass_leaves_a_revoked_certification_revoked(
    client, trainer, manager, session, team, hv_course, today
) -> None:
    certify(team[0], hv_course, today - dt.timedelta(days=30), trainer)
    certification_revoke(
        certification=Certification.objects.get(employee=team[0], course=hv_course), actor=manager, reason="Q-17"
    )
    client.force_login(trainer)

    response = client.post(_url(session), _payload(session, {team[0]: ("95", "pass", "")}), follow=True)

    content = response.content.decode()
    assert "1 row recorded (2 results). 9 blank rows left out." in content
    assert (
        f"SY001&#x27;s certification in HV-001 stays revoked: it was revoked on {today.isoformat()}, and a pass "
        "restores it only when dated after the revocation." in content
    )
    assert Certification.objects.get(employee=team[0], course=hv_course).certified_on is None
