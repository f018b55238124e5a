"""Read replicas (issue #20): which database a query goes to.

DATABASE_REPLICA_URLS adds the aliases replica_1..n (settings.py). Everything reads from and writes to
the primary ("default") unless a view opts in with @read_replica (or a task with `replica_reads()`):
then, for a safe request (GET, HEAD, OPTIONS), reads go to one replica whose replay lag is under
REPLICA_MAX_LAG_SECONDS, chosen at the request's first read and kept for the request, so its pages
never mix two replicas' points in time. Back to the primary:
  - after the first write of the request or task (a read after it must see it), and inside a
    transaction on the primary;
  - for REPLICA_STICKY_SECONDS after a user's write (read-your-writes: the cookie set by
    ReadYourWritesMiddleware after every unsafe request of a signed-in user, which a streaming
    replica may not have replayed yet);
  - when no replica is usable: each one's state is probed at most every REPLICA_LAG_CHECK_SECONDS per
    process (a replica that fails the probe is "down" and skipped for REPLICA_DOWN_SECONDS), and a
    replica that fails during a page makes @read_replica run the page again on the primary. A replica
    is never the cause of an error page.
With no replica configured the router answers None everywhere: Django's behaviour, unchanged.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

STICKY_COOKIE = "certtrack_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# One cheap query: is this a standby, is its replay paused, and how far behind is it. Caught up (all
# it received is replayed) while its WAL receiver runs counts as no lag, whatever the age of the last
# replayed commit; cut off from the primary (no receiver process: the primary is down or unreachable) its
# lag is the age of the last commit it replayed. A server not in recovery (a test mirror) has none.
PROBE_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def replica_aliases() -> list[str]:
    """The replicas' aliases in DATABASES (settings.py: replica_1..n from DATABASE_REPLICA_URLS)."""
    return settings.DATABASE_REPLICAS


# --- Replica state, probed at most every REPLICA_LAG_CHECK_SECONDS per process ------------------------


@dataclass(frozen=True)
class ReplicaState:
    alias: str
    state: str  # "ok", "lagging", "paused" or "down"
    lag_seconds: float | None
    checked_at: float  # time.monotonic()

    @property
    def usable(self) -> bool:
        return self.state == "ok"


_states: dict[str, ReplicaState] = {}


def replica_state(alias: str) -> ReplicaState:
    """The replica's state, from this process's last probe when it is recent enough."""
    now = time.monotonic()
    known = _states.get(alias)
    if known is not None:
        keep = settings.REPLICA_DOWN_SECONDS if known.state == "down" else settings.REPLICA_LAG_CHECK_SECONDS
        if now - known.checked_at < keep:
            return known
    state = _probe(alias, now)
    _states[alias] = state
    return state


def replica_states_forget() -> None:
    """Probe every replica afresh at its next use (tests; a health check that must not wait)."""
    _states.clear()


def replica_mark_down(alias: str) -> None:
    _states[alias] = ReplicaState(alias, "down", None, time.monotonic())
    _close_quietly(alias)


def _probe(alias: str, now: float) -> ReplicaState:
    connection = connections[alias]
    if connection.vendor != "postgresql":  # a test mirror of a SQLite default: nothing to replay
        return ReplicaState(alias, "ok", 0.0, now)
    try:
        with connection.cursor() as cursor:
            cursor.execute(PROBE_SQL)
            _standby, paused, lag = cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - whatever fails (refused, timeout, reset, forbidden), the replica is skipped
        logger.warning("replica %s is down, reads go to the primary: %s", alias, str(exc).strip())
        _close_quietly(alias)
        return ReplicaState(alias, "down", None, now)
    lag = None if lag is None else round(float(lag), 3)
    if paused:
        state = "paused"
    elif lag is None or lag > settings.REPLICA_MAX_LAG_SECONDS:
        state = "lagging"
    else:
        state = "ok"
    return ReplicaState(alias, state, lag, now)


def _close_quietly(alias: str) -> None:
    try:
        connections[alias].close()
    except Exception:
        logger.debug("closing replica %s failed", alias, exc_info=True)


# --- Opting in: a request's or a task's reads ---------------------------------------------------------


@dataclass
class _Reads:
    alias: str | None = None  # the database chosen at the first read, kept for the rest
    wrote: bool = False  # after a write every read goes to the primary


_reads: ContextVar[_Reads | None] = ContextVar("certtrack_replica_reads", default=None)


@contextmanager
def replica_reads() -> Iterator[_Reads]:
    """Reads inside may go to a replica (the router's rules). For Celery tasks that only read."""
    reads = _Reads()
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


def wrote_recently(request: HttpRequest) -> bool:
    """Whether this browser's user wrote less than REPLICA_STICKY_SECONDS ago (read-your-writes)."""
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, 0)) > time.time()
    except ValueError:
        return False


def read_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a read-only view read from a replica (see the module's docstring).

    A replica that fails mid-page is marked down and the view runs again on the primary: a view that
    opts in only reads for a safe request, so running it twice changes nothing. For a class-based
    view: method_decorator(read_replica, name="dispatch").
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method not in SAFE_METHODS or not replica_aliases() or wrote_recently(request):
            return view(request, *args, **kwargs)
        with replica_reads() as reads:
            try:
                return view(request, *args, **kwargs)
            except (OperationalError, InterfaceError):
                if reads.alias in (None, DEFAULT_DB_ALIAS):
                    raise
                logger.warning("replica %s failed during %s: read again from the primary", reads.alias, request.path)
                replica_mark_down(reads.alias)
        return view(request, *args, **kwargs)

    return wrapped


def connection_for_read(model: type) -> BaseDatabaseWrapper:
    """The connection the router reads `model` from, for plain SQL (which no router sees)."""
    return connections[router.db_for_read(model)]


# --- The router (settings.DATABASE_ROUTERS) -----------------------------------------------------------


def _choose_replica() -> str:
    usable = [alias for alias in replica_aliases() if replica_state(alias).usable]
    return random.choice(usable) if usable else DEFAULT_DB_ALIAS


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: object) -> str | None:
        if not replica_aliases():
            return None
        reads = _reads.get()
        if reads is None or reads.wrote or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if reads.alias is None:
            reads.alias = _choose_replica()
        return reads.alias

    def db_for_write(self, model: type, **hints: object) -> str | None:
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
        # Explicitly the primary: left to Django, an object read from a replica would be saved there.
        return DEFAULT_DB_ALIAS if replica_aliases() else None

    def allow_relation(self, obj1: object, obj2: object, **hints: object) -> bool | None:
        if not replica_aliases():
            return None
        # A replica holds the primary's rows: an object read from one may point at one read from the other.
        databases = {obj1._state.db, obj2._state.db}  # type: ignore[attr-defined]
        if databases <= {DEFAULT_DB_ALIAS, *replica_aliases()}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: object) -> bool | None:
        return False if db in replica_aliases() else None
