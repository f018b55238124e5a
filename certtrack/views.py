"""The web shell: the health check, the favicon and the redirect of a moved path (home and profile:
employees/views.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView

from certtrack.replicas import replica_aliases, replica_state

logger = logging.getLogger(__name__)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down" for a health check
        logger.exception("health check: database unreachable")
        return "down"
    return "ok"


BROKER_STATE_SECONDS = 10


def _broker_state() -> str:
    """The broker's state, checked at most every BROKER_STATE_SECONDS per process.

    Opening a broker connection per request made /healthz the slowest page under load; a probe
    polling every few seconds still sees a broker outage within seconds.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    state = cache.get("healthz:broker")
    if state is None:
        state = _broker_connect()
        cache.set("healthz:broker", state, BROKER_STATE_SECONDS)
    return state


def _broker_connect() -> str:
    from certtrack.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.warning("health check: broker unreachable", exc_info=True)
        return "down"
    return "ok"


def _queue_lengths() -> dict[str, int] | str:
    """Tasks waiting in each worker queue (settings.WORKER_QUEUES), read at most every BROKER_STATE_SECONDS.

    One LLEN per queue in one round trip: the Redis list that holds a queue's messages (kombu's key, under
    CELERY_BROKER_KEY_PREFIX). Messages sent with a priority wait in lists of their own and are not
    counted; certtrack sends none. "eager" without a broker, "down" when Redis does not answer.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    lengths = cache.get("healthz:queues")
    if lengths is None:
        lengths = _queue_llen()
        cache.set("healthz:queues", lengths, BROKER_STATE_SECONDS)
    return lengths


def _queue_llen() -> dict[str, int] | str:
    import redis

    from certtrack.celery import app

    prefix = app.conf.broker_transport_options.get("global_keyprefix", "")
    try:
        client = redis.Redis.from_url(app.conf.broker_url, socket_connect_timeout=1, socket_timeout=1)
        with client.pipeline(transaction=False) as pipe:
            for name in settings.WORKER_QUEUES:
                pipe.llen(f"{prefix}{name}")
            counts = pipe.execute()
        client.close()
    except Exception:
        logger.warning("health check: queue lengths unreadable", exc_info=True)
        return "down"
    return dict(zip(settings.WORKER_QUEUES, counts, strict=True))


def _replicas_state() -> dict[str, dict]:
    """Each read replica's state ("ok", "lagging", "paused", "down") and replay lag in seconds, as the
    router last saw it in this process (probed again when older than REPLICA_LAG_CHECK_SECONDS)."""
    states = (replica_state(alias) for alias in replica_aliases())
    return {state.alias: {"state": state.state, "lag_seconds": state.lag_seconds} for state in states}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (the broker's, the queues' and the replicas' states are reported, not
    required: the pages read from the primary when no replica is usable)."""
    database = _database_state()
    body = {"database": database, "broker": _broker_state(), "queues": _queue_lengths()}
    if replica_aliases():
        body["replicas"] = _replicas_state()
    return JsonResponse(body, status=200 if database == "ok" else 503)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to.

    Resolved per request, not at import: with the manifest storage of production the
    static URL exists only after collectstatic.
    """
    return redirect(static("favicon.svg"), permanent=True)


class MovedPermanently(RedirectView):
    """A path that moved (the one trailing-slash rule, certtrack/urls.py): 301 for GET and HEAD, with the
    query string; 308 for a POST, which keeps its method and body (a form left open since before the move)."""

    permanent = True
    query_string = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response.status_code = 308
        return response
