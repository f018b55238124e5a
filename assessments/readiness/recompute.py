"""When the roll-up runs and under which lock: a plant in full, marked employees, the outbox drain, the
day change, every plant, and the snapshots of past days.

Concurrency: every roll-up of a plant runs in one transaction holding a lock on
the plant's ReadinessState row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE serialises all writers anyway). Two roll-ups of one plant never
interleave, so a line's figures are never aggregated from half of another
worker's employee rows.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from assessments.models import (
    Certification,
    CertificationStatus,
    CourseReadiness,
    EmployeeReadiness,
    LineSnapshot,
    ReadinessMark,
    ReadinessState,
    StationQualification,
)
from assessments.readiness.sql import ON_THE_FLY_CTES, statement_params
from assessments.readiness.store import (
    line_snapshots_upsert,
    plant_snapshot_upsert,
    store_aggregates,
    store_employees,
)
from employees.models import Employee, EmployeeStatus, Plant
from webhooks.models import EventType
from webhooks.services import EventInput, webhook_events_emit, webhook_types_subscribed

logger = logging.getLogger(__name__)

# Above this many marked employees of one plant a full recompute is cheaper than a long IN list.
INCREMENTAL_MAX_EMPLOYEES = 500
# Marks claimed per plant and transaction; the drain loops until the outbox is empty or its time is up.
DRAIN_BATCH = 5000


def _lock_state(plant_id: int) -> ReadinessState:
    """The plant's state row, locked until the transaction ends (serialises roll-ups of the plant).

    Every roll-up transaction starts here, so it also sets what its statements run with on
    PostgreSQL, once: no JIT (compiling takes longer than the statements run), room for
    their hash tables and sorts in memory, and no wait for the commit's WAL flush: the
    transaction stays atomic, and if the server crashed before the flush it would be lost
    whole, marks included, so the next drain would simply recompute it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL synchronous_commit = off")
    state, _created = ReadinessState.objects.select_for_update().get_or_create(plant_id=plant_id)
    return state


def _recompute_plant_locked(*, plant: Plant, on_date: datetime.date, state: ReadinessState) -> None:
    now = timezone.now()
    webhooks = _WebhookWatch(plant=plant, state=state, on_date=on_date, line_ids=None)
    # Employees who moved here still have rows at their old plant: that plant must drop them.
    moved_in = list(
        EmployeeReadiness.objects.filter(employee__plant_id=plant.id)
        .exclude(plant_id=plant.id)
        .values_list("employee_id", "plant_id")
    )
    store_employees(
        plant_id=plant.id,
        on_date=on_date,
        now=now,
        employee_ids=None,
        moved_here=[e for e, _p in moved_in],
        plant=plant,
    )
    store_aggregates(plant_id=plant.id, on_date=on_date, now=now, line_ids=None, plant=plant)
    ReadinessMark.objects.bulk_create(
        [ReadinessMark(employee_id=e, plant_id=p, reason="moved-plant") for e, p in moved_in]
    )
    webhooks.emit()
    state.on_date = on_date
    state.computed_at = now
    state.full_computed_at = now
    state.save(update_fields=["on_date", "computed_at", "full_computed_at"])


