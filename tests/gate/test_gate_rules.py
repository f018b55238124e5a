"""The gate's rule beyond the worked example: every reason, the notes, the bulk form, and its cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from assessments.models import AuditEvent, Certification
from assessments.services.certifications import certification_revoke
from assessments.services.results import ResultInput, assessments_record
from employees.models import Employee, Plant
from gate.selectors import (
    GateCheckError,
    StationNotFound,
    gate_check,
    gate_check_codes,
    gate_check_many,
    gate_station_for_user,
)
from gate.services import gate_decide_many, override_grant
from tests import factories
from tests.gate.test_gate_worked_example_2 import plant_time

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(Plant, "local_today", lambda self: TODAY)
    return TODAY


def codes(decision):
    return [(r.code, r.course) for r in decision.reasons]


def test_it_names_every_reason_of_a_person_who_left(worked_example_2, today):
    q = worked_example_2["Q"]
    Employee.objects.filter(pk=q.pk).update(status="left")
    decision = gate_check(station=worked_example_2["t1"], employee_no="Q", at=plant_time(today, 8))
    assert decision.decision == "deny"
    assert [r.as_json() for r in decision.reasons] == [
        {"code": "inactive", "course": None, "status": "left"},
        {"code": "level_below", "course": "BAT-MOD-010", "held": "L", "needed": "U"},
    ]


def test_a_person_of_another_plant_is_denied_other_plant_and_nothing_more(worked_example_2, today, plant_de):
    """Nothing of a plant is visible from another: not the person's name, status or certifications."""
    outsider = factories.EmployeeFactory(employee_no="DE-1", plant=plant_de, status="left")
    decision = gate_check(station=worked_example_2["t1"], employee_no=outsider.employee_no, at=plant_time(today, 8))
    assert codes(decision) == [("other_plant", None)]
    assert (decision.notes, decision.employee_name, decision.decision) == ((), "", "deny")


def test_a_number_typed_in_lower_case_or_full_width_is_found(worked_example_2, today, plant_sy):
    factories.EmployeeFactory(employee_no="SY-000120", plant=plant_sy, line=worked_example_2["line"])
    for typed in ("sy-000120", "ＳＹ－０００１２０ ", " SY-000120\t"):
        assert gate_check(station=worked_example_2["t1"], employee_no=typed, at=plant_time(today, 8)).employee_no == (
            "SY-000120"
        )


def test_a_qualified_person_of_another_line_is_allowed_and_told(worked_example_2, today, plant_sy):
    other_line = factories.ProductionLineFactory(plant=plant_sy, code="L9")
    Employee.objects.filter(pk=worked_example_2["P"].pk).update(line=other_line, station=None)
    decision = gate_check(station=worked_example_2["t1"], employee_no="P", at=plant_time(today, 8))
    assert (decision.decision, decision.notes) == ("allow", ("other_line",))


def test_expired_and_revoked_carry_their_dates(worked_example_2, today, manager):
    p = worked_example_2["P"]
    # HV-001 (12 months) passed 2026-09-01 expires 2027-09-01.
    expired = gate_check(station=worked_example_2["t1"], employee_no="P", at=plant_time(dt.date(2027, 9, 1), 8))
    assert [r.as_json() for r in expired.reasons] == [
        {"code": "expired", "course": "HV-001", "expired_on": "2027-09-01"}
    ]
    certification = Certification.objects.get(employee=p, course=worked_example_2["mod"])
    certification_revoke(certification=certification, actor=manager, reason="Quality incident")
    revoked = gate_check(station=worked_example_2["t1"], employee_no="P", at=plant_time(today, 9))
    assert [r.code for r in revoked.reasons] == ["revoked"]
    assert revoked.reasons[0].revoked_on is not None


def test_a_plant_wide_course_never_attempted_is_missing(worked_example_2, today, plant_sy):
    newcomer = factories.EmployeeFactory(employee_no="NEW", plant=plant_sy, line=worked_example_2["line"])
    decision = gate_check(station=worked_example_2["t1"], employee_no=newcomer.employee_no, at=plant_time(today, 8))
    assert codes(decision) == [("missing", "BAT-MOD-010"), ("missing", "HV-001")]


def test_a_station_is_found_only_at_the_users_plants(worked_example_2, manager, manager_de, trainer, supervisor):
    args = {"plant_code": "SY", "line_code": "L2", "station_code": "T1"}
    assert gate_station_for_user(user=manager, **args) == worked_example_2["t1"]
    assert gate_station_for_user(user=supervisor, **args) == worked_example_2["t1"]
    for outsider in (manager_de, trainer):  # another plant's manager; a trainer holds no gate capability
        with pytest.raises(Http404):
            gate_station_for_user(user=outsider, **args)
    with pytest.raises(Http404):
        gate_station_for_user(user=manager, **{**args, "station_code": "T9"})
    with pytest.raises(Http404):  # a token limited to other plants
        gate_station_for_user(user=manager, plant_ids=[], **args)


