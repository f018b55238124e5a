"""The trainer's home: what they may assess, their sessions, and who needs them."""

from __future__ import annotations

from collections import Counter

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.forms.filters import GapFilterForm
from assessments.selectors.gaps import gaps_matching, trainer_gaps
from assessments.selectors.sessions import trainer_sessions
from certtrack.replicas import read_replica
from courses.selectors import authorisations_for_user
from employees.access import Capability, capability_required, plant_ids_for_user

GAPS_PER_PAGE = 50


@read_replica
@capability_required(Capability.RECORD_RESULTS)
def trainer_home(request: HttpRequest) -> HttpResponse:
    plant_ids = plant_ids_for_user(user=request.user, capability=Capability.RECORD_RESULTS)
    gaps = trainer_gaps(user=request.user, within_days=30)
    # A session is held at one plant: the summary counts, and plans, per course and plant. A row of it
    # counts people (one gap per person and course); those already booked on a session are not planned again.
    by_course_plant: dict[tuple[int, int], Counter] = {}
    booked: Counter = Counter()
    rows = {}
    for gap in gaps:
        key = (gap.course.id, gap.employee.plant_id)
        by_course_plant.setdefault(key, Counter())[gap.status] += 1
        booked[key] += gap.booked is not None
        rows[key] = {"course": gap.course, "plant": gap.employee.plant}
    gap_summary = sorted(
        (
            {
                **rows[key],
                "counts": counts,
                "total": sum(counts.values()),
                "booked": booked[key],
                "to_plan": sum(counts.values()) - booked[key],
            }
            for key, counts in by_course_plant.items()
        ),
        key=lambda row: (-row["total"], row["course"].code, row["plant"].code),
    )
    filter_form = GapFilterForm(request.GET or None, user=request.user)
    course, plant, status = None, None, ""
    if filter_form.is_valid():
        course, status = filter_form.cleaned_data["course"], filter_form.cleaned_data["status"]
        plant = filter_form.cleaned_data.get("plant")
    shown = gaps_matching(
        gaps, course_id=course.id if course else None, plant_id=plant.id if plant else None, status=status
    )
    # The plant a session for the people shown would be held at: the one chosen, or the only one they are of.
    shown_plants = {gap.employee.plant for gap in shown}
    plan_plant = plant or (next(iter(shown_plants)) if len(shown_plants) == 1 else None)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/trainer_home.html",
        {
            "authorisations": authorisations_for_user(user=request.user, plant_ids=plant_ids),
            "sessions": trainer_sessions(user=request.user),
            "gap_count": len(gaps),
            "people_count": len({gap.employee.id for gap in gaps}),
            "gap_summary": gap_summary,
            "several_plants": filter_form.several_plants,
            "filter_form": filter_form,
            "filter_course": course,
            "filter_status": status,
            "plan_plant": plan_plant,
            "gaps_shown": len(shown),
            "people_shown": len({gap.employee.id for gap in shown}),
            "to_plan_shown": sum(1 for gap in shown if gap.booked is None),
            "page": Paginator(shown, GAPS_PER_PAGE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
        },
    )