def _recompute_employees_locked(
    *,
    plant: Plant,
    on_date: datetime.date,
    state: ReadinessState,
    employee_ids: set[int],
    certifications_only: bool = False,
) -> None:
    """Incremental: these employees, then the stations and lines they were or are on, then the plant.

    `certifications_only`: nothing but these employees' certifications changed (every mark named its
    course). A station's qualified count is the number of its StationQualification rows, so then only
    the stations where one of these employees gained or lost a qualification are recounted, unless an
    employee changed line; anything else (a requirement, a target, a move) recounts their lines.
    """
    now = timezone.now()
    # Where each employee is now (plant, line) and where their stored rows put them.
    current = {
        e: (p, line)
        for e, p, line in Employee.objects.filter(id__in=employee_ids).values_list("id", "plant_id", "line_id")
    }
    here = {e for e in employee_ids if e in current and current[e][0] == plant.id}
    away = employee_ids - here
    old_rows = list(
        EmployeeReadiness.objects.filter(employee_id__in=employee_ids).values_list("employee_id", "plant_id", "line_id")
    )
    old_lines = {line for e, p, line in old_rows if p == plant.id and line is not None}
    new_lines = {current[e][1] for e in here if current[e][1] is not None}
    line_ids: set[int] | None = old_lines | new_lines
    marks = []
    if away:
        # Marked here but now at another plant: drop them here, recompute them there (under its own lock).
        CourseReadiness.objects.filter(plant_id=plant.id, employee_id__in=away).delete()
        EmployeeReadiness.objects.filter(plant_id=plant.id, employee_id__in=away).delete()
        StationQualification.objects.filter(plant_id=plant.id, employee_id__in=away).delete()
        marks += [
            ReadinessMark(employee_id=e, plant_id=current[e][0], reason="moved-plant") for e in away if e in current
        ]
        line_ids = None  # we no longer know their old line cheaply: recompute every line of the plant
    # Rows of these employees at another plant (they moved here) are replaced below: that plant must recompute.
    marks += [
        ReadinessMark(employee_id=e, plant_id=p, reason="moved-plant")
        for e, p, _l in old_rows
        if e in here and p != plant.id
    ]
    changed = store_employees(
        plant_id=plant.id, on_date=on_date, now=now, employee_ids=here, line_ids=new_lines, plant=plant
    )
    station_ids = None
    if certifications_only and line_ids is not None and old_lines == new_lines and not marks:
        station_ids = {station for _employee, station in changed}
    webhooks = _WebhookWatch(plant=plant, state=state, on_date=on_date, line_ids=line_ids)
    store_aggregates(
        plant_id=plant.id, on_date=on_date, now=now, line_ids=line_ids, station_ids=station_ids, plant=plant
    )
    ReadinessMark.objects.bulk_create(marks)
    webhooks.emit()
    state.computed_at = now
    state.save(update_fields=["computed_at"])


class _WebhookWatch:
    """The webhook events of one roll-up, under the plant's lock: `readiness.changed` for each line whose
    figures (headcount, qualified, qualified_confirmed) differ from the stored ones of the day the current
    tables described, and, on a day change, `certification.expired` for each certification that stopped
    being valid since that day (expired, or a provisional pass whose confirmation window closed), once
    per certification and day (dedupe key) however often the job runs. Nobody subscribed: one query."""

    def __init__(self, *, plant: Plant, state: ReadinessState, on_date: datetime.date, line_ids: set[int] | None):
        self.plant, self.on_date, self.line_ids = plant, on_date, line_ids
        self.previous_date = state.on_date
        self.wanted = webhook_types_subscribed(plant_id=plant.id)
        self.before = {}
        if EventType.READINESS_CHANGED in self.wanted and self.previous_date is not None:
            self.before = self._line_figures(self.previous_date)

    def _line_figures(self, on_date: datetime.date) -> dict[int, tuple]:
        rows = LineSnapshot.objects.filter(plant_id=self.plant.id, on_date=on_date)
        if self.line_ids is not None:
            rows = rows.filter(line_id__in=self.line_ids)
        return {
            line_id: (code, headcount, qualified, confirmed)
            for line_id, code, headcount, qualified, confirmed in rows.values_list(
                "line_id", "line__code", "headcount", "qualified", "qualified_confirmed"
            )
        }

    def emit(self) -> None:
        if not self.wanted:
            return
        events = []
        if EventType.READINESS_CHANGED in self.wanted:
            for line_id, (code, headcount, qualified, confirmed) in sorted(self._line_figures(self.on_date).items()):
                previous = self.before.get(line_id)
                if previous is not None and previous[1:] == (headcount, qualified, confirmed):
                    continue
                events.append(
                    EventInput(
                        type=EventType.READINESS_CHANGED,
                        plant_id=self.plant.id,
                        data={
                            "line": code,
                            "date": self.on_date.isoformat(),
                            "headcount": headcount,
                            "qualified": qualified,
                            "qualified_confirmed": confirmed,
                            "previous": None
                            if previous is None
                            else dict(
                                zip(("headcount", "qualified", "qualified_confirmed"), previous[1:], strict=True)
                            ),
                        },
                    )
                )
        if EventType.CERTIFICATION_EXPIRED in self.wanted:
            events += self._expiries()
        webhook_events_emit(events=events)

    def _expiries(self) -> list[EventInput]:
        previous, today = self.previous_date, self.on_date
        if previous is None:
            previous = today - datetime.timedelta(days=1)
        if today <= previous:
            return []
        window = self.plant.confirmation_window_days
        candidates = (
            Certification.objects.filter(employee__plant_id=self.plant.id, employee__status=EmployeeStatus.ACTIVE)
            .filter(
                Q(expires_on__gt=previous, expires_on__lte=today)
                | Q(confirmed_expires_on__gt=previous, confirmed_expires_on__lte=today)
                | Q(
                    provisional=True,
                    employee__line__sop_date__gt=previous - datetime.timedelta(days=window),
                    employee__line__sop_date__lte=today - datetime.timedelta(days=window),
                )
            )
            .select_related("employee__line", "course")
        )
        events = []
        for certification in candidates:
            line = certification.employee.line
            if line is not None:
                line.plant = self.plant
            closes_on = line.confirmation_closes_on() if line is not None else None
            if not certification.is_valid_on(previous, closes_on=closes_on) or certification.is_valid_on(
                today, closes_on=closes_on
            ):
                continue
            lapsed = certification.status_on(today, closes_on=closes_on) == CertificationStatus.PROVISIONAL_LAPSED
            expired_on = closes_on if lapsed else certification.held_on(today, closes_on=closes_on).expires_on
            events.append(
                EventInput(
                    type=EventType.CERTIFICATION_EXPIRED,
                    plant_id=self.plant.id,
                    data={
                        "employee": certification.employee.employee_no,
                        "course": certification.course.code,
                        "expired_on": expired_on.isoformat() if expired_on else today.isoformat(),
                        "reason": "provisional_lapsed" if lapsed else "expired",
                    },
                    dedupe_key=f"certification.expired:{certification.pk}:{expired_on or today}",
                )
            )
        return events


