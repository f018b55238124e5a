"""factory_boy factories for every model; no shared JSON fixtures."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.models import Assessment, Certification, TrainingSession
from courses.models import Course, ProcessArea, Requirement, TrainerAuthorisation
from employees.models import Employee, JobRole, Plant, PlantMembership, ProductionLine, Station

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class PlantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plant
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.LazyAttribute(lambda p: f"Plant {p.code}")
    country = "CN"
    time_zone = "Asia/Shanghai"


class PlantMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlantMembership

    user = factory.SubFactory(UserFactory)
    plant = factory.SubFactory(PlantFactory)
    role = "trainer"


class ProcessAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessArea
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"A{n}")
    name = factory.LazyAttribute(lambda a: f"Area {a.code}")


class ProductionLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductionLine

    plant = factory.SubFactory(PlantFactory)
    code = factory.Sequence(lambda n: f"L{n}")
    name = factory.LazyAttribute(lambda line: f"Line {line.code}")
    shifts = 3


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    line = factory.SubFactory(ProductionLineFactory)
    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.LazyAttribute(lambda s: f"Station {s.code}")


class JobRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRole
        django_get_or_create = ("code",)

    code = "OP"
    name = "Operator"
    name_zh = "操作员"


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"Employee {n}")
    plant = factory.SubFactory(PlantFactory)
    line = None
    station = None
    role = factory.SubFactory(JobRoleFactory)
    shift = "A"
    hire_date = datetime.date(2024, 1, 1)
    status = "active"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"C-{n:03d}")
    title = factory.LazyAttribute(lambda c: f"Course {c.code}")
    process_area = factory.SubFactory(ProcessAreaFactory)
    needs_theory = True
    needs_practical = False
    pass_mark = 80
    validity_months = None

    @factory.post_generation
    def prerequisites(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.prerequisites.set(extracted)


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    course = factory.SubFactory(CourseFactory)
    scope = "plant"


class TrainerAuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainerAuthorisation

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    plant = factory.SubFactory(PlantFactory)


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    plant = factory.SubFactory(PlantFactory)
    held_on = factory.LazyFunction(lambda: timezone.now().date())
    delivery_mode = "classroom"
    trainer = factory.SubFactory(UserFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    """Raw rows for read-side tests; write-side tests go through assessments.services."""

    class Meta:
        model = Assessment

    employee = factory.SubFactory(EmployeeFactory)
    course = factory.SubFactory(CourseFactory)
    kind = "practical"
    assessed_on = datetime.date(2026, 1, 10)
    score = None
    passed = True
    assessor = factory.SubFactory(UserFactory)
    recorded_by = factory.SelfAttribute("assessor")
    recorded_at = factory.LazyFunction(timezone.now)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    employee = factory.SubFactory(EmployeeFactory)
    course = factory.SubFactory(CourseFactory)
