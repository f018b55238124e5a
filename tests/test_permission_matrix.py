"""The permission matrix: every URL in the URLconf, for every persona.

Each named URL needs an entry in MATRIX saying what each persona gets; a new URL
without one makes test_every_url_has_an_entry fail. Objects belong to plant SY;
the "_de" personas hold the same roles at plant DE and must get 404 for SY's
objects, never a page that reveals them. README.md's permission table says the
same thing in words. The "device" persona is a line-side terminal signed in through its pairing link: 403
everywhere but its own kiosk page, its check, the language switch and logging out (gate/middleware.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from gate.services import override_grant, terminal_create, terminal_pairing_token
from notifications.links import unsubscribe_token
from tests import factories

PERSONAS = [
    "anonymous",
    "trainer",
    "manager",
    "hr",
    "auditor",
    "admin",
    "trainer_de",
    "manager_de",
    "hr_de",
    "device",
]
SIGNED_IN = [p for p in PERSONAS if p not in ("anonymous", "device")]  # people signed in

OK = "ok"  # 200, or a redirect that is not to the login page
LOGIN = "login"  # redirect to the login page
NOT_FOUND = "404"
UNAUTHORISED = "401"
FORBIDDEN = "403"


def outcomes(allowed: set[str], *, denied: str = NOT_FOUND, anonymous: str = LOGIN, **others: str) -> dict[str, str]:
    """Signed-in personas in `allowed` get OK, the others `denied`; the terminal's device 403 unless allowed."""
    answer = {p: anonymous if p == "anonymous" else OK if p in allowed else denied for p in PERSONAS}
    if "device" not in allowed:
        answer["device"] = FORBIDDEN
    return {**answer, **others}


EVERYONE = outcomes(set(SIGNED_IN))
# What-if scenarios: read by managers and auditors (supervisors too, tests/planning/), changed by managers.
_SCENARIO_READ = outcomes({"manager", "auditor", "admin"}, denied=FORBIDDEN, manager_de=NOT_FOUND)
_SCENARIO_WRITE = outcomes({"manager", "admin"}, denied=FORBIDDEN, manager_de=NOT_FOUND)
PUBLIC = {**dict.fromkeys(PERSONAS, OK), "device": FORBIDDEN}  # public pages, but a terminal sees its kiosk only


@dataclass
class Entry:
    expect: dict[str, str]
    kwargs: Callable[[dict], dict] = lambda world: {}
    method: str = "get"
    data: Callable[[dict], dict] = lambda world: {}
    query: dict = field(default_factory=dict)
    content_type: str | None = None  # a JSON body (the API) instead of a form


