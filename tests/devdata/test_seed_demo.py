"""manage.py seed_demo: the demo plants, users and history (issue #2, "Demo data").

The demo is seeded once per module (twice, to prove idempotency) inside a
transaction rolled back at the end: the real default size, as `make run` builds it.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import Client, override_settings

from assessments import validity
from assessments.models import Assessment, Certification, CertificationStatus, TrainingSession
from assessments.selectors.certifications import qualifications
from courses.models import Course, Requirement, TrainerAuthorisation
from courses.selectors import required_course_ids_by_employee
from devdata.demo.services import DEFAULT_DEMO_PASSWORD, demo_seed
from employees.models import Employee, EmployeeStatus, JobRole, Plant, PlantMembership, ProductionLine, Station

PASSWORD = "seed-demo-test-password"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class Seeded:
    first_counts: dict[str, int]
    second_counts: dict[str, int]
    first_output: str
    second_output: str


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[Seeded]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        first, second = StringIO(), StringIO()
        call_command("seed_demo", password=PASSWORD, stdout=first)
        first_counts = _row_counts()
        call_command("seed_demo", password=PASSWORD, stdout=second)
        yield Seeded(first_counts, _row_counts(), first.getvalue(), second.getvalue())
        transaction.set_rollback(True)


@pytest.fixture
def sy(seeded: Seeded, db) -> Plant:
    return Plant.objects.get(code="SY")


@pytest.fixture
def de(seeded: Seeded, db) -> Plant:
    return Plant.objects.get(code="DE")


# --- Organisation and roster ------------------------------------------------------------


def test_it_loads_the_catalog_first_when_it_is_empty(seeded: Seeded, db) -> None:
    assert "course catalog loaded" in seeded.first_output
    assert "course catalog loaded" not in seeded.second_output
    assert Course.objects.filter(is_active=True).count() >= 150


def test_it_builds_plant_sy_with_four_lines_and_thirty_stations(sy: Plant) -> None:
    assert (sy.name, sy.country, sy.time_zone) == ("Shenyang", "CN", "Asia/Shanghai")
    lines = list(ProductionLine.objects.filter(plant=sy))
    assert {line.code for line in lines} >= {"MOD1", "PACK1", "EOL1", "FORM1"}
    assert all(line.shifts == 3 and 90 <= line.target_readiness_pct <= 100 for line in lines)
    today = sy.local_today()
    sop_dates = [line.sop_date for line in lines if line.sop_date]
    assert any(d < today for d in sop_dates)
    assert any(today < d <= today + datetime.timedelta(days=200) for d in sop_dates)
    stations = Station.objects.filter(line__plant=sy)
    assert stations.count() >= 30
    assert stations.filter(name__icontains="laser welding").exists()
    assert stations.filter(name__icontains="helium leak").exists()
    # Per-shift targets: mostly the default 1, a few stations needing 2 on every shift; some need a trainer.
    targets = Counter(stations.values_list("per_shift_target", flat=True))
    assert set(targets) == {1, 2} and 0 < targets[2] < stations.count() / 4
    assert 0 < stations.filter(trainers_needed=1).count() < stations.count() / 4


def test_it_hires_at_least_320_people_at_sy_with_local_names(sy: Plant) -> None:
    people = list(Employee.objects.filter(plant=sy).select_related("role", "line"))
    assert len(people) >= 320
    assert all(re.fullmatch(r"SY-\d{6}", p.employee_no) for p in people)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", p.name) for p in people)
    assert len({p.name for p in people}) > len(people) * 0.6
    roles = Counter(p.role.code for p in people)
    assert roles["OP"] > len(people) * 0.7
    assert all(roles[code] > 0 for code in ("TL", "MT", "QI", "LOG", "PE"))
    assert sy.shift_code_list == ["A", "B", "C"]
    assert {p.shift for p in people if p.line_id} == {"A", "B", "C", ""}  # team leaders: day staff
    statuses = Counter(p.status for p in people)
    assert statuses[EmployeeStatus.ON_LEAVE] > 0 and statuses[EmployeeStatus.LEFT] > 0
    assert statuses[EmployeeStatus.ACTIVE] > len(people) * 0.9
    today = sy.local_today()
    hire_dates = [p.hire_date for p in people]
    assert today - datetime.timedelta(days=3 * 366) <= min(hire_dates)
    assert max(hire_dates) <= today
    assert all(p.station_id is not None for p in people if p.role.code == "OP")


def test_it_builds_the_smaller_plant_de_from_the_same_templates(sy: Plant, de: Plant) -> None:
    assert (de.name, de.country, de.time_zone) == ("Debrecen", "HU", "Europe/Budapest")
    assert ProductionLine.objects.filter(plant=de).count() == 2
    assert 8 <= Station.objects.filter(line__plant=de).count() <= 12
    people = list(Employee.objects.filter(plant=de))
    assert 70 <= len(people) <= 90
    assert all(re.fullmatch(r"DE-\d{6}", p.employee_no) for p in people)
    assert all(re.fullmatch(r"[A-ZÁÉÍÓÖŐÚÜŰ][a-záéíóöőúüű]+ [A-ZÁÉÍÓÖŐÚÜŰ][a-záéíóöőúüű]+", p.name) for p in people)
    requirements = Requirement.objects.filter(Q(plant=de) | Q(station__line__plant=de))
    assert requirements.count() >= 20
    assert not requirements.filter(course__owner_plant__isnull=False).exists()  # company templates only


def test_it_wires_plant_wide_and_station_requirements(sy: Plant, de: Plant) -> None:
    for plant in (sy, de):
        plant_wide = set(Requirement.objects.filter(scope="plant", plant=plant).values_list("course__code", flat=True))
        assert {"HV-001", "EHS-001"} <= plant_wide
        assert len({code for code in plant_wide if code.startswith("EHS-")}) >= 3
        for station in Station.objects.filter(line__plant=plant):
            assert 2 <= station.requirements.count() <= 4, station
    codes_at = {
        station.name: set(station.requirements.values_list("course__code", flat=True))
        for station in Station.objects.filter(line__plant=sy)
    }
    assert any(code.startswith("JOIN-") for code in codes_at["Laser welding busbars"])
    assert any(code.startswith("LEAK-") for code in codes_at["Helium leak test"])
    assert any(code.startswith("EOL-") for code in codes_at["EOL tester"])
    assert any(code.startswith("BAT-PACK-") for code in codes_at["HV connector mating"])


# --- Users ---------------------------------------------------------------------------------


def test_it_creates_the_demo_users_with_the_password(sy: Plant, de: Plant) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    expected = {
        "trainer": (sy, "trainer"),
        "manager": (sy, "manager"),
        "hr": (sy, "hr"),
        "auditor": (sy, "auditor"),
        "supervisor": (sy, "supervisor"),
        "manager-de": (de, "manager"),
        "trainer-de": (de, "trainer"),
    }
    for username, (plant, role) in expected.items():
        user = users[username]
        assert user.check_password(PASSWORD), username
        assert user.first_name and user.last_name
        assert not user.is_superuser
        assert list(PlantMembership.objects.filter(user=user).values_list("plant", "role")) == [(plant.id, role)]
    admin = users["admin"]
    assert admin.is_superuser and admin.is_staff and admin.check_password(PASSWORD)
    assert Client().login(username="manager", password=PASSWORD)


def test_it_authorises_the_trainers_for_their_plants_courses(sy: Plant, de: Plant) -> None:
    trainer = get_user_model().objects.get(username="trainer")
    authorised = set(TrainerAuthorisation.objects.filter(user=trainer, plant=sy).values_list("course_id", flat=True))
    station_and_plant_wide = set(
        Requirement.objects.filter(station__line__plant=sy).values_list("course_id", flat=True)
    ) | set(Requirement.objects.filter(scope="plant", plant=sy).values_list("course_id", flat=True))
    assert len(authorised) >= 40
    assert station_and_plant_wide <= authorised
    assert not TrainerAuthorisation.objects.filter(user=trainer).exclude(plant=sy).exists()
    trainer_de = get_user_model().objects.get(username="trainer-de")
    de_courses = set(Requirement.objects.filter(station__line__plant=de).values_list("course_id", flat=True))
    assert de_courses <= set(
        TrainerAuthorisation.objects.filter(user=trainer_de, plant=de).values_list("course_id", flat=True)
    )


# --- Idempotency -------------------------------------------------------------------------


def test_it_leaves_every_row_count_unchanged_when_run_twice(seeded: Seeded) -> None:
    assert seeded.first_counts["assessments.Assessment"] > 5000
    assert seeded.second_counts == seeded.first_counts
    assert "history kept" in seeded.second_output
    assert "(0 created)" in seeded.second_output


def test_it_prints_the_users_and_the_password(seeded: Seeded) -> None:
    for username in ("admin", "trainer", "manager", "hr", "auditor", "supervisor", "manager-de", "trainer-de"):
        assert re.search(rf"^\s+{re.escape(username)}\s", seeded.first_output, re.MULTILINE)
    assert f"password: {PASSWORD}" in seeded.first_output


def test_it_prints_a_pairing_link_for_the_demo_terminal(seeded: Seeded) -> None:
    from gate.models import Terminal

    terminal = Terminal.objects.select_related("station__line__plant").get(name="S010 tablet")
    assert (terminal.station.line.plant.code, terminal.station.line.code, terminal.station.code) == (
        "SY",
        "PACK1",
        "S010",
    )
    for output in (seeded.first_output, seeded.second_output):
        link = re.search(
            r"^\(once, within 24 hours.*\): (http://localhost:8000(/gate/pair/\S+/))$", output, re.MULTILINE
        )
        assert link is not None, output[-400:]
    # The link of the second run pairs the tablet and lands on the station's kiosk.
    response = Client().get(link.group(2))
    assert response.status_code == 302
    assert response["Location"] == "/gate/SY/PACK1/S010/"


# --- History sanity ----------------------------------------------------------------------


def test_it_never_dates_a_result_in_the_future_or_before_the_hire_date(sy: Plant, de: Plant) -> None:
    today = {sy.id: sy.local_today(), de.id: de.local_today()}
    rows = Assessment.objects.values_list(
        "assessed_on", "employee__hire_date", "employee__plant_id", "kind", "score", "passed", "course__pass_mark"
    )
    oldest = min(today.values()) - datetime.timedelta(days=19 * 31)
    for assessed_on, hire_date, plant_id, kind, score, passed, pass_mark in rows:
        assert hire_date <= assessed_on <= today[plant_id]
        assert assessed_on >= oldest
        if kind == "theory":
            assert 0 <= score <= 100
            assert passed == (score >= pass_mark)
        else:
            assert score is None
    assert not Assessment.objects.exclude(source="seed").exists()


def test_it_numbers_attempts_like_the_recording_service(seeded: Seeded, db) -> None:
    counts: dict[tuple[int, int, str], int] = defaultdict(int)
    rows = Assessment.objects.order_by("assessed_on", "id").values_list(
        "employee_id", "course_id", "kind", "attempt", "voided_at"
    )
    for employee_id, course_id, kind, attempt, voided_at in rows:
        key = (employee_id, course_id, kind)
        if voided_at is None:
            counts[key] += 1
            assert attempt == counts[key]
        else:
            assert attempt == counts[key] + 1  # the wrong entry, typed before the right one
    assert max(counts.values()) >= 3  # retakes and renewals


def test_it_assessed_a_course_only_while_its_prerequisites_were_valid(seeded: Seeded, db) -> None:
    """DOMAIN.md: an assessment of C on D needs a valid certification of every prerequisite of C on D."""
    courses = {c.id: c for c in Course.objects.all()}
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in Course.prerequisites.through.objects.values_list("from_course_id", "to_course_id"):
        prerequisites[from_id].append(to_id)
    passes: dict[tuple[int, int], list[tuple[str, datetime.date]]] = defaultdict(list)
    rows = list(
        Assessment.objects.values_list("employee_id", "course_id", "kind", "assessed_on", "passed", "voided_at")
    )
    for employee_id, course_id, kind, assessed_on, passed, voided_at in rows:
        if passed and voided_at is None:
            passes[(employee_id, course_id)].append((kind, assessed_on))
    revoked = {
        (e, c): r
        for e, c, r in Certification.objects.filter(revoked_on__isnull=False).values_list(
            "employee_id", "course_id", "revoked_on"
        )
    }
    checked = 0
    for employee_id, course_id, _kind, assessed_on, _passed, _voided_at in rows:
        for prerequisite_id in prerequisites[course_id]:
            prerequisite = courses[prerequisite_id]
            state = validity.certification_state(
                needed_kinds=prerequisite.needed_kinds,
                validity_months=prerequisite.validity_months,
                passes=passes[(employee_id, prerequisite_id)],
                revoked_on=revoked.get((employee_id, prerequisite_id)),
                on_date=assessed_on,
            )
            assert state.valid, (employee_id, courses[course_id].code, prerequisite.code, assessed_on)
            checked += 1
    assert checked > 1000


def test_it_keeps_certifications_in_step_with_the_assessments(seeded: Seeded, db) -> None:
    pairs = set(Assessment.objects.filter(voided_at__isnull=True).values_list("employee_id", "course_id").distinct())
    certifications = {(c.employee_id, c.course_id): c for c in Certification.objects.select_related("course")}
    assert pairs <= set(certifications)
    passes: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for employee_id, course_id, kind, assessed_on, level, mode in Assessment.objects.filter(
        passed=True, voided_at__isnull=True
    ).values_list("employee_id", "course_id", "kind", "assessed_on", "level", "delivery_mode"):
        passes[(employee_id, course_id)].append((kind, assessed_on, level, mode == "virtual"))
    for key, certification in list(certifications.items())[:800]:
        state = validity.certification_state(
            needed_kinds=certification.course.needed_kinds,
            validity_months=certification.course.validity_months,
            passes=passes[key],
            revoked_on=certification.revoked_on,
        )
        assert (certification.certified_on, certification.expires_on) == (state.certified_on, state.expires_on)
        assert (certification.level, certification.provisional) == (state.level, state.provisional)


def test_it_mixes_valid_expiring_expired_missing_and_revoked(sy: Plant) -> None:
    today = sy.local_today()
    active = Certification.objects.filter(employee__plant=sy, employee__status=EmployeeStatus.ACTIVE)
    certifications = list(active.select_related("course"))
    statuses = Counter(c.status_on(today, expiring_days=90) for c in certifications)
    assert statuses[CertificationStatus.VALID] > statuses[CertificationStatus.EXPIRING] > 0
    assert statuses[CertificationStatus.EXPIRED] > 0
    assert statuses[CertificationStatus.IN_PROGRESS] > 0
    for days in (30, 60):
        assert any(
            validity.expires_within(certified_on=c.certified_on, expires_on=c.expires_on, on_date=today, days=days)
            for c in certifications
        )
    # Expired after a 12-month validity, last passed 13-17 months ago.
    lapsed = [
        c
        for c in certifications
        if c.status_on(today) == CertificationStatus.EXPIRED
        and c.course.validity_months == 12
        and validity.add_months(today, -17) <= c.certified_on <= validity.add_months(today, -13)
    ]
    assert lapsed
    revoked = [c for c in certifications if c.revoked_on]
    assert len(revoked) >= 2
    assert all(c.revoke_reason and c.revoked_by_id and c.revoked_on <= today for c in revoked)
    assert any(not c.is_valid_on(today) for c in revoked)
    employees = list(Employee.objects.filter(plant=sy, status=EmployeeStatus.ACTIVE))
    required = required_course_ids_by_employee(employees=employees)
    held = {(c.employee_id, c.course_id) for c in certifications}
    missing = [(e.id, c) for e in employees for c in required[e.id] if (e.id, c) not in held]
    assert missing


def test_it_voids_a_few_entries_with_who_when_and_why(sy: Plant) -> None:
    voided = list(Assessment.objects.filter(employee__plant=sy, voided_at__isnull=False))
    assert 5 <= len(voided) <= 40
    for assessment in voided:
        assert assessment.void_reason and assessment.voided_by_id
        assert assessment.recorded_at < assessment.voided_at
        # The right entry was typed in again the same day.
        assert Assessment.objects.filter(
            employee_id=assessment.employee_id,
            course_id=assessment.course_id,
            kind=assessment.kind,
            assessed_on=assessment.assessed_on,
            voided_at__isnull=True,
        ).exists()


def test_it_aims_at_a_realistic_readiness_that_differs_by_line(sy: Plant) -> None:
    today = sy.local_today()
    employees = list(Employee.objects.filter(plant=sy, status=EmployeeStatus.ACTIVE))
    qualified = qualifications(employees=employees, on_date=today)
    share = sum(q.qualified for q in qualified.values()) / len(employees)
    assert 0.55 <= share <= 0.8
    by_line: dict[int, list[bool]] = defaultdict(list)
    for employee in employees:
        if employee.line_id:
            by_line[employee.line_id].append(qualified[employee.id].qualified)
    shares = [sum(flags) / len(flags) for flags in by_line.values()]
    assert max(shares) - min(shares) >= 0.1


# --- Competence (issue #16): shifts, levels, checklists, provisional passes ----------------------------


def test_it_puts_every_active_operator_of_a_line_on_one_of_its_run_shifts(sy: Plant, de: Plant) -> None:
    assert de.shift_code_list == ["1", "2", "3"]  # numbered shifts; its lines run the first two
    for line in ProductionLine.objects.filter(plant__in=[sy, de]).select_related("plant"):
        people = Employee.objects.filter(line=line, status=EmployeeStatus.ACTIVE).select_related("role")
        operators = [p for p in people if p.role.code == "OP"]
        assert operators and {p.shift for p in operators} == set(line.shift_codes), line
        assert all(p.shift == "" for p in people if p.role.code == "TL")  # day staff
        assert all(p.shift in line.shift_codes or p.shift == "" for p in people)


def test_it_requires_a_trainer_grade_operator_at_a_few_stations(sy: Plant) -> None:
    levels = Counter(Requirement.objects.filter(station__line__plant=sy).values_list("min_level", flat=True))
    assert levels["U"] > 50 and 0 < levels["O"] <= 3 and levels["L"] == 0
    rework = Requirement.objects.get(station__line__plant=sy, station__code="S110", course__code="BAT-PACK-012")
    assert rework.min_level == "O"
    assert Requirement.objects.filter(scope="plant", plant=sy).exclude(min_level="U").count() == 0


def test_it_records_levels_on_practical_passes_mostly_u_some_l_and_o(sy: Plant) -> None:
    passes = Assessment.objects.filter(employee__plant=sy, kind="practical", passed=True, voided_at__isnull=True)
    graded = Counter(passes.filter(course__uses_levels=True).values_list("level", flat=True))
    assert graded["U"] > graded["L"] > 50 and graded["O"] > 50 and graded[None] == 0
    assert set(passes.filter(course__uses_levels=False).values_list("level", flat=True)) == {"U"}
    assert not Assessment.objects.filter(Q(kind="theory") | Q(passed=False), level__isnull=False).exists()
    # Team leaders are the trainer grade: most of their graded passes are O.
    leaders = Counter(
        passes.filter(course__uses_levels=True, employee__role__code="TL").values_list("level", flat=True)
    )
    assert leaders["O"] > leaders["U"] + leaders["L"]
    # People passed at L are re-evaluated after some weeks: some certifications still held at L today.
    held = Counter(Certification.objects.filter(employee__plant=sy).values_list("level", flat=True))
    assert held["L"] > 0 and held["O"] > 0 and held["U"] > held["O"]


def test_it_marks_the_checklists_and_fails_a_few_on_a_critical_item(sy: Plant, de: Plant) -> None:
    marked = list(
        Assessment.objects.filter(checklist__isnull=False)
        .select_related("checklist")
        .prefetch_related("checklist__items")
    )
    assert len(marked) > 500 and len({a.checklist.course_id for a in marked}) >= 8
    assert not Assessment.objects.filter(checklist__isnull=True, checklist_marks__isnull=False).exists()
    critical_fails = 0
    for assessment in marked:
        items = list(assessment.checklist.items.all())
        assert assessment.kind == "practical" and len(assessment.checklist_marks) == len(items)
        marks = [(i.critical, ok) for i, ok in zip(items, assessment.checklist_marks, strict=True)]
        assert validity.checklist_passes(marks=marks, threshold_pct=assessment.checklist.threshold_pct) == (
            assessment.passed
        )
        critical_fails += not assessment.passed and any(critical and not ok for critical, ok in marks)
    assert 5 <= critical_fails < len(marked) / 10
    assert sum(not a.passed for a in marked) > critical_fails  # others fail on the non-critical threshold
    # Every practical of a checklist course carries its marks.
    assert not Assessment.objects.filter(
        kind="practical", course__checklists__isnull=False, checklist__isnull=True
    ).exists()


def test_it_trains_the_pre_sop_line_on_the_virtual_model_with_provisional_passes(sy: Plant) -> None:
    today = sy.local_today()
    line = ProductionLine.objects.select_related("plant").get(plant=sy, code="PACK1")
    closes_on = line.confirmation_closes_on()
    assert today < line.sop_date < closes_on  # provisional passes count today, and lapse at SOP + 30 days
    virtual = Assessment.objects.filter(kind="practical", passed=True, delivery_mode="virtual", voided_at__isnull=True)
    assert virtual.filter(employee__line=line).count() >= 20
    sop_dates = set(virtual.values_list("employee__line__sop_date", flat=True))
    assert sop_dates and all(d is not None and d > today for d in sop_dates)  # only on lines whose SOP is ahead
    assert Certification.objects.filter(employee__line=line, provisional=True).count() >= 10
    employees = list(Employee.objects.filter(line=line, status=EmployeeStatus.ACTIVE))
    figures = qualifications(employees=employees, on_date=today)
    qualified = sum(q.qualified for q in figures.values())
    confirmed = sum(q.qualified_confirmed for q in figures.values())
    assert qualified > confirmed > 0
    # On the day the window closes the provisional passes stop counting: both figures agree.
    closed = qualifications(employees=employees, on_date=closes_on)
    assert sum(q.qualified for q in closed.values()) == sum(q.qualified_confirmed for q in closed.values())
    # Lines whose SOP has passed carry no provisional pass.
    mod1 = ProductionLine.objects.get(plant=sy, code="MOD1")
    assert mod1.sop_date < today and not virtual.filter(employee__line=mod1).exists()


def test_it_prints_the_competence_counts_of_each_plant(seeded: Seeded, sy: Plant) -> None:
    passes = Assessment.objects.filter(employee__plant=sy, kind="practical", passed=True, voided_at__isnull=True)
    levels = Counter(passes.values_list("level", flat=True))
    marked = Assessment.objects.filter(employee__plant=sy, voided_at__isnull=True, checklist__isnull=False).count()
    provisional = passes.filter(delivery_mode="virtual").count()
    line = (
        f"  practical passes by level: L {levels['L']}, U {levels['U']}, O {levels['O']}; {marked} checklists marked; "
        f"{provisional} provisional (virtual-model) passes"
    )
    assert line in seeded.first_output.splitlines() and line in seeded.second_output.splitlines()


def test_it_holds_recent_training_sessions_and_one_planned_for_tomorrow(sy: Plant) -> None:
    today = sy.local_today()
    trainer = get_user_model().objects.get(username="trainer")
    sessions = TrainingSession.objects.filter(plant=sy, trainer=trainer)
    recent = sessions.filter(held_on__gte=today - datetime.timedelta(days=28), held_on__lte=today)
    assert recent.count() >= 3
    for session in recent:
        attendees = set(session.attendees.values_list("id", flat=True))
        assessed = set(session.assessments.values_list("employee_id", flat=True))
        assert len(attendees) >= 3 and assessed == attendees
        assert set(session.assessments.values_list("course_id", flat=True)) == {session.course_id}
    planned = sessions.get(held_on=today + datetime.timedelta(days=1))
    assert planned.attendees.count() > 0
    assert not planned.assessments.exists()


# --- Interface -----------------------------------------------------------------------------


def test_it_refuses_a_password_the_validators_reject(db) -> None:
    before = _row_counts()
    with pytest.raises(ValidationError):
        demo_seed(password="short")
    assert _row_counts() == before


def test_it_takes_the_password_from_the_environment_else_the_default(monkeypatch) -> None:
    from devdata.demo import services
    from devdata.management.commands import seed_demo

    seen: list[str] = []
    monkeypatch.setattr(
        seed_demo, "demo_seed", lambda *, password: seen.append(password) or services.DemoSeedResult(password, False)
    )
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment")
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", password="from-the-option", stdout=StringIO())
    monkeypatch.delenv("DEMO_PASSWORD")
    call_command("seed_demo", stdout=StringIO())
    assert seen == ["from-the-environment", "from-the-option", DEFAULT_DEMO_PASSWORD]
    assert len(DEFAULT_DEMO_PASSWORD) >= 12


def test_it_builds_the_same_roster_on_every_machine(sy: Plant) -> None:
    """Fixed seeds: a fresh build on any day gives the same numbers, names, roles and stations."""
    from devdata.demo import data, services

    lines = {line.code: line for line in ProductionLine.objects.filter(plant=sy)}
    stations = {(s.line.code, s.code): s for s in Station.objects.filter(line__plant=sy).select_related("line")}
    roles = {r.code: r for r in JobRole.objects.all()}
    builds = [
        services._roster_build(spec=data.SY, lines=lines, stations=stations, roles=roles, today=day)
        for day in (sy.local_today(), datetime.date(2031, 5, 17))
    ]
    seeded = list(Employee.objects.filter(plant=sy).order_by("employee_no"))
    for build in builds:
        build.sort(key=lambda e: e.employee_no)
        assert [(e.employee_no, e.name, e.role_id, e.station_id) for e in build] == [
            (e.employee_no, e.name, e.role_id, e.station_id) for e in seeded
        ]


# --- The live plan (issue #18) ------------------------------------------------------------------


def test_it_plans_a_few_feasible_sessions_for_real_gaps_at_each_demo_plant(sy: Plant, de: Plant) -> None:
    from planning.feasibility import check_plan
    from planning.inputs import load_inputs
    from planning.models import PlannedSession

    for plant in (sy, de):
        sessions = list(PlannedSession.objects.live().filter(plant=plant).prefetch_related("attendees"))
        assert len(sessions) == 3, plant.code
        today = plant.local_today()
        inputs = load_inputs(plant=plant)
        people = {p.id: p for p in inputs.people}
        last_day = max(session.planned_on for session in sessions)
        for session in sessions:
            assert session.planned_on > today
            assert inputs.authorised(session.trainer_id, session.course_id, session.planned_on)
            attendees = list(session.attendees.all())
            assert 0 < len(attendees) <= session.seats == session.course.class_size
            # a real gap: required and not valid by the demo plan's last day (one expiring before it is renewed)
            for employee in attendees:
                person = people[employee.id]
                assert session.course_id in person.required
                held = person.held.get(session.course_id)
                assert held is None or not held[0].valid_on(last_day)
        assert [p.message for p in check_plan(inputs) if p.breaks] == [], plant.code