def plant_recompute(*, plant_id: int, on_date: datetime.date | None = None) -> None:
    """Full recompute of a plant's current tables and that date's snapshots (default: the plant's today).

    The current tables read Certification, which reflects every recorded result: `on_date` is the
    plant's today (or a later day); past days' snapshots come from snapshot_store (raw results).

    Claims the plant's pending marks: everything they asked for is covered by a full recompute.
    """
    plant = Plant.objects.get(pk=plant_id)
    on_date = on_date or plant.local_today()
    with transaction.atomic():
        state = _lock_state(plant.id)
        mark_ids = list(ReadinessMark.objects.filter(plant_id=plant.id).values_list("id", flat=True))
        _recompute_plant_locked(plant=plant, on_date=on_date, state=state)
        _delete_marks(mark_ids)


def employees_recompute(*, employee_ids: Iterable[int]) -> None:
    """Incremental recompute of these employees (+ their stations, lines and plant), each plant for its today."""
    by_plant: dict[int, set[int]] = defaultdict(set)
    for employee_id, plant_id in Employee.objects.filter(id__in=set(employee_ids)).values_list("id", "plant_id"):
        by_plant[plant_id].add(employee_id)
    for plant in Plant.objects.filter(id__in=by_plant).order_by("id"):
        with transaction.atomic():
            state = _lock_state(plant.id)
            _recompute_marked_locked(plant=plant, state=state, employee_ids=by_plant[plant.id])


def _recompute_marked_locked(
    *, plant: Plant, state: ReadinessState, employee_ids: set[int], certifications_only: bool = False
) -> None:
    today = plant.local_today()
    if state.on_date != today or len(employee_ids) > INCREMENTAL_MAX_EMPLOYEES:
        # The current tables describe another day (local midnight passed): every certification may
        # have expired since, so an incremental update would mix two dates.
        _recompute_plant_locked(plant=plant, on_date=today, state=state)
    else:
        _recompute_employees_locked(
            plant=plant, on_date=today, state=state, employee_ids=employee_ids, certifications_only=certifications_only
        )


def _delete_marks(mark_ids: list[int]) -> None:
    for start in range(0, len(mark_ids), 500):
        ReadinessMark.objects.filter(id__in=mark_ids[start : start + 500]).delete()


