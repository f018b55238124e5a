"""A suggested plan written as a draft scenario (issue #18): a manager reviews it, compares it with the live
plan and promotes it; until then it writes no planned session, assessment or certification."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.audit_messages import SUGGESTION_CREATED
from assessments.models import AuditAction
from assessments.services.audit import audit_event_create
from employees.models import Plant, ProductionLine
from planning.inputs import load_inputs
from planning.models import PlanSource, Scenario, ScenarioAttendance, ScenarioSession, ScenarioStatus
from planning.quality import suggest_with_quality
from planning.suggest import DEFAULT_TIME_LIMIT

MAX_BUFFER_DAYS = 120
STATE_QUEUED, STATE_DONE, STATE_FAILED = "queued", "done", "failed"


def _json(value: object) -> object:
    if isinstance(value, dict):
        return {key: _json(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _scope(scenario: Scenario) -> str:
    request = scenario.suggestion["request"]
    return request["line_code"] or scenario.plant.code


def suggestion_start(
    *, plant: Plant, line: ProductionLine | None = None, buffer_days: int = 14, confirm: bool = False, actor
) -> Scenario:
    """The draft scenario a suggestion fills: its request, state "queued", no sessions yet."""
    if line is not None and line.plant_id != plant.id:
        raise ValueError("the line is not of this plant")
    buffer_days = max(0, min(int(buffer_days), MAX_BUFFER_DAYS))
    scope = line.code if line is not None else plant.code
    request = {
        "line": line.id if line is not None else None,
        "line_code": line.code if line is not None else None,
        "buffer_days": buffer_days,
        "confirm": bool(confirm),
    }
    return Scenario.objects.create(
        plant=plant,
        name=(
            _("Suggested plan for %(scope)s, %(when)s")
            % {"scope": scope, "when": timezone.localtime(timezone=plant.tz).strftime("%Y-%m-%d %H:%M")}
        )[:120],
        status=ScenarioStatus.DRAFT,
        source=PlanSource.SUGGESTION,
        suggestion={"request": request, "state": STATE_QUEUED},
        created_by=actor,
    )


def suggestion_fill(
    *, scenario: Scenario, actor, time_limit: float = DEFAULT_TIME_LIMIT, today: datetime.date | None = None
) -> Scenario:
    """Compute the suggestion a started scenario asks for and write its sessions, attendees and figures."""
    request = scenario.suggestion["request"]
    plant = scenario.plant
    inputs = load_inputs(plant=plant, today=today)
    line_ids = {request["line"]} if request["line"] else None
    suggestion, figures = suggest_with_quality(
        inputs,
        line_ids=line_ids,
        buffer_days=request["buffer_days"],
        confirm=request["confirm"],
        time_limit=time_limit,
    )
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if scenario.suggestion.get("state") == STATE_DONE:
            return scenario  # filled already (a task delivered twice)
        rows = ScenarioSession.objects.bulk_create(
            [
                ScenarioSession(
                    scenario=scenario,
                    course_id=s.course_id,
                    planned_on=s.on,
                    seats=s.seats,
                    trainer_id=s.trainer_id,
                    delivery_mode=s.delivery_mode,
                    shift=s.shift,
                    line_id=s.line_id,
                )
                for s in suggestion.sessions
            ],
            batch_size=1000,
        )
        ScenarioAttendance.objects.bulk_create(
            [
                ScenarioAttendance(scenario_session=row, employee_id=employee_id)
                for row, s in zip(rows, suggestion.sessions, strict=True)
                for employee_id in s.attendee_ids
            ],
            batch_size=5000,
        )
        scenario.suggestion = _json({"request": {**request, "today": inputs.today}, "state": STATE_DONE, **figures})
        scenario.save(update_fields=["suggestion", "updated_at"])
        suggested = figures["suggested"]
        audit_event_create(
            actor=actor,
            action=AuditAction.SCENARIO_CHANGED,
            message=SUGGESTION_CREATED,
            params={
                "scenario": scenario.name,
                "scope": _scope(scenario),
                "sessions": suggested["sessions"],
                "closed": suggested["gaps_closed"],
                "gaps": suggested["gaps"],
            },
            plant_id=plant.id,
            obj=scenario,
        )
    return scenario


def suggestion_create(
    *,
    plant: Plant,
    line: ProductionLine | None = None,
    buffer_days: int = 14,
    confirm: bool = False,
    actor,
    time_limit: float = DEFAULT_TIME_LIMIT,
    today: datetime.date | None = None,
) -> Scenario:
    """A suggestion for `line` (None: the whole plant) written as a draft scenario (source "suggestion", its
    request and quality figures in `suggestion`) with its sessions and attendees, audited; all or nothing."""
    with transaction.atomic():
        scenario = suggestion_start(plant=plant, line=line, buffer_days=buffer_days, confirm=confirm, actor=actor)
        return suggestion_fill(scenario=scenario, actor=actor, time_limit=time_limit, today=today)


def suggestion_queue(
    *, plant: Plant, line: ProductionLine | None = None, buffer_days: int = 14, confirm: bool = False, actor
) -> Scenario:
    """Start a suggestion and compute it in the background (planning.tasks.suggestion_run, after commit)."""
    from planning.tasks import suggestion_run  # the task module imports this one

    with transaction.atomic():
        scenario = suggestion_start(plant=plant, line=line, buffer_days=buffer_days, confirm=confirm, actor=actor)
        transaction.on_commit(lambda: suggestion_run.delay(scenario.id, actor.id))
    return scenario


def suggestion_failed(*, scenario: Scenario) -> None:
    """Mark a started suggestion as failed (its task gave up); the page says so."""
    Scenario.objects.filter(pk=scenario.pk).update(
        suggestion={**scenario.suggestion, "state": STATE_FAILED}, updated_at=timezone.now()
    )
