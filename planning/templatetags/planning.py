"""`{% load planning %}`: the plan on the pages of lower layers (assessments, employees may not import planning).

- `{% trainer_planned_sessions %}`: the trainer's home, their live planned sessions with seats used, attendees,
  the checker's problems and a Hold button;
- `{% employee_planned_sessions employee %}`: the employee page, what is planned for that person;
- `{% plan_session_url plant course=... line=... gaps=... employees=... as url %}`: the link to plan a session
  for these people (empty when the user may not plan at that plant);
- `{% suggest_plan_url plant line=... as url %}`: the link to ask for a suggested plan for the line (empty when
  the user may not manage scenarios at that plant).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from employees.access import Capability, can
from employees.models import Employee, EmployeeStatus
from planning.selectors.sessions import employee_planned_sessions as employee_sessions
from planning.selectors.sessions import plan_problems_cached
from planning.selectors.sessions import trainer_planned_sessions as trainer_sessions
from planning.services.sessions import may_hold

register = template.Library()
MAX_PEOPLE = 400  # a link carries at most this many people (the plan form reads as many)


def _user(context: template.Context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("planning/sessions/_trainer_home.html", takes_context=True)
def trainer_planned_sessions(context: template.Context) -> dict:
    user = _user(context)
    sessions = trainer_sessions(user=user) if user is not None else []
    problems: dict[int, list] = {}
    plants = {s.plant_id: s.plant for s in sessions}
    for plant in plants.values():
        problems.update(plan_problems_cached(plant=plant))
    todays = {plant_id: plant.local_today() for plant_id, plant in plants.items()}
    return {
        "rows": [
            {
                "session": s,
                "problems": problems.get(s.pk, []),
                "hold_now": s.planned_on <= todays[s.plant_id] and may_hold(user=user, session=s),
            }
            for s in sessions
        ],
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("planning/sessions/_employee.html", takes_context=True)
def employee_planned_sessions(context: template.Context, employee: object) -> dict:
    user = _user(context)
    shown = user is not None and can(user=user, capability=Capability.VIEW_PLAN, plant_id=employee.plant_id)
    return {
        "sessions": employee_sessions(employee=employee) if shown else [],
        "shown": shown,
        "employee": employee,
    }


@register.simple_tag(takes_context=True)
def plan_session_url(
    context: template.Context,
    plant: object,
    course: object = None,
    line: object = None,
    gaps: Iterable | None = None,
    employees: Iterable | None = None,
    numbers: Iterable | None = None,
) -> str:
    """The plan-a-session page of `plant` prefilled with the course, the line and the people (of `gaps`, rows
    with an .employee; `employees`; or `numbers`, rows with an employee_no: one query); "" when the user may
    not plan sessions there."""
    user = _user(context)
    if plant is None or user is None or not can(user=user, capability=Capability.PLAN_SESSIONS, plant_id=plant.id):
        return ""
    query: dict[str, str] = {}
    if course is not None:
        query["course"] = str(course.pk)
    if line is not None:
        query["line"] = str(line.pk)
    people = [g.employee for g in gaps or ()] + list(employees or ())
    ids = {e.pk for e in people if e.plant_id == plant.id}
    if numbers:
        wanted = [
            row.get("employee_no") if isinstance(row, dict) else getattr(row, "employee_no", row) for row in numbers
        ]
        ids |= set(
            Employee.objects.filter(plant=plant, status=EmployeeStatus.ACTIVE, employee_no__in=wanted[:MAX_PEOPLE])
            .order_by()
            .values_list("pk", flat=True)
        )
    ids = sorted(ids)[:MAX_PEOPLE]
    if ids:
        query["employees"] = ",".join(str(i) for i in ids)
    url = reverse("planning:session-create", kwargs={"plant_code": plant.code})
    return f"{url}?{urlencode(query)}" if query else url


@register.simple_tag(takes_context=True)
def suggest_plan_url(context: template.Context, plant: object, line: object = None) -> str:
    """The suggest page of `plant` with `line` chosen; "" when the user may not manage scenarios there."""
    user = _user(context)
    if plant is None or user is None or not can(user=user, capability=Capability.MANAGE_SCENARIOS, plant_id=plant.id):
        return ""
    url = reverse("planning:suggest", kwargs={"plant_code": plant.code})
    return f"{url}?{urlencode({'line': line.pk})}" if line is not None else url
