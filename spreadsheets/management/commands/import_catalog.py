from __future__ import annotations

from spreadsheets.management.import_command import ImportCommand


class Command(ImportCommand):
    kind = "catalog"
