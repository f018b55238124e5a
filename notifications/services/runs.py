"""A plant's daily reminder run (issue #19): decide the reminders and digests of a plant-local day, write
them (with the in-app notifications and the emails to send) in one transaction, once.

Why a run can never send twice: the run row (plant, local date) is unique and locked while its work is
written, so a second worker (or the same job queued twice) waits for the first and then finds it done;
below that, each Reminder is unique per (certification, expiry, rung) and each Digest per (manager, plant,
ISO week), so even a run forced again for the same day writes nothing it wrote before. Emails are written
here and sent afterwards by outbox.outbox_send: a stopped SMTP server leaves them pending, never lost.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from assessments.models import Certification
from employees.models import EmployeeStatus, Plant
from notifications.models import (
    DEFAULT_RUNGS,
    Digest,
    EmailMessage,
    Notification,
    NotificationKind,
    PlantRun,
    Reminder,
    ReminderLadder,
    rungs_parse,
)
from notifications.selectors import unread_count_forget
from notifications.services.digests import digest_figures, digest_render
from notifications.services.recipients import plant_recipients, readers, required_courses_of

logger = logging.getLogger(__name__)

RUN_FROM_HOUR = 6  # plant-local: a plant's reminders go out from 06:00


def plants_due(*, now: datetime.datetime) -> list[tuple[Plant, datetime.date]]:
    """The active plants whose local time is 06:00 or later and whose run of their local today is not done,
    each with that local date."""
    done = {
        (plant_id, day)
        for plant_id, day in PlantRun.objects.filter(
            finished_at__isnull=False, local_date__gte=(now - datetime.timedelta(days=1)).date()
        ).values_list("plant_id", "local_date")
    }
    due = []
    for plant in Plant.objects.filter(is_active=True):
        local = now.astimezone(plant.tz)
        if local.hour >= RUN_FROM_HOUR and (plant.id, local.date()) not in done:
            due.append((plant, local.date()))
    return due


def ladder_of(*, plant: Plant) -> list[int]:
    """The plant's rungs (days before expiry, largest first), the default ladder without a row of its own."""
    ladder = ReminderLadder.objects.filter(plant=plant).first()
    return ladder.rung_list if ladder else rungs_parse(DEFAULT_RUNGS)


@dataclass(frozen=True)
class RunResult:
    plant_code: str
    on_date: datetime.date
    done_before: bool
    reminders: int = 0
    notifications: int = 0
    emails: int = 0
    digests: int = 0


def plant_run(*, plant: Plant, on_date: datetime.date | None = None) -> RunResult:
    """Decide and write the plant's reminders (and, on the plant's Monday, the managers' digests) for its
    local date D, once; send nothing (outbox.outbox_send does)."""
    on_date = on_date or plant.local_today()
    with transaction.atomic():
        run, _created = PlantRun.objects.get_or_create(plant=plant, local_date=on_date)
        run = PlantRun.objects.select_for_update().get(pk=run.pk)
        if run.finished_at is not None:
            return RunResult(plant.code, on_date, done_before=True)
        reminders, notifications, emails = _reminders_write(plant=plant, on_date=on_date)
        digests = 0
        if on_date.isoweekday() == 1:
            digests = _digests_write(plant=plant, on_date=on_date)
        run.finished_at = timezone.now()
        run.reminders = reminders
        run.digests = digests
        run.save(update_fields=["finished_at", "reminders", "digests"])
    logger.info("plant_run %s %s: %s reminders, %s digests", plant.code, on_date, reminders, digests)
    return RunResult(plant.code, on_date, False, reminders, notifications, emails, digests)


CATCH_UP_DAYS = 7  # days without a run (a whole day's outage) whose rungs the next run still sends


def _rungs_due(*, plant: Plant, on_date: datetime.date) -> dict[datetime.date, int]:
    """Expiry date -> rung to remind of on D: D's rungs, and those of the days since the plant's last done run
    (at most CATCH_UP_DAYS back; none before its first run, so a new installation does not flood). Where two
    days give one expiry date, the later day's (smaller) rung wins."""
    rungs = ladder_of(plant=plant)
    last = (
        PlantRun.objects.filter(plant=plant, finished_at__isnull=False, local_date__lt=on_date)
        .order_by("-local_date")
        .values_list("local_date", flat=True)
        .first()
    )
    first_day = on_date
    if last is not None:
        first_day = max(last + datetime.timedelta(days=1), on_date - datetime.timedelta(days=CATCH_UP_DAYS))
    due: dict[datetime.date, int] = {}
    day = first_day
    while day <= on_date:
        for rung in rungs:
            due[day + datetime.timedelta(days=rung)] = rung
        day += datetime.timedelta(days=1)
    return due


