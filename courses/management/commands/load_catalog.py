from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.services import CATALOG_PATH, catalog_load


class Command(BaseCommand):
    help = "Load the company course catalog (courses/catalog/catalog.toml). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=CATALOG_PATH, help="catalog TOML file")

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = catalog_load(path=options["file"])
        except (OSError, ValidationError, KeyError, ValueError) as exc:
            raise CommandError(f"catalog not loaded: {exc}") from exc
        self.stdout.write(
            f"process areas: {result.areas}\njob roles: {result.roles}\ncourses: {result.courses}\n"
            f"role requirements created: {result.requirements_created}\n"
            f"checklist revisions published: {result.checklists_published}"
        )
