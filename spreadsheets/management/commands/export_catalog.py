from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spreadsheets.exports.catalog import catalog_workbook_write


class Command(BaseCommand):
    help = "Write the course catalog (Courses, Requirements, Checklists) to an .xlsx file that import_catalog reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx file to write")

    def handle(self, *args: object, **options: object) -> None:
        output: Path = options["output"]
        if output.suffix.lower() != ".xlsx":
            raise CommandError("the output file must end in .xlsx")
        count = catalog_workbook_write(target=output)
        self.stdout.write(f"{output}: {count} courses")
