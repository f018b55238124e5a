"""Recompute readiness synchronously and print a summary per line.

    manage.py rollup_readiness                      # every active plant, its local today
    manage.py rollup_readiness --plant SY
    manage.py rollup_readiness --plant SY --date 2026-06-30

Today's figures replace the current roll-up tables and today's snapshots; another
date only stores that date's line and plant snapshots (the current tables stay).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.readiness.recompute import plant_recompute, snapshot_store
from employees.models import Plant


class Command(BaseCommand):
    help = "Recompute readiness roll-ups and print a summary per line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plant", help="plant code (default: every active plant)")
        parser.add_argument("--date", help="YYYY-MM-DD (default: each plant's local today)")

    def handle(self, *args: object, plant: str | None, date: str | None, **options: object) -> None:
        plants = Plant.objects.filter(is_active=True).order_by("code")
        if plant:
            plants = Plant.objects.filter(code=plant)
            if not plants.exists():
                raise CommandError(f"no plant with code {plant!r}")
        try:
            on_date = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, got {date!r}") from None
        for target in plants:
            day = on_date or target.local_today()
            if day == target.local_today():
                plant_recompute(plant_id=target.id, on_date=day)
            else:
                snapshot_store(plant_id=target.id, on_date=day)
            self._summary(target, day)

    def _summary(self, plant: Plant, day: datetime.date) -> None:
        from assessments.models import LineSnapshot, PlantSnapshot

        snapshot = PlantSnapshot.objects.get(plant=plant, on_date=day)
        self.stdout.write(
            f"{plant.code} {day.isoformat()}: {snapshot.qualified}/{snapshot.headcount} qualified "
            f"({_pct(snapshot.readiness)}), expiring 30/60/90: "
            f"{snapshot.expiring_30}/{snapshot.expiring_60}/{snapshot.expiring_90}, gaps {snapshot.gaps}"
        )
        for line in LineSnapshot.objects.filter(plant=plant, on_date=day).select_related("line").order_by("line__code"):
            self.stdout.write(
                f"  {line.line.code:<10} {line.qualified:>5}/{line.headcount:<5} {_pct(line.readiness):>7}  "
                f"stations covered {line.stations_covered}/{line.stations}, single points {line.single_points}, "
                f"gaps {line.gaps}"
            )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
