"""Every rule of assessments_record / void / revoke, each with the message the trainer sees."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import Assessment, AuditAction, AuditEvent, Certification, ReadinessMark, SubmittedForm
from assessments.services.certifications import certification_revoke
from assessments.services.results import BatchRejected, assessment_record, assessment_void, assessments_record, can_void
from assessments.services.sessions import (
    training_session_attendee_remove,
    training_session_attendees_add,
    training_session_create,
)
from assessments.services.submissions import assessments_record_once
from tests import factories
from tests.assessments.helpers import certify, result

pytestmark = pytest.mark.django_db


def _refusal(rows, recorded_by) -> dict[int, list[str]]:
    before = Assessment.objects.count()
    with pytest.raises(BatchRejected) as rejected:
        assessments_record(rows=rows, recorded_by=recorded_by)
    assert Assessment.objects.count() == before
    return rejected.value.errors


def test_it_records_a_pass_issues_the_certification_audits_and_marks(team, hv_course, trainer, today) -> None:
    employee = team[0]
    assert not Certification.objects.filter(employee=employee).exists()

    assessments_record(
        rows=[
            result(employee, hv_course, "theory", today, trainer, score=80),
            result(employee, hv_course, "practical", today, trainer, passed=True),
        ],
        recorded_by=trainer,
    )

    certification = Certification.objects.get(employee=employee, course=hv_course)
    assert certification.certified_on == today
    assert certification.expires_on.year == today.year + 1
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_RECORDED, employee=employee).count() == 2
    assert ReadinessMark.objects.filter(employee=employee).count() == 1


def test_it_refuses_an_assessor_who_is_not_authorised(team, plant_sy, today) -> None:
    course = factories.CourseFactory(code="BAT-PACK-014", needs_theory=True)
    other_trainer = factories.UserFactory(username="other-trainer")
    factories.PlantMembershipFactory(user=other_trainer, plant=plant_sy, role="trainer")

    errors = _refusal([result(team[0], course, "theory", today, other_trainer, score=90)], other_trainer)

    assert errors == {0: ["other-trainer is not authorised to assess BAT-PACK-014 at plant SY."]}


def test_it_refuses_an_employee_who_is_not_active(team, hv_course, trainer, today) -> None:
    team[0].status = "left"
    team[0].save()

    errors = _refusal([result(team[0], hv_course, "theory", today, trainer, score=90)], trainer)

    assert errors == {0: ["SY001 is not active (Left)."]}


def test_it_refuses_an_employee_of_a_plant_the_trainer_does_not_work_at(employee_de, hv_course, trainer) -> None:
    on = employee_de.plant.local_today()
    errors = _refusal([result(employee_de, hv_course, "theory", on, trainer, score=90)], trainer)

    assert "You may not record results at plant DE." in errors[0]
    assert "trainer is not authorised to assess HV-001 at plant DE." in errors[0]


def test_it_refuses_a_date_in_the_future(team, hv_course, trainer, today) -> None:
    errors = _refusal([result(team[0], hv_course, "theory", today + dt.timedelta(days=1), trainer, score=90)], trainer)

    assert errors == {0: ["The assessment date may not be in the future."]}


def test_it_refuses_a_date_before_the_hire_date(team, hv_course, trainer) -> None:
    errors = _refusal([result(team[0], hv_course, "theory", dt.date(2023, 12, 31), trainer, score=90)], trainer)

    assert errors == {0: ["The assessment date is before the hire date (2024-01-01)."]}


@pytest.mark.parametrize("score", [-1, 101, 130])
def test_it_refuses_a_score_outside_0_to_100(team, hv_course, trainer, today, score) -> None:
    errors = _refusal([result(team[0], hv_course, "theory", today, trainer, score=score)], trainer)

    assert errors == {0: ["The score must be between 0 and 100."]}


def test_it_refuses_a_theory_result_without_a_score_and_a_practical_without_an_outcome(
    team, hv_course, trainer, today
) -> None:
    errors = _refusal(
        [
            result(team[0], hv_course, "theory", today, trainer),
            result(team[1], hv_course, "practical", today, trainer),
        ],
        trainer,
    )

    assert errors == {0: ["A theory test needs a score."], 1: ["A practical evaluation needs pass or fail."]}


def test_it_refuses_a_kind_the_course_does_not_need(team, plant_sy, trainer, today) -> None:
    practical_only = factories.CourseFactory(code="BAT-PACK-001", needs_theory=False, needs_practical=True)
    factories.TrainerAuthorisationFactory(user=trainer, course=practical_only, plant=plant_sy)

    errors = _refusal([result(team[0], practical_only, "theory", today, trainer, score=90)], trainer)

    assert errors == {0: ["Course BAT-PACK-001 does not use a Theory test assessment."]}


def test_it_names_the_missing_prerequisite(team, plant_sy, hv_course, trainer, today) -> None:
    welding = factories.CourseFactory(code="JOIN-LW-003", needs_theory=True, prerequisites=[hv_course])
    factories.TrainerAuthorisationFactory(user=trainer, course=welding, plant=plant_sy)

    errors = _refusal([result(team[0], welding, "theory", today, trainer, score=90)], trainer)
    assert errors == {0: [f"Prerequisite not valid on {today.isoformat()}: HV-001."]}

    certify(team[0], hv_course, today, trainer)
    assessments_record(rows=[result(team[0], welding, "theory", today, trainer, score=90)], recorded_by=trainer)
    assert Certification.objects.get(employee=team[0], course=welding).certified_on == today


def test_it_records_nothing_when_one_row_of_a_batch_is_wrong(team, hv_course, trainer, today) -> None:
    rows = [result(e, hv_course, "theory", today, trainer, score=90) for e in team[:5]]
    rows[3] = result(team[3], hv_course, "theory", today, trainer, score=130)

    errors = _refusal(rows, trainer)

    assert errors == {3: ["The score must be between 0 and 100."]}
    assert not Certification.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not ReadinessMark.objects.exists()


def test_it_refuses_a_result_of_another_course_in_a_session(team, hv_course, plant_sy, trainer, today) -> None:
    other = factories.CourseFactory(code="EHS-001", needs_theory=True)
    factories.TrainerAuthorisationFactory(user=trainer, course=other, plant=plant_sy)
    session = factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer, held_on=today)

    with pytest.raises(BatchRejected) as rejected:
        assessments_record(
            rows=[result(team[0], other, "theory", today, trainer, score=90)], recorded_by=trainer, session=session
        )

    assert rejected.value.errors == {0: ["This result does not belong to the session (HV-001 at SY)."]}


def test_it_numbers_attempts_and_a_later_fail_does_not_cancel(team, hv_course, trainer, today) -> None:
    employee = team[0]
    certify(employee, hv_course, today - dt.timedelta(days=10), trainer)
    assessments_record(rows=[result(employee, hv_course, "theory", today, trainer, score=50)], recorded_by=trainer)

    retake = Assessment.objects.get(employee=employee, kind="theory", score=50)
    certification = Certification.objects.get(employee=employee, course=hv_course)
    assert retake.attempt == 2
    assert retake.passed is False
    assert certification.is_valid_on(today)
    assert certification.attempts == 3


# --- Recording once per form key ---------------------------------------------------------


def test_it_records_a_form_key_once(team, hv_course, trainer, today) -> None:
    key = uuid.uuid4()
    rows = [result(team[0], hv_course, "theory", today, trainer, score=90)]

    first = assessments_record_once(form_key=key, redirect_to="/next/", rows=rows, recorded_by=trainer)
    second = assessments_record_once(form_key=key, redirect_to="/other/", rows=rows, recorded_by=trainer)

    assert (len(first.assessments), first.duplicate) == (1, False)
    assert (second.assessments, second.duplicate, second.redirect_to) == ([], True, "/next/")
    assert Assessment.objects.count() == 1


def test_it_frees_the_form_key_when_the_batch_is_refused(team, hv_course, trainer, today) -> None:
    key = uuid.uuid4()
    with pytest.raises(BatchRejected):
        assessments_record_once(
            form_key=key,
            redirect_to="/next/",
            rows=[result(team[0], hv_course, "theory", today, trainer, score=130)],
            recorded_by=trainer,
        )
    assert not SubmittedForm.objects.filter(key=key).exists()

    corrected = assessments_record_once(
        form_key=key,
        redirect_to="/next/",
        rows=[result(team[0], hv_course, "theory", today, trainer, score=100)],
        recorded_by=trainer,
    )

    assert corrected.duplicate is False
    assert Assessment.objects.get().score == 100


# --- Void ----------------------------------------------------------------------------------


def _recorded(employee, course, trainer, on) -> Assessment:
    return assessment_record(row=result(employee, course, "theory", on, trainer, score=90), recorded_by=trainer)


def test_it_lets_a_trainer_void_their_own_entry_and_recomputes(team, hv_course, trainer, today) -> None:
    certify(team[0], hv_course, today, trainer)
    theory = Assessment.objects.get(employee=team[0], kind="theory")
    assert Certification.objects.get(employee=team[0]).certified_on == today

    assessment_void(assessment=theory, actor=trainer, reason="wrong employee")

    theory.refresh_from_db()
    assert (theory.voided_by, theory.void_reason) == (trainer, "wrong employee")
    certification = Certification.objects.get(employee=team[0])
    assert certification.certified_on is None
    assert certification.attempts == 1
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_VOIDED, employee=team[0]).count() == 1


def test_it_requires_a_reason_to_void(team, hv_course, trainer, today) -> None:
    assessment = _recorded(team[0], hv_course, trainer, today)

    with pytest.raises(ValidationError, match="Give a reason for voiding this entry."):
        assessment_void(assessment=assessment, actor=trainer, reason="  ")

    assessment.refresh_from_db()
    assert assessment.voided_at is None


def test_it_refuses_a_trainer_voiding_after_the_window(team, hv_course, trainer, settings) -> None:
    settings.VOID_WINDOW_DAYS = 7
    old = factories.AssessmentFactory(
        employee=team[0],
        course=hv_course,
        kind="practical",
        assessor=trainer,
        recorded_at=timezone.now() - dt.timedelta(days=8),
    )
    assert can_void(assessment=old, user=trainer) is False

    with pytest.raises(ValidationError, match="You may void only your own entries, within 7 days"):
        assessment_void(assessment=old, actor=trainer, reason="typo")


def test_it_refuses_a_trainer_voiding_someone_elses_entry(team, hv_course, trainer, plant_sy, today) -> None:
    assessment = _recorded(team[0], hv_course, trainer, today)
    colleague = factories.UserFactory(username="colleague")
    factories.PlantMembershipFactory(user=colleague, plant=plant_sy, role="trainer")

    assert can_void(assessment=assessment, user=colleague) is False
    with pytest.raises(ValidationError):
        assessment_void(assessment=assessment, actor=colleague, reason="not mine")


def test_it_lets_a_manager_or_admin_void_any_entry_of_their_plant(
    team, hv_course, trainer, manager, manager_de, admin_user, today
) -> None:
    old = factories.AssessmentFactory(
        employee=team[0], course=hv_course, assessor=trainer, recorded_at=timezone.now() - dt.timedelta(days=90)
    )

    assert can_void(assessment=old, user=manager) is True
    assert can_void(assessment=old, user=admin_user) is True
    assert can_void(assessment=old, user=manager_de) is False
    assessment_void(assessment=old, actor=manager, reason="duplicate")
    with pytest.raises(ValidationError, match="already voided"):
        assessment_void(assessment=old, actor=admin_user, reason="again")


# --- Revoke --------------------------------------------------------------------------------


def test_it_lets_a_manager_revoke_with_a_reason(team, hv_course, trainer, manager, today) -> None:
    certify(team[0], hv_course, today, trainer)
    certification = Certification.objects.get(employee=team[0], course=hv_course)

    certification_revoke(certification=certification, actor=manager, reason="quality incident Q-17")

    certification.refresh_from_db()
    assert (certification.revoked_on, certification.revoked_by) == (today, manager)
    assert certification.is_valid_on(today) is False
    assert certification.status_on(today) == "revoked"
    event = AuditEvent.objects.get(action=AuditAction.CERTIFICATION_REVOKED)
    assert event.changes == {"revoked_on": today.isoformat(), "reason": "quality incident Q-17"}


def test_it_refuses_revocation_by_a_trainer_or_without_a_reason(team, hv_course, trainer, manager, today) -> None:
    certify(team[0], hv_course, today, trainer)
    certification = Certification.objects.get(employee=team[0], course=hv_course)

    with pytest.raises(ValidationError, match="Only a plant manager or an admin may revoke certifications."):
        certification_revoke(certification=certification, actor=trainer, reason="no")
    with pytest.raises(ValidationError, match="Give a reason for the revocation."):
        certification_revoke(certification=certification, actor=manager, reason="")

    certification.refresh_from_db()
    assert certification.revoked_on is None


def test_it_refuses_to_revoke_what_is_not_valid(team, hv_course, trainer, manager, today) -> None:
    assessments_record(rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer)
    in_progress = Certification.objects.get(employee=team[0], course=hv_course)

    with pytest.raises(ValidationError, match="nothing to revoke"):
        certification_revoke(certification=in_progress, actor=manager, reason="incident")


# --- Sessions -----------------------------------------------------------------------------


def test_it_creates_a_session_only_for_an_authorised_course(plant_sy, plant_de, hv_course, trainer, today) -> None:
    other = factories.CourseFactory(code="EHS-002")
    with pytest.raises(ValidationError, match="You are not authorised to assess EHS-002 at plant SY."):
        training_session_create(trainer=trainer, course=other, plant=plant_sy, held_on=today, delivery_mode="classroom")
    with pytest.raises(ValidationError, match="You may not run sessions at plant DE."):
        training_session_create(
            trainer=trainer, course=hv_course, plant=plant_de, held_on=today, delivery_mode="classroom"
        )

    session = training_session_create(
        trainer=trainer, course=hv_course, plant=plant_sy, held_on=today, delivery_mode="virtual", location=" Room 2 "
    )

    assert (session.location, session.trainer, session.delivery_mode) == ("Room 2", trainer, "virtual")
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_CREATED, object_id=str(session.pk)).exists()


def test_it_adds_only_active_attendees_of_the_session_plant(team, employee_de, hv_course, trainer, plant_sy) -> None:
    session = factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer)
    team[9].status = "on_leave"
    team[9].save()

    added = training_session_attendees_add(session=session, employees=[*team, employee_de], actor=trainer)
    again = training_session_attendees_add(session=session, employees=team[:3], actor=trainer)

    assert (len(added.added), len(again.added)) == (9, 0)
    refused = [(r.employee.employee_no, r.reason) for r in added.refused]
    assert refused == [("SY010", "inactive"), ("DE001", "other_plant")]
    assert {r.reason for r in again.refused} == {"attending"}
    assert set(session.attendees.values_list("employee_no", flat=True)) == {e.employee_no for e in team[:9]}


def test_it_keeps_an_attendee_who_has_results(team, hv_course, trainer, plant_sy, today) -> None:
    session = factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer, held_on=today)
    training_session_attendees_add(session=session, employees=team[:2], actor=trainer)
    assessments_record(
        rows=[result(team[0], hv_course, "theory", today, trainer, score=90)], recorded_by=trainer, session=session
    )

    with pytest.raises(ValidationError, match="SY001 already has results in this session"):
        training_session_attendee_remove(session=session, employee=team[0], actor=trainer)
    training_session_attendee_remove(session=session, employee=team[1], actor=trainer)

    assert list(session.attendees.values_list("employee_no", flat=True)) == ["SY001"]
