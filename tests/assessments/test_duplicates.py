"""One rule against recording the same result twice (issue #14 item 9), held by every entry path.

Same employee, course, kind, date and result (score for theory, pass/fail for practical), not voided:
assessments_validate refuses it with the words the results import has always used ("already recorded");
the import skips such rows with the same words, from the same rule.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.urls import reverse

from assessments.models import Assessment
from assessments.services.result_rules import assessments_duplicates
from assessments.services.results import BatchRejected, assessment_record, assessment_void, assessments_record
from spreadsheets.engine import import_run
from tests import factories
from tests.assessments.helpers import result
from tests.spreadsheets.helpers import RESULT_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db


def _refusal(rows, recorded_by) -> dict[int, list[str]]:
    before = Assessment.objects.count()
    with pytest.raises(BatchRejected) as rejected:
        assessments_record(rows=rows, recorded_by=recorded_by)
    assert Assessment.objects.count() == before
    return rejected.value.errors


def test_it_refuses_a_theory_result_recorded_before_with_the_same_score(team, hv_course, trainer, today) -> None:
    assessments_record(rows=[result(team[0], hv_course, "theory", today, trainer, score=85)], recorded_by=trainer)

    errors = _refusal([result(team[0], hv_course, "theory", today, trainer, score=85)], trainer)

    assert errors == {0: ["already recorded"]}
    assert [refusal.code for refusal in errors[0]] == ["duplicate"]


def test_it_refuses_a_practical_recorded_before_with_the_same_outcome(team, hv_course, trainer, today) -> None:
    assessments_record(
        rows=[result(team[0], hv_course, "practical", today, trainer, passed=False)], recorded_by=trainer
    )

    assert _refusal([result(team[0], hv_course, "practical", today, trainer, passed=False)], trainer) == {
        0: ["already recorded"]
    }


def test_it_records_what_differs_in_score_outcome_date_or_kind(team, hv_course, trainer, today) -> None:
    assessments_record(
        rows=[
            result(team[0], hv_course, "theory", today, trainer, score=60),
            result(team[0], hv_course, "practical", today, trainer, passed=False),
        ],
        recorded_by=trainer,
    )

    recorded = assessments_record(
        rows=[
            result(team[0], hv_course, "theory", today, trainer, score=90),  # a retake the same day
            result(team[0], hv_course, "practical", today, trainer, passed=True),
            result(team[0], hv_course, "theory", today - dt.timedelta(days=1), trainer, score=60),
            result(team[1], hv_course, "theory", today, trainer, score=60),  # someone else
        ],
        recorded_by=trainer,
    )

    assert len(recorded) == 4
    assert Assessment.objects.count() == 6


def test_it_refuses_the_second_of_two_identical_rows_of_one_batch(team, hv_course, trainer, today) -> None:
    rows = [
        result(team[0], hv_course, "theory", today, trainer, score=85),
        result(team[1], hv_course, "theory", today, trainer, score=85),
        result(team[0], hv_course, "theory", today, trainer, score=85),
    ]

    assert _refusal(rows, trainer) == {2: ["already recorded"]}


def test_it_finds_duplicates_across_query_chunks(team, hv_course, trainer, today, monkeypatch) -> None:
    """A large import is checked a chunk of employees at a time: none is missed at a chunk's edge."""
    assessments_record(
        rows=[result(e, hv_course, "theory", today, trainer, score=85) for e in team[:5]], recorded_by=trainer
    )
    monkeypatch.setattr("assessments.services.result_rules.QUERY_CHUNK", 2)

    duplicates = assessments_duplicates(
        rows=[result(e, hv_course, "theory", today, trainer, score=85) for e in team[:7]]
    )

    assert sorted(duplicates) == [0, 1, 2, 3, 4]


def test_it_records_again_what_was_voided(team, hv_course, trainer, today) -> None:
    first = assessment_record(row=result(team[0], hv_course, "theory", today, trainer, score=85), recorded_by=trainer)
    assessment_void(assessment=first, actor=trainer, reason="wrong employee")

    again = assessment_record(row=result(team[0], hv_course, "theory", today, trainer, score=85), recorded_by=trainer)

    assert again.pk != first.pk
    assert Assessment.objects.filter(voided_at__isnull=True).count() == 1


