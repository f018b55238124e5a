"""System checks that refuse a production start with development defaults."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Tags, register


def _redis_database(url: str) -> tuple[str, int, str]:
    """(host, port, database number) of a redis:// URL."""
    parsed = urlparse(url)
    return (parsed.hostname or "localhost", parsed.port or 6379, parsed.path.strip("/") or "0")


@register(Tags.caches)
def session_cache_check(app_configs, **kwargs) -> list[Error]:
    """The shared cache (dashboards, forecasts, sessions) is flushed as a whole (tests, `cache.clear()`): it
    must not share the broker's database, whose queued tasks a flush would drop."""
    if not (settings.CACHE_URL and settings.REDIS_URL):
        return []
    if _redis_database(settings.CACHE_URL) != _redis_database(settings.REDIS_URL):
        return []
    return [
        Error(
            "CACHE_URL and REDIS_URL name the same Redis database.",
            hint="Give the cache a database of its own, e.g. REDIS_URL=redis://redis:6379/0 and "
            "CACHE_URL=redis://redis:6379/1: clearing the cache would otherwise drop queued tasks.",
            id="certtrack.E003",
        )
    ]


@register(Tags.security, deploy=False)
def production_settings_check(app_configs, **kwargs) -> list[Error]:
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


@register()
def files_storage_check(app_configs, **kwargs) -> list[Error]:
    """FILES_STORAGE=s3 needs a bucket; anything else is refused by settings.py itself."""
    if settings.FILES_STORAGE != "s3" or settings.STORAGES["default"]["OPTIONS"]["bucket_name"]:
        return []
    return [
        Error(
            "FILES_STORAGE is s3 but S3_BUCKET is empty.",
            hint="Set S3_BUCKET (and S3_ENDPOINT_URL, S3_REGION and the keys for a store other than AWS), "
            "or FILES_STORAGE=filesystem with MEDIA_ROOT on a volume shared by web and workers.",
            id="certtrack.E020",
        )
    ]


@register()
def task_claim_check(app_configs, **kwargs) -> list[Error]:
    """A claim is stale only after it missed several heartbeats: a busy database must not make the
    sweep resend work whose worker is alive."""
    heartbeat, stale = settings.TASK_CLAIM_HEARTBEAT_SECONDS, settings.TASK_CLAIM_STALE_SECONDS
    if heartbeat > 0 and stale >= 3 * heartbeat:
        return []
    return [
        Error(
            f"TASK_CLAIM_STALE_SECONDS ({stale}) must be at least three TASK_CLAIM_HEARTBEAT_SECONDS ({heartbeat}).",
            hint="Keep the defaults (30 and 180) unless a worker is known to need otherwise.",
            id="certtrack.E004",
        )
    ]
