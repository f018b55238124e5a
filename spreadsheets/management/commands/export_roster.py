from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from employees.models import Plant, ProductionLine
from spreadsheets.services import roster_export_write


class Command(BaseCommand):
    help = "Write a plant's roster workbook (Roster, Matrix, Expiring, Courses) to an .xlsx file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plant", required=True, help="plant code, e.g. SY")
        parser.add_argument("--line", help="one line's code")
        parser.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx file to write")

    def handle(self, *args: object, **options: object) -> None:
        plant = Plant.objects.filter(code=options["plant"]).first()
        if plant is None:
            raise CommandError(f"unknown plant {options['plant']}")
        line = None
        if options["line"]:
            line = ProductionLine.objects.filter(plant=plant, code=options["line"]).first()
            if line is None:
                raise CommandError(f"unknown line {options['line']} at plant {plant.code}")
        output: Path = options["output"]
        if output.suffix.lower() != ".xlsx":
            raise CommandError("the output file must end in .xlsx")
        count = roster_export_write(plant=plant, line=line, requester=None, target=output)
        self.stdout.write(f"{output}: {count} employees")