def test_an_unknown_employee_raises(worked_example_2, today):
    with pytest.raises(Employee.DoesNotExist):
        gate_check(station=worked_example_2["t1"], employee_no="NOBODY", at=plant_time(today, 8))


def test_the_stored_path_reads_one_query(worked_example_2, today, django_assert_num_queries, manager):
    # The station by its codes among the caller's plants, the employee with the override in force, the
    # requirements joined to the employee's certifications: one statement (gate/sql.py).
    with django_assert_num_queries(1):
        decision = gate_check_codes(
            plant_code="SY",
            line_code="L2",
            station_code="T1",
            employee_no="Q",
            at=plant_time(today, 8),
            plant_ids=[worked_example_2["plant"].id],
        )
    assert decision.decision == "deny"
    # With an override in force: one more, for the override's details.
    override_grant(
        employee=worked_example_2["Q"],
        station=worked_example_2["t1"],
        starts_at=plant_time(today, 6),
        ends_at=plant_time(today, 14),
        reason="Trainer beside Q",
        granted_by=manager,
    )
    with django_assert_num_queries(2):
        decision = gate_check_codes(
            plant_code="SY", line_code="L2", station_code="T1", employee_no="Q", at=plant_time(today, 8)
        )
    assert decision.decision == "allow"


def test_a_station_outside_the_callers_plants_is_not_found(worked_example_2, today, plant_de):
    for plant_ids in ([], [plant_de.id]):
        with pytest.raises(StationNotFound):
            gate_check_codes(plant_code="SY", line_code="L2", station_code="T1", employee_no="Q", plant_ids=plant_ids)


def test_the_bulk_form_answers_each_pair_as_the_single_one(worked_example_2, today, plant_sy):
    at = plant_time(today, 8)
    checks = [("P", "L2", "T1"), ("Q", "L2", "T1"), ("NOBODY", "L2", "T1"), ("R", "L2", "T9"), ("S", "L2", "T1")]
    answers = gate_check_many(plant=plant_sy, checks=checks, at=at)
    assert [a.decision if not isinstance(a, GateCheckError) else a.error for a in answers] == [
        "allow",
        "deny",
        "not found",
        "not found",
        "deny",
    ]
    for answer, (employee_no, _line, _station) in zip(answers, checks, strict=True):
        if not isinstance(answer, GateCheckError):
            single = gate_check(station=worked_example_2["t1"], employee_no=employee_no, at=at)
            assert answer.as_json() == single.as_json()
    assert answers[2].as_json()["detail"] == "no employee NOBODY"


def test_the_bulk_form_is_one_query_for_2_or_200_pairs(worked_example_2, today, plant_sy):
    at = plant_time(today, 8)
    line = worked_example_2["line"]
    for i in range(40):
        factories.EmployeeFactory(employee_no=f"X{i:03}", plant=plant_sy, line=line)
    stations = [worked_example_2["t1"], *[factories.StationFactory(line=line, code=f"T{n}") for n in range(2, 6)]]

    def count(checks):
        with CaptureQueriesContext(connection) as queries:
            gate_check_many(plant=plant_sy, checks=checks, at=at)
        return len(queries)

    small = count([("P", "L2", "T1"), ("X000", "L2", "T2")])
    large = count([(f"X{i:03}", "L2", s.code) for i in range(40) for s in stations])
    assert small == large == 1


def test_an_override_used_in_bulk_is_audited_once_per_use(worked_example_2, manager, plant_sy):
    at = plant_time(dt.date(2027, 3, 31), 8)
    override_grant(
        employee=worked_example_2["R"],
        station=worked_example_2["t1"],
        starts_at=at - dt.timedelta(hours=2),
        ends_at=at + dt.timedelta(hours=6),
        reason="Recovery",
        granted_by=manager,
    )
    before = AuditEvent.objects.filter(action="override.used").count()
    answers = gate_decide_many(plant=plant_sy, checks=[("R", "L2", "T1"), ("P", "L2", "T1")], at=at, actor=manager)
    assert [a.decision for a in answers] == ["allow", "allow"]
    assert answers[0].override is not None and answers[1].override is None
    used = AuditEvent.objects.filter(action="override.used")
    assert used.count() == before + 1
    assert "R" in used.latest("id").summary


def test_a_past_moment_reads_the_history_not_todays_rows(worked_example_2, trainer):
    """Q renewed at U today: the gate for a moment before it still says L."""
    q, mod = worked_example_2["Q"], worked_example_2["mod"]
    today = q.plant.local_today()
    assessments_record(
        rows=[
            ResultInput(
                employee=q,
                course=mod,
                kind="practical",
                assessed_on=today,
                assessor=trainer,
                level="U",
                delivery_mode="on_the_job",
                checklist_marks=[True, True, True, True],
            )
        ],
        recorded_by=trainer,
    )
    t1 = worked_example_2["t1"]
    assert gate_check(station=t1, employee_no="Q", at=plant_time(today, 12)).decision == "allow"
    yesterday = gate_check(station=t1, employee_no="Q", at=plant_time(today - dt.timedelta(days=1), 12))
    assert (yesterday.decision, yesterday.computed) == ("deny", True)
