"""Employee list and page, single result entry, void and revoke from the page: personas and query counts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Certification
from assessments.services.results import assessment_record, assessment_void, assessments_record
from tests import factories
from tests.assessments.helpers import certify, result

pytestmark = pytest.mark.django_db


def _page(employee) -> str:
    return reverse("assessments:employee-detail", args=[employee.employee_no])


# --- List -----------------------------------------------------------------------------------


def test_it_lists_searches_and_filters_employees(client, hr, team, line_sy, plant_sy) -> None:
    factories.EmployeeFactory(employee_no="SY900", name="Wang Lei", plant=plant_sy, status="left")
    client.force_login(hr)
    url = reverse("assessments:employee-list")

    assert client.get(url).context["page"].paginator.count == 11
    assert [e.employee_no for e, _q in client.get(url, {"q": "wang"}).context["rows"]] == ["SY900"]
    assert [e.employee_no for e, _q in client.get(url, {"q": "SY00"}).context["rows"]][:2] == ["SY001", "SY002"]
    assert client.get(url, {"line": line_sy.pk}).context["page"].paginator.count == 10
    assert client.get(url, {"status": "left"}).context["page"].paginator.count == 1


def test_it_paginates_in_a_constant_number_of_queries(client, hr, plant_sy, django_assert_max_num_queries) -> None:
    factories.EmployeeFactory.create_batch(5, plant=plant_sy)
    client.force_login(hr)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("assessments:employee-list"))
    factories.EmployeeFactory.create_batch(60, plant=plant_sy)

    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("assessments:employee-list"))

    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.num_pages == 2


@pytest.mark.parametrize("persona", ["trainer_de", "manager_de", "hr_de"])
def test_it_lists_only_the_users_plants(request, client, team, employee_de, persona) -> None:
    client.force_login(request.getfixturevalue(persona))

    rows = client.get(reverse("assessments:employee-list")).context["rows"]

    assert [e.employee_no for e, _q in rows] == ["DE001"]


# --- Page -------------------------------------------------------------------------------------


@pytest.fixture
def history(team, hv_course, plant_sy, trainer, today):
    """SY001: HV-001 valid; EHS-020 in progress (2 attempts); a voided entry; BAT-PACK-001 not required."""
    employee = team[0]
    certify(employee, hv_course, today, trainer)
    ehs = factories.CourseFactory(code="EHS-020", needs_theory=True, validity_months=24)
    factories.RequirementFactory(course=ehs, scope="plant", plant=plant_sy)
    factories.TrainerAuthorisationFactory(user=trainer, course=ehs, plant=plant_sy)
    assessments_record(
        rows=[
            result(employee, ehs, "theory", today, trainer, score=50),
            result(employee, ehs, "theory", today, trainer, score=60),
        ],
        recorded_by=trainer,
    )
    extra = factories.CourseFactory(code="BAT-PACK-001", needs_theory=False, needs_practical=True)
    factories.TrainerAuthorisationFactory(user=trainer, course=extra, plant=plant_sy)
    certify(employee, extra, today, trainer)
    wrong = assessment_record(row=result(employee, ehs, "theory", today, trainer, score=99), recorded_by=trainer)
    assessment_void(assessment=wrong, actor=trainer, reason="wrong employee")
    return employee


def test_it_shows_the_employee_page(client, manager, history, today) -> None:
    client.force_login(manager)

    response = client.get(_page(history))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Not qualified" in content
    assert "Completion: 1 of 2 required courses" in content
    requirements = {row.course.code: row for row in response.context["requirements"]}
    assert requirements["HV-001"].status == "valid"
    assert requirements["HV-001"].expires_on.year == today.year + 1
    assert requirements["EHS-020"].status == "in_progress"
    assert requirements["EHS-020"].certification.attempts == 2
    assert [course.code for course, _state, _stored in response.context["others"]] == ["BAT-PACK-001"]
    assert "Voided by trainer on" in content and "wrong employee" in content
    voided = Assessment.objects.get(voided_at__isnull=False)
    voided_row = content.split(f'data-assessment="{voided.pk}"')[1].split("</tr>")[0]
    assert voided_row.count("text-strike") == 4  # date, course, kind and result struck through
    assert "Assessment voided" in content and "Assessment recorded" in content


def test_it_shows_the_employee_page_in_a_constant_number_of_queries(
    client, manager, history, hv_course, trainer, today, django_assert_max_num_queries
) -> None:
    client.force_login(manager)
    with django_assert_max_num_queries(26) as before:  # 25, and the bell's unread count on a cold cache
        client.get(_page(history))
    for course_no in range(5):
        course = factories.CourseFactory(code=f"MOD-{course_no}", needs_theory=True)
        factories.RequirementFactory(course=course, scope="plant", plant=history.plant)
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=history.plant)
        certify(history, course, today, trainer)

    with django_assert_max_num_queries(len(before)):
        response = client.get(_page(history))

    assert len(response.context["history"]) > 10


@pytest.mark.parametrize("persona", ["trainer_de", "manager_de", "hr_de"])
def test_it_answers_404_for_an_employee_of_another_plant(request, client, history, persona) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(_page(history)).status_code == 404


@pytest.mark.parametrize("persona", ["trainer", "manager", "hr", "auditor", "admin_user"])
def test_it_shows_the_page_to_every_role_of_the_plant(request, client, history, persona) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(_page(history)).status_code == 200


def test_it_offers_void_and_revoke_by_role(client, history, trainer, manager, hr) -> None:
    client.force_login(hr)
    content = client.get(_page(history)).content.decode()
    assert "/void/" not in content and "/revoke/" not in content
    client.force_login(trainer)
    content = client.get(_page(history)).content.decode()
    assert "/void/" in content and "/revoke/" not in content
    client.force_login(manager)
    assert "/revoke/" in client.get(_page(history)).content.decode()


# --- Single result -------------------------------------------------------------------------


def _single(employee, course, **data) -> tuple[str, dict]:
    payload = {"course": course.pk, "form_key": str(uuid.uuid4()), "practical": "", "score": ""} | data
    return reverse("assessments:result-create", args=[employee.employee_no]), payload


def test_it_records_a_single_result(client, trainer, team, hv_course, today) -> None:
    client.force_login(trainer)
    url, data = _single(team[0], hv_course, kind="theory", assessed_on=today.isoformat(), score="85")

    response = client.post(url, data, follow=True)
    again = client.post(url, data, follow=True)

    assert "Recorded: HV-001 Theory test, pass." in response.content.decode()
    assert "already saved" in again.content.decode()
    assessment = Assessment.objects.get()
    assert (assessment.score, assessment.source, assessment.assessor) == (85, "web", trainer)


def test_it_shows_the_reasons_a_single_result_is_refused(client, trainer, team, hv_course, today) -> None:
    client.force_login(trainer)
    tomorrow = today + dt.timedelta(days=1)
    url, data = _single(team[0], hv_course, kind="practical", assessed_on=tomorrow.isoformat())

    response = client.post(url, data)

    content = response.content.decode()
    assert response.status_code == 200
    assert "The assessment date may not be in the future." in content
    assert "A practical evaluation needs pass or fail." in content
    assert not Assessment.objects.exists()


def test_it_keeps_single_results_to_the_plants_trainers(client, trainer_de, manager, team, hv_course, today) -> None:
    url, data = _single(team[0], hv_course, kind="theory", assessed_on=today.isoformat(), score="85")
    for user in (trainer_de, manager):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    assert not Assessment.objects.exists()


# --- Void and revoke from the page ----------------------------------------------------------


def test_it_voids_with_a_reason_and_refuses_without(client, trainer, team, hv_course, today) -> None:
    assessment = assessment_record(
        row=result(team[0], hv_course, "theory", today, trainer, score=90), recorded_by=trainer
    )
    client.force_login(trainer)
    url = reverse("assessments:assessment-void", args=[assessment.pk])

    assert client.get(url).status_code == 405
    refused = client.post(url, {"reason": ""}, follow=True)
    assert "Give a reason for voiding this entry." in refused.content.decode()
    assessment.refresh_from_db()
    assert assessment.voided_at is None

    client.post(url, {"reason": "typed into the wrong row"})
    assessment.refresh_from_db()
    assert assessment.void_reason == "typed into the wrong row"


def test_it_refuses_a_trainer_voiding_an_old_entry(client, trainer, team, hv_course) -> None:
    old = factories.AssessmentFactory(
        employee=team[0], course=hv_course, assessor=trainer, recorded_at=timezone.now() - dt.timedelta(days=30)
    )
    client.force_login(trainer)

    response = client.post(reverse("assessments:assessment-void", args=[old.pk]), {"reason": "late"}, follow=True)

    assert "You may void only your own entries, within 7 days" in response.content.decode()
    old.refresh_from_db()
    assert old.voided_at is None


@pytest.mark.parametrize("persona", ["trainer_de", "manager_de"])
def test_it_answers_404_to_voids_and_revocations_of_another_plant(
    request, client, trainer, team, hv_course, today, persona
) -> None:
    certify(team[0], hv_course, today, trainer)
    assessment = Assessment.objects.filter(employee=team[0]).first()
    certification = Certification.objects.get(employee=team[0])
    client.force_login(request.getfixturevalue(persona))

    void = client.post(reverse("assessments:assessment-void", args=[assessment.pk]), {"reason": "x"})
    revoke = client.post(reverse("assessments:certification-revoke", args=[certification.pk]), {"reason": "x"})

    assert (void.status_code, revoke.status_code) == (404, 404)
    assessment.refresh_from_db()
    certification.refresh_from_db()
    assert assessment.voided_at is None and certification.revoked_on is None


def test_it_lets_a_manager_revoke_and_refuses_a_trainer(client, trainer, manager, team, hv_course, today) -> None:
    certify(team[0], hv_course, today, trainer)
    certification = Certification.objects.get(employee=team[0])
    url = reverse("assessments:certification-revoke", args=[certification.pk])

    client.force_login(trainer)
    refused = client.post(url, {"reason": "incident"}, follow=True)
    assert "Only a plant manager or an admin may revoke certifications." in refused.content.decode()
    client.force_login(manager)
    response = client.post(url, {"reason": "quality incident Q-17"}, follow=True)

    certification.refresh_from_db()
    assert certification.revoked_by == manager
    content = response.content.decode()
    assert "Revoked" in content and "quality incident Q-17" in content