def test_it_refuses_a_duplicate_in_the_single_result_form_with_the_same_words(
    client, trainer, team, hv_course, today
) -> None:
    client.force_login(trainer)
    url = reverse("assessments:result-create", args=[team[0].employee_no])

    def post() -> object:
        return client.post(
            url,
            {
                "course": hv_course.pk,
                "kind": "theory",
                "assessed_on": today.isoformat(),
                "score": "85",
                "form_key": str(uuid.uuid4()),  # a new form each time: not the double-submit guard
            },
        )

    assert post().status_code == 302
    again = post()

    assert again.status_code == 200
    assert "already recorded" in again.content.decode()
    assert Assessment.objects.count() == 1


def test_it_skips_in_the_import_a_result_recorded_by_another_path_with_the_services_words(
    tmp_path, plant_sy, trainer, team, hv_course, today
) -> None:
    assessments_record(rows=[result(team[0], hv_course, "theory", today, trainer, score=85)], recorded_by=trainer)
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {
            "Results": [
                RESULT_HEADERS,
                [team[0].employee_no, "HV-001", "theory", today.isoformat(), 85, None, "", ""],
                [team[1].employee_no, "HV-001", "theory", today.isoformat(), 85, None, "", ""],
            ]
        },
    )
    rows = [result(team[0], hv_course, "theory", today, trainer, score=85)]

    preview = import_run(kind="results", path=path, user=trainer, plant=plant_sy, commit=True)

    assert preview.committed
    assert [(r.row, r.note) for r in preview.skipped] == [(2, assessments_duplicates(rows=rows)[0])]
    assert preview.skipped[0].note == "already recorded"
    assert Assessment.objects.filter(employee=team[0]).count() == 1
    assert Assessment.objects.filter(employee=team[1], source="import").count() == 1


def test_it_imports_again_a_result_that_was_voided(tmp_path, plant_sy, trainer, team, hv_course, today) -> None:
    recorded = assessment_record(
        row=result(team[0], hv_course, "theory", today, trainer, score=85), recorded_by=trainer
    )
    assessment_void(assessment=recorded, actor=trainer, reason="entered on the wrong day")
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {"Results": [RESULT_HEADERS, [team[0].employee_no, "HV-001", "theory", today.isoformat(), 85, None, "", ""]]},
    )

    preview = import_run(kind="results", path=path, user=trainer, plant=plant_sy, commit=True)

    assert (preview.committed, preview.counts()["created"], preview.counts()["skipped"]) == (True, 1, 0)


def test_it_records_the_same_result_in_another_course(team, hv_course, trainer, today, plant_sy) -> None:
    other = factories.CourseFactory(code="HV-002", needs_theory=True, needs_practical=False)
    factories.TrainerAuthorisationFactory(user=trainer, course=other, plant=plant_sy)
    assessments_record(rows=[result(team[0], hv_course, "theory", today, trainer, score=85)], recorded_by=trainer)

    assessments_record(rows=[result(team[0], other, "theory", today, trainer, score=85)], recorded_by=trainer)

    assert Assessment.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_records_once_when_two_saves_of_a_session_race(team, hv_course, trainer, plant_sy, today) -> None:
    """Two tablets save the same grid at the same moment: both pass validation; the session's row lock lets
    the second in only after the first committed, and it then finds the result recorded."""
    session = factories.TrainingSessionFactory(course=hv_course, plant=plant_sy, trainer=trainer, held_on=today)
    rows = [result(team[0], hv_course, "theory", today, trainer, score=85)]
    outcome = {}

    def second_save() -> None:
        try:
            assessments_record(rows=rows, recorded_by=trainer, session=session)
            outcome["second"] = "recorded"
        except BatchRejected as rejected:
            outcome["second"] = rejected.errors
        finally:
            connection.close()

    with transaction.atomic():
        assessments_record(rows=rows, recorded_by=trainer, session=session)  # holds the session's lock
        thread = threading.Thread(target=second_save)
        thread.start()
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:  # until the second save, validated, waits for the lock
            while time.monotonic() < deadline:
                # pg_locks, not pg_stat_activity: the latter is a snapshot kept for the whole transaction.
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the second save never waited for the session's lock")
    thread.join(timeout=10)

    assert outcome["second"] == {0: ["already recorded"]}
    assert Assessment.objects.count() == 1
