"""The scale-data generator: deterministic, safe, and faithful to the domain rules."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from assessments.models import Assessment, Certification
from devdata.scale import (
    ScaleDataRefused,
    ScaleSpec,
    certification_mismatches,
    ensure_database_is_empty,
    generate_scale_data,
)
from employees.models import Employee, PlantMembership, ProductionLine, Station
from tests import factories

TODAY = datetime.date(2026, 6, 30)
TINY = ScaleSpec(plants=2, employees=150, courses=210, assessments=4000, seed=7, today=TODAY)

FINGERPRINT_SQL = """
SELECT
  (SELECT md5(string_agg(concat_ws('|', e.employee_no, e.name, p.code, l.code, s.code, r.code, e.hire_date, e.status),
                         ',' ORDER BY e.employee_no))
   FROM employees_employee e JOIN employees_plant p ON p.id = e.plant_id JOIN employees_jobrole r ON r.id = e.role_id
   LEFT JOIN employees_productionline l ON l.id = e.line_id LEFT JOIN employees_station s ON s.id = e.station_id),
  (SELECT md5(string_agg(concat_ws('|', e.employee_no, c.code, a.kind, a.assessed_on, a.score, a.passed, a.attempt,
                                   a.voided_at IS NULL, a.void_reason),
                         ',' ORDER BY e.employee_no, c.code, a.kind, a.assessed_on, a.attempt, a.voided_at IS NULL,
                                      a.score, a.passed))
   FROM assessments_assessment a JOIN employees_employee e ON e.id = a.employee_id
   JOIN courses_course c ON c.id = a.course_id)
"""


def _generate_and_fingerprint(spec: ScaleSpec) -> tuple[dict, tuple[str, str]]:
    """Generate, fingerprint by natural keys (ids differ between runs), then roll everything back."""
    with transaction.atomic():
        result = generate_scale_data(spec=spec, progress=lambda _message: None)
        with connection.cursor() as cursor:
            cursor.execute(FINGERPRINT_SQL)
            fingerprint = cursor.fetchone()
        transaction.set_rollback(True)
    return result.counts, fingerprint


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_is_deterministic_for_a_seed() -> None:
    first_counts, first = _generate_and_fingerprint(TINY)
    assert Employee.objects.count() == 0

    again_counts, again = _generate_and_fingerprint(TINY)
    other_counts, other = _generate_and_fingerprint(ScaleSpec(**{**TINY.__dict__, "seed": 8}))

    assert first_counts == again_counts
    assert first_counts["assessments"] == TINY.assessments
    assert first_counts["employees"] == TINY.employees
    assert first == again
    assert other[1] != first[1]
    assert other_counts["assessments"] == TINY.assessments


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_writes_plausible_history_never_in_the_future_or_before_hire() -> None:
    result = generate_scale_data(spec=TINY, progress=lambda _message: None)

    assert Assessment.objects.count() == TINY.assessments == result.counts["assessments"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE a.assessed_on > %s),
                   count(*) FILTER (WHERE a.assessed_on < e.hire_date),
                   count(*) FILTER (WHERE a.recorded_at > clock_timestamp()),
                   count(*) FILTER (WHERE a.voided_at IS NOT NULL),
                   avg(a.passed::int) FILTER (WHERE a.voided_at IS NULL),
                   count(*) FILTER (WHERE a.kind = 'theory' AND (a.score >= c.pass_mark) <> a.passed),
                   count(*) FILTER (WHERE a.attempt > 1)
            FROM assessments_assessment a
            JOIN employees_employee e ON e.id = a.employee_id
            JOIN courses_course c ON c.id = a.course_id
            """,
            [TODAY],
        )
        future, before_hire, recorded_future, voided, pass_rate, wrong_outcome, retakes = cursor.fetchone()
    assert (future, before_hire, recorded_future, wrong_outcome) == (0, 0, 0, 0)
    assert 0 < voided < TINY.assessments * 0.02
    assert 0.75 < pass_rate < 0.95
    assert retakes > 0
    assert PlantMembership.objects.count() == 6
    assert sorted(result.usernames)[:3] == ["hr-de", "hr-sy", "manager-de"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_builds_certifications_that_agree_with_validity_rules() -> None:
    result = generate_scale_data(spec=TINY, progress=lambda _message: None)

    pairs = Assessment.objects.filter(voided_at__isnull=True).values_list("employee_id", "course_id").distinct().count()
    assert Certification.objects.count() == pairs == result.counts["certifications"]
    assert Certification.objects.filter(expires_on__isnull=False).exists()
    assert Certification.objects.filter(certified_on__isnull=True).exists()  # failed and gave up
    assert certification_mismatches(sample=pairs) == []  # levels and both states (confirmed_*) too


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_records_levels_shifts_targets_and_a_few_virtual_model_passes() -> None:
    generate_scale_data(spec=TINY, progress=lambda _message: None)

    passes = Assessment.objects.filter(kind="practical", passed=True, voided_at__isnull=True)
    levels = Counter(passes.filter(course__uses_levels=True).values_list("level", flat=True))
    assert levels["U"] > levels["L"] > 0 and levels["O"] > 0 and levels[None] == 0
    assert set(passes.filter(course__uses_levels=False).values_list("level", flat=True)) == {"U"}
    assert not Assessment.objects.filter(level__isnull=False).exclude(kind="practical", passed=True).exists()
    virtual = passes.filter(delivery_mode="virtual")
    assert 0 < virtual.count() < passes.count() * 0.05
    assert not virtual.exclude(employee__line__sop_date__gt=TODAY).exists()  # only on lines whose SOP is ahead
    assert Certification.objects.filter(provisional=True).exists()
    for line in ProductionLine.objects.select_related("plant"):
        shifts = set(Employee.objects.filter(line=line).values_list("shift", flat=True))
        assert shifts and shifts <= set(line.shift_codes), line
    stations = Counter(Station.objects.values_list("per_shift_target", "trainers_needed"))
    assert stations[(1, 0)] > stations[(2, 0)] > 0 and stations[(1, 1)] > 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_refuses_a_database_that_holds_employees() -> None:
    factories.EmployeeFactory()

    with pytest.raises(ScaleDataRefused, match="already holds employees"):
        generate_scale_data(spec=TINY)
    with pytest.raises(CommandError, match="already holds employees"):
        call_command("generate_scale_data", "--plants", "1", "--employees", "10", "--assessments", "10")
    assert Employee.objects.count() == 1
    assert Assessment.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(ScaleDataRefused, match="needs PostgreSQL"):
        ensure_database_is_empty()


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_runs_as_a_management_command(capsys: pytest.CaptureFixture) -> None:
    call_command(
        "generate_scale_data",
        "--plants=1",
        "--employees=40",
        "--courses=205",
        "--assessments=800",
        "--seed=3",
        "--today=2026-06-30",
        "--verify=50",
    )

    out = capsys.readouterr().out
    assert "assessments: plant 1/1 SY: 800 rows" in out
    assert "verified 50 certifications against validity.py" in out
    assert Assessment.objects.count() == 800
