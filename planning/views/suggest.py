"""The suggested plan's pages: ask for one (a line or the whole plant), then read its quality figures and
sessions before reviewing it as a scenario."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.models import Course
from employees.access import Capability, capability_required, plant_get_for_user, scope_to_plants
from employees.models import EmployeeStatus
from planning.forms.suggest import SuggestForm
from planning.models import PlanSource, Scenario, ScenarioSession
from planning.services.suggestions import STATE_DONE, STATE_FAILED, suggestion_create, suggestion_queue

# A whole plant with more active people than this is computed in the background (a minute at most).
QUEUE_ABOVE_PEOPLE = 1500
SESSIONS_SHOWN = 500


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_SCENARIOS)
def suggest(request: HttpRequest, plant_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=Capability.MANAGE_SCENARIOS)
    # The line page's "Suggest a plan" link names its line (?line=<id>).
    form = SuggestForm(request.POST or None, plant=plant, initial={"line": request.GET.get("line")})
    if request.method == "POST" and form.is_valid():
        line = form.cleaned_data["line"]
        options = {
            "plant": plant,
            "line": line,
            "buffer_days": form.cleaned_data["buffer_days"],
            "confirm": form.cleaned_data["confirm"],
            "actor": request.user,
        }
        big = line is None and plant.employees.filter(status=EmployeeStatus.ACTIVE).count() > QUEUE_ABOVE_PEOPLE
        scenario = suggestion_queue(**options) if big else suggestion_create(**options)
        if not big:
            messages.success(request, _("The suggested plan is ready: review it before promoting it."))
        return redirect("planning:suggestion_detail", pk=scenario.pk)
    recent = Scenario.objects.filter(plant=plant, source=PlanSource.SUGGESTION).order_by("-created_at", "-id")[:10]
    return render(request, "planning/suggest/form.html", {"plant": plant, "form": form, "recent": recent})


def _weeks(sessions: list[ScenarioSession]) -> list[dict]:
    """The sessions per ISO week, and per trainer within it."""
    weeks: dict[datetime.date, dict[int, list[ScenarioSession]]] = defaultdict(lambda: defaultdict(list))
    names = {}
    for s in sessions:
        monday = s.planned_on - datetime.timedelta(days=s.planned_on.weekday())
        weeks[monday][s.trainer_id].append(s)
        names[s.trainer_id] = s.trainer.get_full_name() or s.trainer.username
    return [
        {
            "monday": monday,
            "count": sum(len(v) for v in by_trainer.values()),
            "attendances": sum(s.n for v in by_trainer.values() for s in v),
            "trainers": [
                {"name": names[t], "sessions": by_trainer[t]} for t in sorted(by_trainer, key=lambda t: names[t])
            ],
        }
        for monday, by_trainer in sorted(weeks.items())
    ]


@capability_required(Capability.MANAGE_SCENARIOS)
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenarios = scope_to_plants(
        Scenario.objects.select_related("plant", "created_by"),
        user=request.user,
        capability=Capability.MANAGE_SCENARIOS,
    )
    scenario = get_object_or_404(scenarios, pk=pk, source=PlanSource.SUGGESTION, suggestion__isnull=False)
    figures = scenario.suggestion or {}
    state = figures.get("state", STATE_DONE)
    sessions = []
    if state == STATE_DONE:
        sessions = list(
            ScenarioSession.objects.filter(scenario=scenario)
            .select_related("course", "trainer", "line")
            .annotate(n=Count("attendances"))
            .order_by("planned_on", "course__code", "id")[:SESSIONS_SHOWN]
        )
    line_code = (figures.get("request") or {}).get("line_code")
    courses_short = []
    if state == STATE_DONE:
        courses_short = _open_gaps_by_course(figures)
    return render(
        request,
        "planning/suggest/detail.html",
        {
            "scenario": scenario,
            "plant": scenario.plant,
            "figures": figures,
            "state": state,
            "failed": state == STATE_FAILED,
            "running": state not in (STATE_DONE, STATE_FAILED),
            "scope": line_code or scenario.plant.code,
            "weeks": _weeks(sessions),
            "sessions_total": scenario.sessions.count() if state == STATE_DONE else 0,
            "sessions_shown": SESSIONS_SHOWN,
            "courses_short": courses_short,
        },
    )


def _open_gaps_by_course(figures: dict) -> list[tuple[Course, int]]:
    open_by_course = figures.get("open_gaps_by_course") or {}
    courses = Course.objects.in_bulk([int(c) for c in open_by_course])
    rows = [(courses[int(c)], n) for c, n in open_by_course.items() if int(c) in courses]
    return sorted(rows, key=lambda row: (-row[1], row[0].code))
