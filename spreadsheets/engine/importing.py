"""Importers and the one entry point: an importer describes its sheets and implements plan(); import_run() is
the one entry point for the browser, the Celery job and the commands, all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from pathlib import Path
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from assessments.models import AuditAction
from assessments.services.audit import audit_event_create
from spreadsheets.engine.cells import clean_text
from spreadsheets.engine.files import SpreadsheetRejected, inspect_upload, open_workbook
from spreadsheets.engine.previews import Preview, SheetSpec
from spreadsheets.engine.reader import WorkbookReader

User = AbstractBaseUser | None  # None: the command-line operator (full rights)


class Importer:
    """One kind of import. Subclasses describe their sheets and implement plan().

    plan() reads and validates every row, fills the preview, and returns a
    function that writes everything; import_run() calls it only when the preview
    has no errors, inside the same transaction as the planning reads.
    """

    kind: ClassVar[str]
    title: ClassVar[str | Promise]
    sheets: ClassVar[tuple[SheetSpec, ...]]
    uses_plant: ClassVar[bool] = True  # the upload form offers a plant choice

    @classmethod
    def allowed(cls, *, user: User) -> bool:
        raise NotImplementedError

    @classmethod
    def plants(cls, *, user: User) -> Any:
        """The plants the user may import this kind for (a queryset)."""
        raise NotImplementedError

    @classmethod
    def template_choices(cls, *, user: User) -> dict[str, list[str]]:
        """Drop-down lists of the template read from the database (column key: values), e.g. role codes.

        The first value also fills the template's example row where the column gives no example.
        """
        return {}

    @classmethod
    def template_examples(cls, *, user: User, plant: Any) -> dict[tuple[str, str], object]:
        """The template's example rows for the plant it is downloaded for ((sheet, column key): value), over the
        columns' own examples: the plant's real codes (line, station, course...) where a row must name them, and made-up
        keys nobody holds where a row creates or updates by key (an employee number, a line), so that copying
        the example can never overwrite a real person or line."""
        return {}

    def plan(self, reader: WorkbookReader, *, user: User, plant: Any | None, preview: Preview) -> Callable[[], None]:
        raise NotImplementedError


IMPORTERS: dict[str, str] = {
    "organisation": "spreadsheets.importers.organisation.OrganisationImporter",
    "employees": "spreadsheets.importers.employees.EmployeeImporter",
    "catalog": "spreadsheets.importers.courses.CatalogImporter",
    "results": "spreadsheets.importers.assessments.ResultImporter",
}


def unused_code(base: str, taken: Iterable[str]) -> str:
    """`base`, or base2, base3... : the first that is not taken (a made-up key for a template's example row)."""
    taken = set(taken)
    number = 1
    code = base
    while code in taken:
        number += 1
        code = f"{base}{number}"
    return code


def importer_for(kind: str) -> type[Importer]:
    if kind not in IMPORTERS:
        raise KeyError(kind)
    return import_string(IMPORTERS[kind])


def import_run(
    *,
    kind: str,
    path: Path,
    user: User,
    plant: Any | None = None,
    commit: bool = False,
    filename: str = "",
    progress: Callable[[int], None] | None = None,
    ip_address: str | None = None,
) -> Preview:
    """Preview (commit=False) or import (commit=True) a file: all or nothing.

    The plan is recomputed on commit, inside the transaction, so a confirm
    always acts on the database as it is then, not as it was at preview time.
    """
    importer = importer_for(kind)()
    preview = Preview(kind=kind)
    try:
        inspect_upload(path, filename=filename)
        with open_workbook(path) as book, transaction.atomic() if commit else nullcontext():
            reader = WorkbookReader(book, progress=progress)
            apply = importer.plan(reader, user=user, plant=plant, preview=preview)
            preview.sort_errors(reader.layout)
            if commit and preview.ok:
                apply()
                preview.committed = True
                _audit_import(preview, user=user, plant=plant, ip_address=ip_address)
    except SpreadsheetRejected as rejected:
        preview.error("", 0, "", rejected.message)
    return preview


def _audit_import(preview: Preview, *, user: User, plant: Any | None, ip_address: str | None) -> None:
    counts = preview.counts()
    audit_event_create(
        actor=user,
        action=AuditAction.IMPORT_COMMITTED,
        params={"import_kind": preview.kind, **{n: counts[n] for n in ("created", "updated", "unchanged", "skipped")}},
        plant_id=getattr(plant, "pk", None),
        changes={"kind": preview.kind, "counts": counts},
        ip_address=ip_address,
    )


def changes_between(obj: object, values: dict[str, Any]) -> dict[str, list[str]]:
    """{field: [old, new]} for the values that differ from obj's (as display strings)."""
    changed = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [_display(old), _display(new)]
    return changed


def _display(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "code"):
        return str(value.code)
    return clean_text(value)
