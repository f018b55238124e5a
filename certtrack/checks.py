"""System checks that refuse a production start with development defaults."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def production_settings_check(app_configs, **kwargs) -> list[Error]:  # noqa: ANN001, ARG001
    if settings.DEBUG:
        return []
    errors = []
    from certtrack.settings import DEFAULT_SECRET_KEY

    if settings.SECRET_KEY == DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        errors.append(
            Error(
                "DEBUG is off but SECRET_KEY is the development default or too short.",
                hint="Set SECRET_KEY to a random string of 50+ characters.",
                id="certtrack.E001",
            )
        )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        errors.append(
            Error(
                "DEBUG is off but Celery runs tasks eagerly (no REDIS_URL).",
                hint="Set REDIS_URL=redis://host:6379/0 and run a worker and beat.",
                id="certtrack.E002",
            )
        )
    return errors