def drain_marks(*, time_budget_seconds: float = 50.0) -> int:
    """Process the outbox: recompute every marked employee; returns the number of marks processed.

    Claiming is safe without a "claimed" column: per plant, one transaction locks the
    plant's state row, reads a batch of mark IDs, recomputes, and deletes exactly
    those IDs before committing.
    - A crash or error rolls the transaction back: the marks are still there for the
      next drain (beat runs one every minute). Nothing is lost; at worst recomputed twice.
    - A concurrent drain of the same plant waits on the state row lock; once it gets
      it, its (new) read of the outbox no longer sees the committed, deleted marks.
    - Marks are deleted by ID, never by "id <= max": a mark whose transaction commits
      after our read (a lower ID can commit later) is not deleted unseen; it stays
      for the next drain. Data a mark points at is committed with the mark, so our
      recompute, started after reading the mark, sees it.
    """
    processed = 0
    started = time.monotonic()
    while time.monotonic() - started < time_budget_seconds:
        plant_ids = sorted(set(ReadinessMark.objects.values_list("plant_id", flat=True).distinct().order_by()))
        if not plant_ids:
            break
        for plant_id in plant_ids:
            processed += _drain_plant(plant_id)
    return processed


def _drain_plant(plant_id: int) -> int:
    with transaction.atomic():
        state = _lock_state(plant_id)
        marks = list(
            ReadinessMark.objects.filter(plant_id=plant_id)
            .order_by("id")
            .values_list("id", "employee_id", "course_id")[:DRAIN_BATCH]
        )
        if not marks:
            return 0
        plant = Plant.objects.get(pk=plant_id)
        _recompute_marked_locked(
            plant=plant,
            state=state,
            employee_ids={e for _id, e, _c in marks},
            certifications_only=all(course_id is not None for _id, _e, course_id in marks),
        )
        _delete_marks([mark_id for mark_id, _e, _c in marks])
    logger.info("readiness: plant %s recomputed for %d marks", plant.code, len(marks))
    return len(marks)


def plants_due_for_new_day() -> list[int]:
    """Active plants whose current tables describe a day that is no longer their local today."""
    states = dict(ReadinessState.objects.values_list("plant_id", "on_date"))
    return [plant.id for plant in Plant.objects.filter(is_active=True) if states.get(plant.id) != plant.local_today()]


def snapshot_store(*, plant_id: int, on_date: datetime.date) -> None:
    """Compute and upsert the line and plant snapshots of D from raw data (current tables untouched)."""
    params = statement_params(plant_id=plant_id, on_date=on_date)
    with transaction.atomic():
        line_snapshots_upsert(ON_THE_FLY_CTES, params, line_filter="")
        plant_snapshot_upsert(ON_THE_FLY_CTES, params)


def snapshots_backfill(*, plant_id: int, days: int = 90, today: datetime.date | None = None) -> int:
    """Snapshots of the `days` days before today, then a full recompute for today (e.g. after a demo seed)."""
    plant = Plant.objects.get(pk=plant_id)
    today = today or plant.local_today()
    for offset in range(days, 0, -1):
        snapshot_store(plant_id=plant_id, on_date=today - datetime.timedelta(days=offset))
    plant_recompute(plant_id=plant_id, on_date=today)
    return days + 1


def all_plants_recompute(*, parallel: int | None = None) -> list[int]:
    """Every active plant, fully, for its local today: what the nightly reconcile's per-plant tasks do.

    Plants are independent (a lock and a transaction each), so on PostgreSQL they run on
    `parallel` connections at once (default: the CPU count, as a worker's concurrency would run
    the reconcile's tasks); on SQLite or inside a caller's transaction, one after another.
    """
    plant_ids = list(Plant.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
    workers = min(parallel or os.cpu_count() or 1, len(plant_ids))
    if connection.vendor != "postgresql" or connection.in_atomic_block or workers <= 1:
        for plant_id in plant_ids:
            plant_recompute(plant_id=plant_id)
        return plant_ids

    def recompute(plant_id: int) -> None:
        try:
            plant_recompute(plant_id=plant_id)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rollup") as pool:
        list(pool.map(recompute, plant_ids))  # re-raises the first failure
    return plant_ids
