"""Create an API token for a user and print it once (only its hash is stored)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.tokens import api_token_create


class Command(BaseCommand):
    help = "Create a bearer token for the read-only API and print it (it cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'BI export'")

    def handle(self, *args: object, username: str, name: str, **options: object) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        _api_token, token = api_token_create(user=user, name=name)
        self.stdout.write(token)
