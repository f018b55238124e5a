from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from devdata.demo.services import DEFAULT_DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = (
        "Seed the demo plants SY and DE: lines, stations, employees, requirements, demo users and "
        "18 months of assessment history. Idempotent; the history is seeded only into a plant without assessments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help=f"password of every demo user (default: $DEMO_PASSWORD, else {DEFAULT_DEMO_PASSWORD!r})",
        )
        parser.add_argument(
            "--base-url", default="http://localhost:8000", help="the site's address, to print the terminal's link"
        )

    def handle(self, *args: object, **options: object) -> None:
        password = options["password"] or os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        try:
            result = demo_seed(password=password)
        except ValidationError as exc:
            raise CommandError(f"demo not seeded: {' '.join(exc.messages)}") from exc
        if result.catalog_loaded:
            self.stdout.write("course catalog loaded (it was empty)")
        for plant in result.plants:
            history = (
                f"{plant.assessments_created} assessments of history seeded"
                if plant.history_seeded
                else "history kept (the plant already has assessments)"
            )
            self.stdout.write(
                f"plant {plant.code} {plant.name}: {plant.lines} lines, {plant.stations} stations, "
                f"{plant.employees} employees ({plant.employees_created} created); {history}"
            )
            levels = ", ".join(f"{level} {count}" for level, count in plant.levels.items())
            self.stdout.write(
                f"  practical passes by level: {levels}; {plant.checklists_marked} checklists marked; "
                f"{plant.provisional_passes} provisional (virtual-model) passes"
            )
        for code, count in result.planned_sessions.items():
            if count:
                self.stdout.write(
                    f"plant {code}: {count} sessions planned for people with gaps (/planning/{code}/sessions/)"
                )
        self.stdout.write("\ndemo users (all with the same password):")
        for username, description in result.users:
            self.stdout.write(f"  {username:<12} {description}")
        self.stdout.write(f"password: {result.password}")
        if not result.terminal_token:
            return
        link = options["base_url"].rstrip("/") + reverse("gate:terminal-pair", kwargs={"token": result.terminal_token})
        self.stdout.write(f"\nline-side terminal {result.terminal}: open this pairing link on the tablet")
        self.stdout.write(f"(once, within 24 hours; run seed_demo again for a fresh one): {link}")
