"""Create an API token for a user and print it once (only its hash is stored)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from api.tokens import api_token_create
from assessments.models import TokenScope
from employees.models import Plant


class Command(BaseCommand):
    help = "Create a bearer token for the API and print it (it cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'MES line 1'")
        parser.add_argument(
            "--scope",
            action="append",
            choices=TokenScope.values,
            dest="scopes",
            help="what it may do; repeat for several (default: read)",
        )
        parser.add_argument(
            "--plant", action="append", dest="plants", default=[], help="limit it to a plant (code); repeat for several"
        )
        parser.add_argument("--expires-days", type=int, default=None, help="valid for this many days (default: no end)")

    def handle(self, *args: object, username: str, name: str, scopes, plants, expires_days, **options: object) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        found = {plant.code: plant for plant in Plant.objects.filter(code__in=plants)}
        unknown = sorted(set(plants) - set(found))
        if unknown:
            raise CommandError(f"no plant {', '.join(unknown)}")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more")
        expires_at = timezone.now() + datetime.timedelta(days=expires_days) if expires_days else None
        _api_token, token = api_token_create(
            user=user, name=name, scopes=scopes or [TokenScope.READ], plants=found.values(), expires_at=expires_at
        )
        self.stdout.write(token)