def _reminders_write(*, plant: Plant, on_date: datetime.date) -> tuple[int, int, int]:
    """Reminders of the certifications whose expiry is D + a rung; their notifications and emails.

    A certification renewed before a rung has a later expires_on, so the old expiry's later rungs never
    match again (and outbox_send drops a pending email's renewed lines)."""
    rung_of_expiry = _rungs_due(plant=plant, on_date=on_date)
    hits = list(
        Certification.objects.filter(
            employee__plant=plant,
            employee__status=EmployeeStatus.ACTIVE,
            certified_on__isnull=False,
            expires_on__in=list(rung_of_expiry),
        ).values_list(
            "id",
            "expires_on",
            "course_id",
            "course__safety_critical",
            "employee__line_id",
            "employee__role_id",
            "employee__station_id",
        )
    )
    if not hits:
        return 0, 0, 0
    already = set(
        Reminder.objects.filter(plant=plant, expires_on__in=list(rung_of_expiry)).values_list(
            "certification_id", "expires_on", "rung"
        )
    )
    fresh = [hit for hit in hits if (hit[0], hit[1], rung_of_expiry[hit[1]]) not in already]
    # The constraint is the guard; the read above only spares a failed insert when the day was written already.
    created = Reminder.objects.bulk_create(
        [
            Reminder(
                certification_id=hit[0], plant=plant, expires_on=hit[1], rung=rung_of_expiry[hit[1]], on_date=on_date
            )
            for hit in fresh
        ],
        batch_size=2000,
    )
    recipients = plant_recipients(plant=plant, on_date=on_date)
    # Rung 0 (on expiry) tells the plant manager too; a caught-up day's rung 0 is an expiry before D.
    critical_on_expiry = {hit[2] for hit in fresh if hit[3] and rung_of_expiry[hit[1]] == 0}
    plant_wide, by_role, by_station = (
        required_courses_of(plant=plant, course_ids=critical_on_expiry) if critical_on_expiry else (set(), {}, {})
    )
    told: dict[int, list[int]] = defaultdict(list)  # user id -> reminder ids
    for reminder, (_cid, expires_on, course_id, critical, line_id, role_id, station_id) in zip(
        created, fresh, strict=True
    ):
        users = recipients.supervisors_of(line_id) | recipients.trainers_by_course.get(course_id, set())
        if (
            critical
            and rung_of_expiry[expires_on] == 0
            and (
                course_id in plant_wide
                or course_id in by_role.get(role_id, ())
                or course_id in by_station.get(station_id, ())
            )
        ):
            users |= recipients.managers
        for user_id in users:
            told[user_id].append(reminder.pk)
    people = readers(user_ids=set(told))
    notifications = [
        Notification(user_id=user_id, kind=NotificationKind.REMINDER, reminder_id=reminder_id)
        for user_id, reminder_ids in told.items()
        if user_id in people and people[user_id].in_app
        for reminder_id in reminder_ids
    ]
    Notification.objects.bulk_create(notifications, batch_size=5000)
    transaction.on_commit(lambda: unread_count_forget(user_ids=list(told)))
    # A run forced again for the day adds its new reminders to the reader's email of the day (one per
    # user, plant and day): still pending, it carries them; already sent, the in-app list still shows them.
    email_of = dict(
        EmailMessage.objects.filter(
            plant=plant, kind=NotificationKind.REMINDER, on_date=on_date, user_id__in=list(told)
        ).values_list("user_id", "id")
    )
    emails = EmailMessage.objects.bulk_create(
        [
            EmailMessage(
                user_id=user_id,
                plant=plant,
                kind=NotificationKind.REMINDER,
                on_date=on_date,
                to=people[user_id].user.email,
                language=people[user_id].language,
            )
            for user_id in told
            if user_id in people and people[user_id].email and user_id not in email_of
        ]
    )
    email_of.update({email.user_id: email.pk for email in emails})
    links = EmailMessage.reminders.through
    links.objects.bulk_create(
        [
            links(emailmessage_id=email_id, reminder_id=reminder_id)
            for user_id, email_id in email_of.items()
            for reminder_id in told[user_id]
        ],
        batch_size=5000,
    )
    return len(created), len(notifications), len(emails)


def _digests_write(*, plant: Plant, on_date: datetime.date) -> int:
    """The weekly digest of each of the plant's managers who takes it: figures once, rendered per reader."""
    recipients = plant_recipients(plant=plant, on_date=on_date)
    people = {uid: reader for uid, reader in readers(user_ids=recipients.managers).items() if reader.digest}
    iso_year, iso_week, _day = on_date.isocalendar()
    done = set(
        Digest.objects.filter(plant=plant, iso_year=iso_year, iso_week=iso_week, user_id__in=list(people)).values_list(
            "user_id", flat=True
        )
    )
    people = {uid: reader for uid, reader in people.items() if uid not in done}
    if not people:
        return 0
    figures = digest_figures(plant=plant, on_date=on_date)
    for user_id, reader in people.items():
        digest = Digest.objects.create(
            user_id=user_id,
            plant=plant,
            iso_year=iso_year,
            iso_week=iso_week,
            on_date=on_date,
            expiring=len(figures.expiring),
            stations=len(figures.stations),
            gaps=figures.gap_count,
        )
        if reader.in_app:
            Notification.objects.create(user_id=user_id, kind=NotificationKind.DIGEST, digest=digest)
            transaction.on_commit(lambda user_id=user_id: unread_count_forget(user_ids=[user_id]))
        if reader.email:
            subject, body, unsubscribe_url = digest_render(figures=figures, reader=reader, plant=plant)
            EmailMessage.objects.create(
                user_id=user_id,
                plant=plant,
                kind=NotificationKind.DIGEST,
                on_date=on_date,
                digest=digest,
                to=reader.user.email,
                language=reader.language,
                subject=subject,
                body=body,
                unsubscribe_url=unsubscribe_url,
            )
    return len(people)