MATRIX: dict[str, Entry] = {
    "employees:home": Entry(EVERYONE),
    "healthz": Entry({**PUBLIC, "device": OK}),
    "favicon": Entry({**PUBLIC, "device": OK}),
    "login": Entry(PUBLIC),
    # Single sign-on (issue #19): OIDC is not configured here, so its two URLs are not there; the refusal
    # page answers 403 to whoever lands on it.
    "sso:oidc-start": Entry({**dict.fromkeys(PERSONAS, NOT_FOUND), "device": FORBIDDEN}),
    "sso:oidc-callback": Entry({**dict.fromkeys(PERSONAS, NOT_FOUND), "device": FORBIDDEN}),
    "sso:refused": Entry(dict.fromkeys(PERSONAS, FORBIDDEN)),
    "logout": Entry(dict.fromkeys(PERSONAS, LOGIN), method="post"),  # logging out lands on the login page
    "employees:profile": Entry(EVERYONE),
    # Issue #19: each user's own notifications (scoped to themselves); the signed unsubscribe needs no login.
    "notifications:list": Entry(EVERYONE),
    "notifications:read": Entry(EVERYONE, method="post"),
    "notifications:preferences": Entry(EVERYONE),
    "notifications:unsubscribe": Entry(
        PUBLIC, kwargs=lambda w: {"token": unsubscribe_token(user_id=w["personas"]["manager"].pk)}
    ),
    "set_language": Entry({**PUBLIC, "device": OK}, method="post", data=lambda w: {"language": "zh-hans", "next": "/"}),
    "assessments:audit-log": Entry(outcomes({"manager", "auditor", "admin", "manager_de"}, denied=FORBIDDEN)),
    "assessments:audit-export": Entry(outcomes({"manager", "auditor", "admin", "manager_de"}, denied=FORBIDDEN)),
    # HR Excel (spreadsheets/urls.py): exports for HR, imports per kind, jobs only for their requester (and admins).
    "hr:exports": Entry(outcomes({"hr", "admin", "hr_de"}, denied=FORBIDDEN)),
    "hr:roster-export": Entry(outcomes({"hr", "admin"}), query={"plant": "SY"}),
    "hr:imports": Entry(outcomes({"trainer", "hr", "admin", "trainer_de", "hr_de"}, denied=FORBIDDEN)),
    "hr:import-upload": Entry(outcomes({"hr", "admin", "hr_de"}), kwargs=lambda w: {"kind": "employees"}),
    "hr:import-template": Entry(
        outcomes({"trainer", "hr", "admin", "trainer_de", "hr_de"}), kwargs=lambda w: {"kind": "results"}
    ),
    "hr:job": Entry(outcomes({"hr", "admin"}), kwargs=lambda w: {"pk": _hr_export_job(w).pk}),
    # A previewed import with errors: its requester is sent back to the job page, everyone else gets 404.
    "hr:job-confirm": Entry(outcomes({"hr"}), kwargs=lambda w: {"pk": _hr_import_job(w).pk}, method="post"),
    # Paths that moved to follow the trailing-slash rule (certtrack/urls.py): a redirect for everyone, the
    # new path then decides.
    "hr:job-confirm-old-path": Entry(PUBLIC, kwargs=lambda w: {"pk": _hr_import_job(w).pk}),
    "hr:job-download": Entry(outcomes({"hr", "admin"}), kwargs=lambda w: {"pk": _hr_export_job(w).pk}),
    # The error list of a previewed import: its requester and admins only (issue #14, item 16).
    "hr:job-errors": Entry(outcomes({"hr", "admin"}), kwargs=lambda w: {"pk": _hr_import_job(w).pk}),
    # The trainer's pages (issue #3). Pages without an object answer 403 to roles without the capability;
    # objects of another plant, or outside the user's capability there, answer 404.
    "assessments:trainer-home": Entry(outcomes({"trainer", "admin", "trainer_de"}, denied=FORBIDDEN)),
    "assessments:session-list": Entry(EVERYONE),
    "assessments:session-create": Entry(outcomes({"trainer", "admin", "trainer_de"}, denied=FORBIDDEN)),
    "assessments:session-detail": Entry(
        outcomes({"trainer", "manager", "hr", "auditor", "admin"}), kwargs=lambda w: {"pk": w["session"].pk}
    ),
    "assessments:session-attendees-add": Entry(
        outcomes({"trainer", "admin"}),
        kwargs=lambda w: {"pk": w["session"].pk},
        method="post",
        data=lambda w: {"q": w["employee"].employee_no},
    ),
    "assessments:session-attendee-remove": Entry(
        outcomes({"trainer", "admin"}),
        kwargs=lambda w: {"pk": w["session"].pk, "employee_no": w["employee"].employee_no},
        method="post",
        # Put the attendee back before each request, so every persona meets the same session.
        data=lambda w: (w["session"].attendees.add(w["employee"]), {})[1],
    ),
    # Editing and cancelling a session: the trainer's pages (trainers and admins of the session's plant).
    "assessments:session-edit": Entry(outcomes({"trainer", "admin"}), kwargs=lambda w: {"pk": w["session"].pk}),
    # An empty reason is refused on the page itself: nothing is cancelled, so every persona meets the same session.
    "assessments:session-cancel": Entry(
        outcomes({"trainer", "admin"}),
        kwargs=lambda w: {"pk": w["session"].pk},
        method="post",
        data=lambda w: {"reason": ""},
    ),
    "assessments:session-results": Entry(outcomes({"trainer", "admin"}), kwargs=lambda w: {"pk": w["session"].pk}),
    "assessments:result-create": Entry(
        outcomes({"trainer", "admin"}), kwargs=lambda w: {"employee_no": w["employee"].employee_no}
    ),
    # An empty reason is refused with a message and a redirect to the employee page: nothing changes.
    "assessments:assessment-void": Entry(
        outcomes({"trainer", "manager", "hr", "auditor", "admin"}),
        kwargs=lambda w: {"pk": w["assessment"].pk},
        method="post",
        data=lambda w: {"reason": ""},
    ),
    "assessments:certification-revoke": Entry(
        outcomes({"trainer", "manager", "hr", "auditor", "admin"}),
        kwargs=lambda w: {"pk": w["certification"].pk},
        method="post",
        data=lambda w: {"reason": ""},
    ),
    # Readiness dashboards (issue #4): the overview is a page without an object (403 without the
    # capability); a plant or line of another plant, or outside the capability there, answers 404.
    "readiness:overview": Entry(outcomes({"manager", "auditor", "admin", "manager_de"}, denied=FORBIDDEN)),
    "readiness:plant": Entry(outcomes({"manager", "auditor", "admin"}), kwargs=lambda w: {"code": "SY"}),
    "readiness:line": Entry(
        outcomes({"manager", "auditor", "admin"}), kwargs=lambda w: {"code": "SY", "line_code": "L1"}
    ),
    # The line's ILUO matrix (issue #16): scoped as the line dashboard.
    "readiness:line-levels": Entry(
        outcomes({"manager", "auditor", "admin"}), kwargs=lambda w: {"code": "SY", "line_code": "L1"}
    ),
    # The list behind each count, and its workbook (issue #14, item 15): scoped as the plant dashboard.
    "readiness:figures": Entry(
        outcomes({"manager", "auditor", "admin"}), kwargs=lambda w: {"code": "SY", "kind": "gaps"}
    ),
    "readiness:figures-export": Entry(
        outcomes({"manager", "auditor", "admin"}), kwargs=lambda w: {"code": "SY", "kind": "stations"}
    ),
    # The read-only JSON API answers 401 (JSON) to anonymous requests instead of a login redirect.
    "api:plants": Entry(outcomes(set(SIGNED_IN), anonymous=UNAUTHORISED)),
    "api:plants-old-path": Entry(PUBLIC),
    "api:plant-readiness": Entry(
        outcomes({"manager", "auditor", "admin"}, anonymous=UNAUTHORISED), kwargs=lambda w: {"code": "SY"}
    ),
    "api:employee-certifications": Entry(
        outcomes({"trainer", "manager", "hr", "auditor", "admin"}, anonymous=UNAUTHORISED),
        kwargs=lambda w: {"employee_no": w["employee"].employee_no},
    ),
    # The API's schema and reference page are public (they describe, they hold no data); its root is no page.
    "api:openapi-json": Entry(PUBLIC),
    "api:openapi-view": Entry(PUBLIC),
    "api:api-root": Entry({**dict.fromkeys(PERSONAS, NOT_FOUND), "device": FORBIDDEN}),
    # Results through the API (issue #17): whoever may record or import results somewhere; a result in the
    # future is refused by the services' rules (400, nothing recorded) so every persona meets the same world.
    "api:results": Entry(
        {
            **outcomes({"trainer", "hr", "admin", "trainer_de", "hr_de"}, denied=FORBIDDEN, anonymous=UNAUTHORISED),
            **dict.fromkeys(["trainer", "hr", "admin", "trainer_de", "hr_de"], "400"),
        },
        method="post",
        data=lambda w: {"results": [_future_result(w)]},
        content_type="application/json",
    ),
    # The station gate (issue #17): Capability.GATE_CHECK (managers, supervisors) at the station's plant.
    "api:gate": Entry(
        outcomes({"manager", "admin"}, anonymous=UNAUTHORISED),
        kwargs=lambda w: {"plant": "SY", "line": "L1", "station": "S1"},
        query={"employee": "SY-1"},
    ),
    "api:gate-bulk": Entry(
        outcomes({"manager", "admin"}, anonymous=UNAUTHORISED),
        kwargs=lambda w: {"plant": "SY"},
        method="post",
        data=lambda w: {"checks": [{"employee": "SY-1", "line": "L1", "station": "S1"}]},
        content_type="application/json",
    ),
    "assessments:employee-list": Entry(EVERYONE),
    # The gate's pages (issue #17). A pairing link that is not valid answers 403 to everyone (the valid one is
    # how the device persona signs in below).
    "gate:terminal-pair": Entry(dict.fromkeys(PERSONAS, FORBIDDEN), kwargs=lambda w: {"token": "not-a-link"}),
    # Overrides: plant managers and supervisors (the supervisor role has its tests in tests/gate/); another
    # plant's manager gets 404 for SY's pages, roles without the capability 403.
    "gate:overrides-home": Entry(outcomes({"manager", "admin", "manager_de"}, denied=FORBIDDEN)),
    "gate:overrides": Entry(
        outcomes({"manager", "admin"}, denied=FORBIDDEN, manager_de=NOT_FOUND), kwargs=lambda w: {"plant": "SY"}
    ),
    "gate:override-new": Entry(
        outcomes({"manager", "admin"}, denied=FORBIDDEN, manager_de=NOT_FOUND), kwargs=lambda w: {"plant": "SY"}
    ),
    # An empty reason re-renders the list with the error: nothing ends, every persona meets the same override.
    "gate:override-end": Entry(
        outcomes({"manager", "admin"}, denied=FORBIDDEN, manager_de=NOT_FOUND),
        kwargs=lambda w: {"plant": "SY", "pk": w["override"].pk},
        method="post",
        data=lambda w: {"reason": ""},
    ),
    # The kiosk: its own terminal, and company-wide admins for a preview; every personal user 403. Nobody
    # signed in: 401, the terminal's signed-out page (a login form would take the next badge scan).
    "gate:kiosk": Entry(
        outcomes({"admin", "device"}, denied=FORBIDDEN, anonymous=UNAUTHORISED),
        kwargs=lambda w: {"plant": "SY", "line": "L1", "station": "S1"},
    ),
    "gate:kiosk-check": Entry(
        outcomes({"admin", "device"}, denied=FORBIDDEN, anonymous=UNAUTHORISED),
        kwargs=lambda w: {"plant": "SY", "line": "L1", "station": "S1"},
        method="post",
        data=lambda w: {"employee_no": w["employee"].employee_no},
    ),
    "assessments:employee-detail": Entry(
        outcomes({"trainer", "manager", "hr", "auditor", "admin"}),
        kwargs=lambda w: {"employee_no": w["employee"].employee_no},
    ),
    # What-if scenarios (issue #18): managers change them, auditors (and supervisors) read them, other roles 403,
    # another plant's manager 404. The POSTs that would remove something aim at a promoted scenario, which the
    # pages refuse with a redirect (nothing changes), so every persona meets the same world.
    "planning:scenario_list": Entry(_SCENARIO_READ, kwargs=lambda w: {"plant_code": "SY"}),
    "planning:scenario_create": Entry(_SCENARIO_WRITE, kwargs=lambda w: {"plant_code": "SY"}),
    "planning:scenario_detail": Entry(_SCENARIO_READ, kwargs=lambda w: {"pk": _scenario(w).pk}),
    "planning:scenario_compare": Entry(_SCENARIO_READ, kwargs=lambda w: {"pk": _scenario(w).pk}),
    "planning:scenario_edit": Entry(_SCENARIO_WRITE, kwargs=lambda w: {"pk": _scenario(w).pk}),
    "planning:scenario_promote": Entry(_SCENARIO_WRITE, kwargs=lambda w: {"pk": _scenario(w).pk}),
    "planning:scenario_discard": Entry(
        _SCENARIO_WRITE, kwargs=lambda w: {"pk": _scenario(w, promoted=True).pk}, method="post"
    ),
    "planning:scenario_change_add": Entry(
        _SCENARIO_WRITE, kwargs=lambda w: {"pk": _scenario(w).pk, "kind": "pass_rate"}
    ),
    "planning:scenario_change_edit": Entry(
        _SCENARIO_WRITE, kwargs=lambda w: {"pk": _scenario(w).pk, "change_pk": _scenario(w).changes.get().pk}
    ),
    "planning:scenario_change_remove": Entry(
        _SCENARIO_WRITE,
        kwargs=lambda w: {
            "pk": _scenario(w, promoted=True).pk,
            "change_pk": _scenario(w, promoted=True).changes.get().pk,
        },
        method="post",
    ),
    "planning:scenario_session_add": Entry(_SCENARIO_WRITE, kwargs=lambda w: {"pk": _scenario(w).pk}),
    "planning:scenario_session_edit": Entry(
        _SCENARIO_WRITE, kwargs=lambda w: {"pk": _scenario(w).pk, "session_pk": _scenario(w).sessions.get().pk}
    ),
    "planning:scenario_session_remove": Entry(
        _SCENARIO_WRITE,
        kwargs=lambda w: {
            "pk": _scenario(w, promoted=True).pk,
            "session_pk": _scenario(w, promoted=True).sessions.get().pk,
        },
        method="post",
    ),
    # The suggested plan (issue #18): managers (MANAGE_SCENARIOS) of the plant; a DE manager gets 404 for SY.
    "planning:suggest": Entry(
        outcomes({"manager", "admin"}, denied=FORBIDDEN, manager_de=NOT_FOUND), kwargs=lambda w: {"plant_code": "SY"}
    ),
    "planning:suggestion_detail": Entry(
        outcomes({"manager", "admin"}, denied=FORBIDDEN, manager_de=NOT_FOUND),
        kwargs=lambda w: {"pk": _suggestion(w).pk},
    ),
    # The plan's home (issue #18, the menu's "Plan"): Capability.VIEW_PLAN at some plant; HR 403.
    "planning:home": Entry(
        outcomes({"trainer", "manager", "auditor", "admin", "trainer_de", "manager_de"}, denied=FORBIDDEN)
    ),
    # The forecast (issue #18): Capability.VIEW_PLAN (managers, trainers, supervisors, auditors); HR 403 on the
    # pages (404 in the API, which scopes by plant), another plant's people 404.
    "planning:plant-forecast": Entry(
        outcomes(
            {"trainer", "manager", "auditor", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND, manager_de=NOT_FOUND
        ),
        kwargs=lambda w: {"plant_code": "SY"},
    ),
    # Planned sessions (issue #18): the plan is seen with VIEW_PLAN, changed with PLAN_SESSIONS (a trainer only
    # their own sessions), held by the session's trainer (RECORD_RESULTS); another plant's people get 404.
    "planning:session-list": Entry(
        outcomes(
            {"trainer", "manager", "auditor", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND, manager_de=NOT_FOUND
        ),
        kwargs=lambda w: {"plant_code": "SY"},
    ),
    "planning:line-forecast": Entry(
        outcomes(
            {"trainer", "manager", "auditor", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND, manager_de=NOT_FOUND
        ),
        kwargs=lambda w: {"plant_code": "SY", "line_code": "L1"},
    ),
    "api:line-forecast": Entry(
        outcomes({"trainer", "manager", "auditor", "admin"}, anonymous=UNAUTHORISED),
        kwargs=lambda w: {"code": "SY", "line_code": "L1"},
    ),
    "planning:session-detail": Entry(
        outcomes(
            {"trainer", "manager", "auditor", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND, manager_de=NOT_FOUND
        ),
        kwargs=lambda w: {"plant_code": "SY", "pk": _planned_session(w).pk},
    ),
    "planning:session-create": Entry(
        outcomes({"trainer", "manager", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND, manager_de=NOT_FOUND),
        kwargs=lambda w: {"plant_code": "SY"},
    ),
    "planning:session-edit": Entry(
        outcomes({"trainer", "manager", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND, manager_de=NOT_FOUND),
        kwargs=lambda w: {"plant_code": "SY", "pk": _planned_session(w).pk},
    ),
    # An empty reason re-renders the form: nothing is cancelled, every persona meets the same planned session.
    "planning:session-cancel": Entry(
        outcomes({"trainer", "manager", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND, manager_de=NOT_FOUND),
        kwargs=lambda w: {"plant_code": "SY", "pk": _planned_session(w).pk},
        method="post",
        data=lambda w: {"reason": ""},
    ),
    # The session lies in the future: holding it is refused with a message and a redirect, nothing is held.
    "planning:session-hold": Entry(
        outcomes({"trainer", "admin"}, denied=FORBIDDEN, trainer_de=NOT_FOUND),
        kwargs=lambda w: {"plant_code": "SY", "pk": _planned_session(w).pk},
        method="post",
    ),
}


def _scenario(world: dict, *, promoted: bool = False):
    """A what-if scenario of plant SY with one change and one added session (a draft, or one promoted)."""
    key = "scenario_promoted" if promoted else "scenario"
    if key not in world:
        from planning.models import Scenario, ScenarioChange, ScenarioSession

        scenario = Scenario.objects.create(
            plant=world["plant"],
            name=key,
            created_by=world["personas"]["manager"],
            status="promoted" if promoted else "draft",
        )
        ScenarioChange.objects.create(scenario=scenario, kind="pass_rate", course=world["course"], pass_rate="0.8")
        ScenarioSession.objects.create(
            scenario=scenario,
            course=world["course"],
            planned_on=dt.date(2199, 1, 5),
            seats=2,
            trainer=world["personas"]["trainer"],
            delivery_mode="classroom",
        )
        world[key] = scenario
    return world[key]


def _suggestion(world: dict):
    """A queued suggested plan of plant SY (created once per test)."""
    if "suggestion" not in world:
        from planning.models import Scenario

        world["suggestion"] = Scenario.objects.create(
            plant=world["plant"],
            name="Suggested plan for SY",
            source="suggestion",
            suggestion={
                "request": {"line": None, "line_code": None, "buffer_days": 14, "confirm": False},
                "state": "queued",
            },
            created_by=world["personas"]["manager"],
        )
    return world["suggestion"]


def _planned_session(world: dict):
    """A live planned session of HV-001 at SY in a month, held by the trainer persona (created once per test)."""
    if "planned_session" not in world:
        from planning.models import PlannedSession

        session = PlannedSession.objects.create(
            plant=world["plant"],
            course=world["course"],
            planned_on=timezone.now().date() + dt.timedelta(days=30),
            seats=10,
            trainer=world["personas"]["trainer"],
            delivery_mode="classroom",
            created_by=world["personas"]["manager"],
        )
        session.attendances.create(employee=world["employee"])
        world["planned_session"] = session
    return world["planned_session"]


def _future_result(world: dict) -> dict:
    return {
        "employee_no": world["employee"].employee_no,
        "course_code": world["course"].code,
        "kind": "practical",
        "assessed_on": "2199-01-01",
        "passed": True,
    }


def _hr_export_job(world: dict):
    """A finished roster export of plant SY requested by the SY HR persona (created once per test)."""
    if "hr_job" not in world:
        from django.core.files.base import ContentFile
        from django.utils import timezone

        from spreadsheets.models import SpreadsheetJob

        job = SpreadsheetJob(
            kind="export_roster",
            plant=world["plant"],
            requester=world["personas"]["hr"],
            status="done",
            created_at=timezone.now(),
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        job.file.save("export.xlsx", ContentFile(b"PK"), save=True)
        world["hr_job"] = job
    return world["hr_job"]


def _hr_import_job(world: dict):
    from django.utils import timezone

    from spreadsheets.models import SpreadsheetJob

    return SpreadsheetJob.objects.get_or_create(
        kind="employees",
        plant=world["plant"],
        requester=world["personas"]["hr"],
        defaults={
            "status": "previewed",
            "counts": {"errors": 1},
            "preview": {
                "kind": "employees",
                "counts": {"errors": 1},
                "errors": [{"sheet": "Employees", "row": 2, "column": "name", "message": "a value is required"}],
            },
            "created_at": timezone.now(),
            "expires_at": timezone.now() + dt.timedelta(hours=1),
        },
    )[0]


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
def world(plant_sy, plant_de, trainer, manager, hr, auditor, admin_user, trainer_de, manager_de, hr_de):
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
    override = override_grant(
        employee=employee,
        station=station,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=4),
        reason="Trainer beside SY-1",
        granted_by=manager,
    )
    terminal = terminal_create(name="S1 tablet", station=station, created_by=admin_user)
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
        "device": terminal.user,
    }
    return {
        "terminal": terminal,
        "override": override,
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


def _pair(client: Client, terminal) -> None:
    """Sign the client in as the terminal the only way a device can: its one-time pairing link."""
    token = terminal_pairing_token(terminal=terminal, actor=None)
    response = client.get(reverse("gate:terminal-pair", kwargs={"token": token}))
    assert response.status_code == 302


def _outcome(response, login_url: str) -> str:
    if response.status_code in (301, 302, 303):
        return LOGIN if response["Location"].startswith(login_url) else OK
    return {200: OK, 404: NOT_FOUND, 401: UNAUTHORISED, 403: FORBIDDEN}.get(
        response.status_code, str(response.status_code)
    )


def test_every_url_gives_each_persona_what_the_matrix_says(world) -> None:
    login_url = reverse(settings.LOGIN_URL)
    wrong = []
    for name, entry in MATRIX.items():
        url = reverse(name, kwargs=entry.kwargs(world))
        for persona in PERSONAS:
            client = Client()
            user = world["personas"][persona]
            if persona == "device":
                _pair(client, world["terminal"])
            elif user is not None:
                client.force_login(user)
            send = getattr(client, entry.method)
            extra = {"content_type": entry.content_type} if entry.content_type else {}
            response = send(url, entry.data(world) if entry.method == "post" else entry.query, **extra)
            got = _outcome(response, login_url)
            if got != entry.expect[persona]:
                wrong.append(f"{entry.method.upper()} {url} as {persona}: expected {entry.expect[persona]}, got {got}")
    assert wrong == []


def test_every_state_change_refuses_a_request_without_a_csrf_token(world) -> None:
    """Each POST of the matrix, from a signed-in admin whose browser did not send the CSRF token: 403."""
    accepted = []
    for name, entry in MATRIX.items():
        if entry.method != "post":
            continue
        client = Client(enforce_csrf_checks=True)
        client.force_login(world["personas"]["admin"])
        extra = {"content_type": entry.content_type} if entry.content_type else {}
        response = client.post(reverse(name, kwargs=entry.kwargs(world)), entry.data(world), **extra)
        if response.status_code != 403:
            accepted.append(f"{name}: {response.status_code}")
    assert accepted == []


# --- API tokens (issue #17): every API URL with the scope it needs ----------------------------------------
API_SCOPES = {
    "api:plants": "read",
    "api:plant-readiness": "read",
    "api:employee-certifications": "read",
    "api:results": "results:write",
    "api:gate": "gate",
    "api:gate-bulk": "gate",
    "api:line-forecast": "read",
}
ALL_SCOPES = ("read", "gate", "results:write", "webhooks")
# A token of the admin limited to plant DE: what each API URL naming SY's objects answers.
LIMITED_TO_DE = {
    "api:plants": OK,  # the list, of DE only
    "api:plant-readiness": NOT_FOUND,
    "api:employee-certifications": NOT_FOUND,
    "api:results": "400",  # SY's employee is unknown: refused, nothing recorded
    "api:gate": NOT_FOUND,
    "api:gate-bulk": NOT_FOUND,
    "api:line-forecast": NOT_FOUND,
}


def _send_with_token(entry: Entry, url: str, world: dict, bearer: str):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
    if entry.method == "post":
        return Client().post(url, entry.data(world), content_type=entry.content_type, **headers)
    return Client().get(url, entry.query, **headers)


def test_every_api_url_is_covered_by_the_token_walk() -> None:
    api_urls = {name for name in MATRIX if name.startswith("api:") and MATRIX[name].expect["anonymous"] == UNAUTHORISED}
    assert api_urls == set(API_SCOPES) == set(LIMITED_TO_DE)


def test_every_api_url_holds_each_token_to_its_users_roles_its_scopes_and_its_plants(world) -> None:
    from django.utils import timezone

    from api.tokens import api_token_create, api_token_revoke
    from employees.models import Plant

    def token(user, scopes=ALL_SCOPES, **kwargs) -> str:
        return api_token_create(user=user, scopes=scopes, **kwargs)[1]

    admin = world["personas"]["admin"]
    tokens = {persona: token(world["personas"][persona]) for persona in SIGNED_IN}
    limited = token(admin, plants=[Plant.objects.get(code="DE")])
    expired = token(admin, expires_at=timezone.now() - dt.timedelta(minutes=1))
    revoked_token, revoked = api_token_create(user=admin, scopes=ALL_SCOPES)
    api_token_revoke(api_token=revoked_token, revoked_by=admin)
    login_url = reverse(settings.LOGIN_URL)
    wrong = []
    for name, scope in API_SCOPES.items():
        entry = MATRIX[name]
        url = reverse(name, kwargs=entry.kwargs(world))

        def send(bearer: str, entry: Entry = entry, url: str = url):
            return _send_with_token(entry, url, world, bearer)

        for persona in SIGNED_IN:  # a token with every scope: exactly what its user's session gets
            got = _outcome(send(tokens[persona]), login_url)
            if got != entry.expect[persona]:
                wrong.append(f"{name} with {persona}'s token: expected {entry.expect[persona]}, got {got}")
        lacking = send(token(admin, scopes=[s for s in ALL_SCOPES if s != scope]))
        if (lacking.status_code, lacking.json()) != (
            403,
            {"error": "forbidden", "detail": f"this token lacks the scope '{scope}'"},
        ):
            wrong.append(f"{name} without {scope}: {lacking.status_code} {lacking.content[:80]}")
        got = _outcome(send(limited), login_url)
        if got != LIMITED_TO_DE[name]:
            wrong.append(f"{name} with a token limited to DE: expected {LIMITED_TO_DE[name]}, got {got}")
        for label, bad in (("expired", expired), ("revoked", revoked)):
            response = send(bad)
            if response.status_code != 401:
                wrong.append(f"{name} with an {label} token: {response.status_code}")
    assert wrong == []
