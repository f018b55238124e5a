"""Section 10 (`--sections reminders`): the expiry reminder job of issue #19.

The daily job of every plant of the dataset (20 plants, 100,000 employees at full scale) for one plant-local
day that is not a Monday: notifications.services.runs.plant_run (decide the reminders of each rung, write the
in-app notifications and the email outbox) and notifications.services.outbox.outbox_send (render and send
every email). Sending goes to Django's locmem email backend (no SMTP server in the bench: the figure is the
job's own work, not a mail server's). The dataset has a manager and a trainer per plant and no supervisor:
this section adds a plant-wide supervisor per plant and one supervisor per line (SupervisedLine), so every
certification on a rung has readers; all in one transaction rolled back at the end. The bare reference, in
the same run: one raw SQL counting the certifications of active employees whose expiry is on a rung.

A second row (INFO) runs the same job on the following Monday: the reminders of that day plus every plant
manager's weekly digest (expiring in 30 days, stations losing coverage, gaps without a planned session).

Target (issue #19, full scale): the daily job for the whole dataset <= 60 s.
"""

from __future__ import annotations

import datetime

from bench.harness import FeatureMissing, Report, Row, judge, timed
from bench.sections.common import feature

SECTION = "10"


class _Rollback(Exception):
    """Raised at the end of the section's transaction: nothing it wrote stays."""


def _supervisors() -> int:
    """A plant-wide supervisor per plant and one per line (users made in the rolled-back transaction)."""
    from django.contrib.auth import get_user_model

    from employees.models import Plant, PlantMembership, PlantRole, ProductionLine
    from notifications.models import SupervisedLine

    user_model = get_user_model()
    plants = list(Plant.objects.filter(is_active=True))
    lines = list(ProductionLine.objects.filter(plant__is_active=True))
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"bench-sup-{p.code.lower()}", email=f"sup-{p.code.lower()}@bench.invalid")
            for p in plants
        ]
        + [user_model(username=f"bench-sup-{line.id}", email=f"sup-{line.id}@bench.invalid") for line in lines]
    )
    plant_wide, line_users = users[: len(plants)], users[len(plants) :]
    PlantMembership.objects.bulk_create(
        [PlantMembership(user=u, plant=p, role=PlantRole.SUPERVISOR) for u, p in zip(plant_wide, plants, strict=True)]
        + [
            PlantMembership(user=u, plant_id=line.plant_id, role=PlantRole.SUPERVISOR)
            for u, line in zip(line_users, lines, strict=True)
        ]
    )
    SupervisedLine.objects.bulk_create(
        [SupervisedLine(user=u, line=line) for u, line in zip(line_users, lines, strict=True)]
    )
    return len(users)


def _bare(day_of: dict[int, datetime.date], rungs: list[int]) -> float:
    from django.db import connection

    from assessments.models import Certification
    from employees.models import Employee

    dates = sorted({day + datetime.timedelta(days=rung) for day in day_of.values() for rung in rungs})
    sql = (
        f"SELECT e.plant_id, c.expires_on, count(*) FROM {Certification._meta.db_table} c "
        f"JOIN {Employee._meta.db_table} e ON e.id = c.employee_id "
        f"WHERE e.status = 'active' AND c.certified_on IS NOT NULL AND c.expires_on = ANY(%s) "
        f"GROUP BY e.plant_id, c.expires_on"
    )

    def read() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, [dates])
            return len(cursor.fetchall())

    return timed(read)[0]


def _job(plants, day_of) -> dict:
    from notifications.services.outbox import outbox_send
    from notifications.services.runs import plant_run

    totals = {"reminders": 0, "notifications": 0, "emails": 0, "digests": 0}
    for plant in plants:
        result = plant_run(plant=plant, on_date=day_of[plant.id])
        for key in totals:
            totals[key] += getattr(result, key)
    totals["sent"] = outbox_send()
    return totals


def reminder_figures(report: Report, *, quick: bool) -> None:
    try:
        feature("notifications.services.runs", "plant_run")
    except FeatureMissing as missing:
        report.skip(SECTION, "expiry reminders", f"not available yet: {missing}")
        return
    from django.core import mail
    from django.db import transaction
    from django.test.utils import override_settings

    from employees.models import Plant
    from notifications.models import DEFAULT_RUNGS, rungs_parse

    plants = list(Plant.objects.filter(is_active=True).order_by("code"))
    days = {}
    for plant in plants:
        day = plant.local_today()
        days[plant.id] = day + datetime.timedelta(days=1) if day.isoweekday() == 1 else day
    mondays = {pid: day + datetime.timedelta(days=(8 - day.isoweekday()) % 7 or 7) for pid, day in days.items()}
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            mail.outbox = []
            readers = _supervisors()
            bare_ms = _bare(days, rungs_parse(DEFAULT_RUNGS))
            daily_ms, daily = timed(lambda: _job(plants, days))
            daily_outbox = len(mail.outbox)
            monday_ms, monday = timed(lambda: _job(plants, mondays))
            raise _Rollback
    except _Rollback:
        pass
    report.add(
        Row(
            SECTION,
            f"reminder job, {len(plants)} plants, one day (locmem email)",
            daily_ms / 1000,
            unit="s",
            reference=bare_ms / 1000,
            reference_name="bare SQL count of the certifications on a rung",
            target="<= 60 s",
            status=judge(daily_ms / 1000, limit=60.0, quick=quick),
            note=f"{daily['reminders']:,} reminders, {daily['notifications']:,} in-app notifications, "
            f"{daily['emails']:,} emails written and {daily['sent']:,} sent ({daily_outbox:,} in the locmem outbox); "
            f"{readers:,} supervisors added",
        )
    )
    report.add(
        Row(
            SECTION,
            f"reminder job with the weekly digests, {len(plants)} plants, a Monday (locmem email)",
            monday_ms / 1000,
            unit="s",
            note=f"{monday['reminders']:,} reminders, {monday['digests']:,} digests, {monday['sent']:,} emails sent",
        )
    )
