from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from employees.models import Station
from gate import services
from gate.models import Terminal


class Command(BaseCommand):
    help = (
        "Create a line-side terminal bound to one station (or, with --repair, a new pairing link for an existing "
        "one) and print its one-time pairing link (valid 24 hours; a new link replaces the previous one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plant", required=True, help="plant code, e.g. SY")
        parser.add_argument("--line", required=True, help="line code, e.g. PACK1")
        parser.add_argument("--station", required=True, help="station code, e.g. S010")
        parser.add_argument("--name", required=True, help='the terminal\'s name, e.g. "S010 tablet"')
        parser.add_argument(
            "--base-url", default="http://localhost:8000", help="the site's address, to print a full link"
        )
        parser.add_argument(
            "--repair", action="store_true", help="the terminal of that name at that station exists: new link only"
        )

    def handle(self, *args: object, **options: object) -> None:
        station = (
            Station.objects.select_related("line__plant")
            .filter(line__plant__code=options["plant"], line__code=options["line"], code=options["station"])
            .first()
        )
        if station is None:
            raise CommandError(f"no station {options['plant']}/{options['line']}/{options['station']}")
        try:
            if options["repair"]:
                terminal = Terminal.objects.filter(station=station, name=options["name"]).first()
                if terminal is None:
                    raise CommandError(f"no terminal {options['name']!r} at that station")
            else:
                terminal = services.terminal_create(name=options["name"], station=station, created_by=None)
            token = services.terminal_pairing_token(terminal=terminal, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        link = options["base_url"].rstrip("/") + reverse("gate:terminal-pair", kwargs={"token": token})
        self.stdout.write(f"terminal {terminal.name!r} at {station.line.plant.code}/{station.line.code}/{station.code}")
        self.stdout.write(f"pairing link (once, within 24 hours): {link}")
