"""Celery tasks of the plan: thin, they take ids, load and call a service (eager without Redis)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from planning.models import Scenario
from planning.services.suggestions import suggestion_failed, suggestion_fill

logger = logging.getLogger(__name__)


@shared_task(name="planning.tasks.suggestion_run", soft_time_limit=240, time_limit=300)
def suggestion_run(scenario_id: int, user_id: int) -> None:
    """Fill a queued suggestion (a whole big plant's takes up to a minute)."""
    scenario = Scenario.objects.select_related("plant").filter(id=scenario_id).first()
    actor = get_user_model().objects.filter(id=user_id).first()
    if scenario is None or actor is None or not scenario.suggestion:
        logger.warning("suggestion_run: scenario %s or user %s is gone", scenario_id, user_id)
        return
    try:
        suggestion_fill(scenario=scenario, actor=actor)
    except Exception:
        suggestion_failed(scenario=scenario)
        raise
