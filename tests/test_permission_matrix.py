"""The permission matrix: every URL in the URLconf, for every persona.

Each named URL needs an entry in MATRIX saying what each persona gets; a new URL
without one makes test_every_url_has_an_entry fail. Objects belong to plant SY;
the "_de" personas hold the same roles at plant DE and must get 404 for SY's
objects, never a page that reveals them. README.md's permission table says the
same thing in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories

PERSONAS = ["anonymous", "trainer", "manager", "hr", "auditor", "admin", "trainer_de", "manager_de", "hr_de"]
SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]

OK = "ok"  # 200, or a redirect that is not to the login page
LOGIN = "login"  # redirect to the login page
NOT_FOUND = "404"
UNAUTHORISED = "401"
FORBIDDEN = "403"


def outcomes(allowed: set[str], *, denied: str = NOT_FOUND, anonymous: str = LOGIN) -> dict[str, str]:
    return {p: anonymous if p == "anonymous" else OK if p in allowed else denied for p in PERSONAS}


EVERYONE = outcomes(set(SIGNED_IN))
PUBLIC = dict.fromkeys(PERSONAS, OK)


@dataclass
class Entry:
    expect: dict[str, str]
    kwargs: Callable[[dict], dict] = lambda world: {}  # noqa: E731
    method: str = "get"
    data: Callable[[dict], dict] = lambda world: {}  # noqa: E731
    query: dict = field(default_factory=dict)


MATRIX: dict[str, Entry] = {
    "home": Entry(EVERYONE),
    "healthz": Entry(PUBLIC),
    "login": Entry(PUBLIC),
    "logout": Entry(dict.fromkeys(PERSONAS, LOGIN), method="post"),  # logging out lands on the login page
    "profile": Entry(EVERYONE),
    "set_language": Entry(PUBLIC, method="post", data=lambda w: {"language": "zh-hans", "next": "/"}),
    "audit-log": Entry(outcomes({"manager", "auditor", "admin", "manager_de"})),
    "audit-export": Entry(outcomes({"manager", "auditor", "admin", "manager_de"})),
}

# URL names not walked here, with the reason.
EXEMPT = {
    "javascript-catalog": "static JavaScript translations, public by design",
}


def _named_urls(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    names = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the Django admin has its own staff-only permission checks
            names += _named_urls(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_an_entry() -> None:
    missing = sorted(set(_named_urls()) - set(MATRIX) - set(EXEMPT))
    assert missing == [], "add these URL names to MATRIX in tests/test_permission_matrix.py"


@pytest.fixture
def world(plant_sy, plant_de, trainer, manager, hr, auditor, admin_user, trainer_de, manager_de, hr_de):  # noqa: ANN001, ANN201, PLR0913
    """One of everything at plant SY (and a little at DE), for URLs that name an object."""
    line = factories.ProductionLineFactory(plant=plant_sy, code="L1")
    station = factories.StationFactory(line=line, code="S1")
    course = factories.CourseFactory(code="HV-001", needs_theory=True, needs_practical=True, validity_months=12)
    factories.RequirementFactory(course=course, scope="plant", plant=plant_sy)
    factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant_sy)
    employee = factories.EmployeeFactory(
        employee_no="SY-1", plant=plant_sy, line=line, station=station, hire_date=dt.date(2024, 1, 1)
    )
    session = factories.TrainingSessionFactory(course=course, plant=plant_sy, trainer=trainer)
    assessment = factories.AssessmentFactory(
        employee=employee, course=course, kind="practical", passed=True, assessor=trainer
    )
    certification = factories.CertificationFactory(employee=employee, course=course)
    personas = {
        "anonymous": None,
        "trainer": trainer,
        "manager": manager,
        "hr": hr,
        "auditor": auditor,
        "admin": admin_user,
        "trainer_de": trainer_de,
        "manager_de": manager_de,
        "hr_de": hr_de,
    }
    return {
        "personas": personas,
        "plant": plant_sy,
        "line": line,
        "station": station,
        "course": course,
        "employee": employee,
        "session": session,
        "assessment": assessment,
        "certification": certification,
    }


def _outcome(response, login_url: str) -> str:  # noqa: ANN001
    if response.status_code in (301, 302, 303):
        return LOGIN if response["Location"].startswith(login_url) else OK
    return {200: OK, 404: NOT_FOUND, 401: UNAUTHORISED, 403: FORBIDDEN}.get(
        response.status_code, str(response.status_code)
    )


def test_every_url_gives_each_persona_what_the_matrix_says(world) -> None:  # noqa: ANN001
    login_url = reverse(settings.LOGIN_URL)
    wrong = []
    for name, entry in MATRIX.items():
        url = reverse(name, kwargs=entry.kwargs(world))
        for persona in PERSONAS:
            client = Client()
            user = world["personas"][persona]
            if user is not None:
                client.force_login(user)
            send = getattr(client, entry.method)
            response = send(url, entry.data(world) if entry.method == "post" else entry.query)
            got = _outcome(response, login_url)
            if got != entry.expect[persona]:
                wrong.append(f"{entry.method.upper()} {url} as {persona}: expected {entry.expect[persona]}, got {got}")
    assert wrong == []
