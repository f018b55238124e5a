from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devdata.scale import ScaleDataRefused, ScaleSpec, certification_mismatches, generate_scale_data


class Command(BaseCommand):
    help = (
        "Fill an EMPTY, dedicated PostgreSQL database with a large realistic dataset for benchmarks and load tests "
        "(plants, lines, stations, requirements, employees, users, assessments, certifications). "
        "Deterministic for a seed; refuses SQLite and any database that already holds plants or employees."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plants", type=int, default=20)
        parser.add_argument("--employees", type=int, default=100_000)
        parser.add_argument("--courses", type=int, default=250, help="catalog courses plus plant-owned ones")
        parser.add_argument("--assessments", type=int, default=5_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--password",
            default="certtrack-scale-bench",
            help="password of the generated users (manager-<plant>, trainer-<plant>, hr-<plant>)",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="latest date a result may carry (YYYY-MM-DD; default: today in the earliest plant time zone)",
        )
        parser.add_argument(
            "--verify", type=int, default=200, help="certifications to check against validity.py (0: none)"
        )

    def handle(self, *args: object, **options: object) -> None:
        for name in ("plants", "employees", "courses", "assessments"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        if options["employees"] < options["plants"]:
            raise CommandError("--employees must be at least --plants")
        spec = ScaleSpec(
            plants=options["plants"],
            employees=options["employees"],
            courses=options["courses"],
            assessments=options["assessments"],
            seed=options["seed"],
            password=options["password"],
            today=options["today"],
        )
        try:
            result = generate_scale_data(spec=spec, progress=self._progress)
        except ScaleDataRefused as refused:
            raise CommandError(str(refused)) from None
        if options["verify"]:
            problems = certification_mismatches(sample=options["verify"], seed=spec.seed)
            if problems:
                raise CommandError("certifications disagree with validity.py:\n" + "\n".join(problems[:20]))
            self.stdout.write(f"verified {options['verify']} certifications against validity.py")
        self.stdout.write(self.style.SUCCESS(f"timings (s): {result.timings}"))
        self.stdout.write(f"users (password from --password): {', '.join(result.usernames[:6])} ...")

    def _progress(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
