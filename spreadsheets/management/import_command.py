"""The one command behind import_organisation, import_catalog, import_employees and import_results."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from employees.models import Plant
from spreadsheets.engine import import_run, importer_for


class ImportCommand(BaseCommand):
    """Preview the file, print every row's fate, and import all or nothing (exit 1 and write nothing on errors)."""

    kind: str

    @property
    def help(self) -> str:  # type: ignore[override]
        return f"Import {importer_for(self.kind).title} from an .xlsx file (see the README for the columns)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=".xlsx file")
        parser.add_argument("--plant", help="plant code: rows of any other plant are errors")
        parser.add_argument("--dry-run", action="store_true", help="print the preview, write nothing")
        parser.add_argument(
            "--user", help="act as this user (their plants and rights apply); default: the operator, all plants"
        )

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: options["user"]}).first()
            if user is None:
                raise CommandError(f"unknown user {options['user']}")
        plant = None
        if options["plant"]:
            plant = Plant.objects.filter(code=options["plant"]).first()
            if plant is None:
                raise CommandError(f"unknown plant {options['plant']}")
        preview = import_run(
            kind=self.kind, path=path, user=user, plant=plant, commit=not options["dry_run"], filename=path.name
        )
        self.stdout.write(preview.as_text())
        if not preview.ok:
            raise CommandError(f"{len(preview.errors)} error(s): nothing was imported")
        self.stdout.write("dry run: nothing written" if options["dry_run"] else "imported")
