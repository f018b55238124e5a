"""The plan's version per plant: bumped after commit whenever a planned session, its attendees, a scenario or
a scenario's change, session or attendee is written or deleted, so a cached forecast is recomputed.

Signals, because several services (planned sessions, scenarios, suggestions, promotion) and the admin write
these models: one receiver here keeps the forecast's cache honest whoever writes. A queryset update() or
bulk_create() sends no signal: a service writing that way calls planning.selectors.forecasts.plan_changed.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from planning.models import (
    PlannedAttendance,
    PlannedSession,
    Scenario,
    ScenarioAttendance,
    ScenarioChange,
    ScenarioSession,
)
from planning.selectors.forecasts import plan_changed


def _plant_of(instance: object) -> int | None:
    if isinstance(instance, PlannedSession | Scenario):
        return instance.plant_id
    if isinstance(instance, ScenarioChange | ScenarioSession):
        return Scenario.objects.filter(id=instance.scenario_id).values_list("plant_id", flat=True).first()
    if isinstance(instance, PlannedAttendance):
        session_id = instance.planned_session_id
        return PlannedSession.objects.filter(id=session_id).values_list("plant_id", flat=True).first()
    if isinstance(instance, ScenarioAttendance):
        return (
            ScenarioSession.objects.filter(id=instance.scenario_session_id)
            .values_list("scenario__plant_id", flat=True)
            .first()
        )
    return None


PLAN_MODELS = (PlannedSession, PlannedAttendance, Scenario, ScenarioChange, ScenarioSession, ScenarioAttendance)


def _plan_written(sender: type, instance: object, **kwargs: object) -> None:
    plant_id = _plant_of(instance)
    if plant_id is not None:
        plan_changed(plant_id=plant_id)


for _model in PLAN_MODELS:
    post_save.connect(_plan_written, sender=_model, dispatch_uid=f"planning-version-save-{_model.__name__}")
    post_delete.connect(_plan_written, sender=_model, dispatch_uid=f"planning-version-delete-{_model.__name__}")


@receiver(m2m_changed, sender=PlannedSession.attendees.through)
@receiver(m2m_changed, sender=ScenarioSession.attendees.through)
def _attendees_changed(sender: type, instance: object, action: str, reverse: bool, **kwargs: object) -> None:
    """session.attendees.set()/add()/remove() write the through rows without their post_save."""
    if not action.startswith("post_"):
        return
    if reverse:  # from the employee's side: every plant of the sessions touched
        plan_changed(plant_id=None)
        return
    plant_id = _plant_of(instance)
    if plant_id is not None:
        plan_changed(plant_id=plant_id)
