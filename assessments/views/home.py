"""The trainer's home: what they may assess, their sessions, and who needs them."""

from __future__ import annotations

from collections import Counter

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.forms import GapFilterForm
from assessments.selectors import gaps_matching, trainer_gaps, trainer_sessions
from certtrack.permissions import capability_required
from courses.selectors import authorisations_for_user
from employees.selectors import Capability, plant_ids_for_user

GAPS_PER_PAGE = 50


@capability_required(Capability.RECORD_RESULTS)
def trainer_home(request: HttpRequest) -> HttpResponse:
    plant_ids = plant_ids_for_user(user=request.user, capability=Capability.RECORD_RESULTS)
    gaps = trainer_gaps(user=request.user, within_days=30)
    by_course: dict[int, Counter] = {}
    courses = {}
    for gap in gaps:
        by_course.setdefault(gap.course.id, Counter())[gap.status] += 1
        courses[gap.course.id] = gap.course
    gap_summary = sorted(
        (
            {"course": courses[cid], "counts": counts, "total": sum(counts.values())}
            for cid, counts in by_course.items()
        ),
        key=lambda row: (-row["total"], row["course"].code),
    )
    filter_form = GapFilterForm(request.GET or None, user=request.user)
    course, status = None, ""
    if filter_form.is_valid():
        course, status = filter_form.cleaned_data["course"], filter_form.cleaned_data["status"]
    shown = gaps_matching(gaps, course_id=course.id if course else None, status=status)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/trainer_home.html",
        {
            "authorisations": authorisations_for_user(user=request.user, plant_ids=plant_ids),
            "sessions": trainer_sessions(user=request.user),
            "gap_count": len(gaps),
            "gap_summary": gap_summary,
            "filter_form": filter_form,
            "filter_course": course,
            "filter_status": status,
            "gaps_shown": len(shown),
            "page": Paginator(shown, GAPS_PER_PAGE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
        },
    )
