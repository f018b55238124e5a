"""Training sessions as their readers see them: the plants a user may see, a trainer's own, a session's results."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from assessments.models import Assessment, TrainingSession
from employees.access import Capability, scope_to_plants


def sessions_for_user(*, user: AbstractBaseUser, capability: Iterable[str] | None = None) -> QuerySet[TrainingSession]:
    return scope_to_plants(
        TrainingSession.objects.select_related("course", "plant", "trainer"), user=user, capability=capability
    )


@dataclass(frozen=True)
class TrainerSessions:
    recent: list[TrainingSession]
    upcoming: list[TrainingSession]


def trainer_sessions(*, user: AbstractBaseUser, days_back: int = 60, limit: int = 10) -> TrainerSessions:
    """The trainer's own sessions around today (each plant's local today), with attendee and result counts."""
    earliest = timezone.now().date() - datetime.timedelta(days=days_back + 1)
    sessions = (
        sessions_for_user(user=user, capability=Capability.RECORD_RESULTS)
        .filter(trainer=user, held_on__gte=earliest)
        .annotate(
            attendee_count=Count("attendees", distinct=True),
            result_count=Count("assessments", filter=Q(assessments__voided_at__isnull=True), distinct=True),
        )
        .order_by("held_on", "id")
    )
    recent, upcoming = [], []
    for session in sessions:
        if session.held_on > session.plant.local_today():
            if not session.is_cancelled:  # a cancelled session is not coming up; it stays on its page and the list
                upcoming.append(session)
        else:
            recent.append(session)
    return TrainerSessions(recent=list(reversed(recent))[:limit], upcoming=upcoming[:limit])


def session_results(*, session: TrainingSession) -> dict[int, list[Assessment]]:
    """Results recorded in the session, per employee id (voided ones included, newest last)."""
    results: dict[int, list[Assessment]] = {}
    for assessment in session.assessments.select_related("voided_by").order_by("recorded_at", "id"):
        results.setdefault(assessment.employee_id, []).append(assessment)
    return results
