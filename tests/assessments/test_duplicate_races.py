"""An exact duplicate recorded while another save is between its checks and its insert (issue #14 item 9).

Two single-result saves of one person (two tabs, two tablets: different form keys), or an Excel results
import committing while a single result is saved, both pass validation. assessments_record locks the
employees' rows and checks again for duplicates before it inserts, on every path: the second save finds
the first's result and is refused with the same words ("already recorded"); an import is refused whole.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection, transaction

from assessments.models import Assessment
from assessments.services.result_rules import ResultInput, assessments_validate
from assessments.services.results import BatchRejected, assessment_record, assessments_record
from assessments.services.submissions import assessments_record_once
from courses.models import TrainerAuthorisation
from spreadsheets.engine import import_run
from spreadsheets.importers import assessments as imports
from tests.assessments.helpers import result
from tests.spreadsheets.helpers import RESULT_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_between_checks_and_insert(monkeypatch):
    """Another save records `row` right after assessments_record validated its own rows: the moment a
    concurrent save commits between the first check and the insert (made deterministic, one connection)."""
    original = assessments_validate
    assert imports.assessments_validate is original  # the import's own checks (its plan) stay as they are
    done = []

    def arrange(row: ResultInput, recorded_by) -> None:
        def validate(**kwargs: object) -> dict:
            errors = original(**kwargs)
            if not done:
                done.append(row)
                assessments_record(rows=[row], recorded_by=recorded_by)
            return errors

        monkeypatch.setattr("assessments.services.results.assessments_validate", validate)

    return arrange


def test_it_refuses_a_single_result_recorded_by_another_tab_meanwhile(
    recorded_between_checks_and_insert, team, hv_course, trainer, today
) -> None:
    row = result(team[0], hv_course, "theory", today, trainer, score=85)
    recorded_between_checks_and_insert(result(team[0], hv_course, "theory", today, trainer, score=85), trainer)

    with pytest.raises(BatchRejected) as rejected:
        assessments_record(rows=[row], recorded_by=trainer)

    assert rejected.value.errors == {0: ["already recorded"]}
    assert [refusal.code for refusal in rejected.value.errors[0]] == ["duplicate"]
    assert Assessment.objects.count() == 1


def _results_file(tmp_path, *rows):
    return make_xlsx(tmp_path / "results.xlsx", {"Results": [RESULT_HEADERS, *rows]})


def test_it_refuses_the_whole_import_when_a_row_was_recorded_while_it_committed(
    recorded_between_checks_and_insert, tmp_path, plant_sy, team, hv_course, trainer, today
) -> None:
    path = _results_file(
        tmp_path,
        [team[0].employee_no, "HV-001", "theory", today.isoformat(), 85, None, "", ""],
        [team[1].employee_no, "HV-001", "theory", today.isoformat(), 70, None, "", ""],
    )
    recorded_between_checks_and_insert(result(team[1], hv_course, "theory", today, trainer, score=70), trainer)

    preview = import_run(kind="results", path=path, user=trainer, plant=plant_sy, commit=True)

    assert not preview.committed
    assert [(e.row, e.message) for e in preview.errors] == [
        (3, "already recorded"),
        (
            0,
            "Nothing was imported: some of its results were recorded by someone else while it ran. "
            "Upload the file again: results already recorded are skipped.",
        ),
    ]
    assert not Assessment.objects.filter(source="import").exists()


def test_it_refuses_the_whole_import_when_a_rule_changed_while_it_committed(
    monkeypatch, tmp_path, plant_sy, team, hv_course, trainer, today
) -> None:
    """Any refusal at the insert (here the trainer's authorisation withdrawn meanwhile) is reported row by row,
    never an error page, and nothing is written."""
    path = _results_file(tmp_path, [team[0].employee_no, "HV-001", "theory", today.isoformat(), 85, None, "", ""])
    original = assessments_validate

    def validate(**kwargs: object) -> dict:
        TrainerAuthorisation.objects.filter(user=trainer).delete()
        return original(**kwargs)

    monkeypatch.setattr("assessments.services.results.assessments_validate", validate)

    preview = import_run(kind="results", path=path, user=trainer, plant=plant_sy, commit=True)

    assert not preview.committed
    assert [(e.row, e.column, str(e.message)) for e in preview.errors] == [
        (2, "assessor", "trainer is not authorised to assess HV-001 at plant SY."),
        (0, "", "Nothing was imported: the rows no longer pass the checks (see below)."),
    ]
    assert not Assessment.objects.exists()
    assert TrainerAuthorisation.objects.filter(user=trainer).exists()  # the import's transaction rolled back whole


# --- On PostgreSQL: two connections at once -----------------------------------------------------


def _wait_until_someone_waits_for_a_lock() -> None:
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_locks, not pg_stat_activity: the latter is a snapshot kept for the whole transaction.
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail("the second save never waited for a lock")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_records_once_when_two_single_results_race(team, hv_course, trainer, today) -> None:
    """Two tabs save the same single result at the same moment (two form keys, no session): both pass
    validation; the employee's row lock lets the second in only after the first committed, and it then
    finds the result recorded."""
    rows = [result(team[0], hv_course, "theory", today, trainer, score=85)]
    outcome = {}

    def second_tab() -> None:
        try:
            assessments_record_once(form_key=uuid.uuid4(), redirect_to="/", rows=rows, recorded_by=trainer)
            outcome["second"] = "recorded"
        except BatchRejected as rejected:
            outcome["second"] = rejected.errors
        finally:
            connection.close()

    with transaction.atomic():
        assessments_record_once(form_key=uuid.uuid4(), redirect_to="/", rows=rows, recorded_by=trainer)
        thread = threading.Thread(target=second_tab)
        thread.start()
        _wait_until_someone_waits_for_a_lock()
    thread.join(timeout=10)

    assert outcome["second"] == {0: ["already recorded"]}
    assert Assessment.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_import_that_commits_while_the_same_result_is_saved(
    tmp_path, plant_sy, team, hv_course, trainer, today
) -> None:
    path = _results_file(
        tmp_path,
        [team[0].employee_no, "HV-001", "theory", today.isoformat(), 85, None, "", ""],
        [team[1].employee_no, "HV-001", "theory", today.isoformat(), 85, None, "", ""],
    )
    outcome = {}

    def import_commit() -> None:
        try:
            outcome["import"] = import_run(kind="results", path=path, user=trainer, plant=plant_sy, commit=True)
        finally:
            connection.close()

    with transaction.atomic():
        assessment_record(row=result(team[1], hv_course, "theory", today, trainer, score=85), recorded_by=trainer)
        thread = threading.Thread(target=import_commit)
        thread.start()
        _wait_until_someone_waits_for_a_lock()
    thread.join(timeout=10)

    preview = outcome["import"]
    assert not preview.committed
    assert (preview.errors[0].row, preview.errors[0].message) == (3, "already recorded")
    assert list(Assessment.objects.values_list("employee__employee_no", "source")) == [("SY002", "web")]
