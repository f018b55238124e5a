from __future__ import annotations

from certtrack.management.import_command import ImportCommand


class Command(ImportCommand):
    kind = "results"
