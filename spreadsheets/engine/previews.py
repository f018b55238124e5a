"""What an importer reads (SheetSpec, Column) and what an import would do or did (Preview and its rows and errors),
each message kept as its code and parameters (certtrack/translatable.py) so a stored preview shows in the
language of whoever reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from certtrack.translatable import Translatable, as_data, from_data


@dataclass(frozen=True)
class Column:
    key: str
    kind: str = "text"  # one of PARSERS
    required: bool = False  # the header must be present and every row needs a value
    help: str | Promise = ""
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    # Bounds of an int or decimal column (inclusive): out of range is an error of the cell.
    min_value: int | None = None
    max_value: int | None = None
    # The values a template offers in a drop-down list (other spellings an importer accepts still import).
    choices: tuple[str, ...] = ()
    example: object = None  # the value of the template's example row

    def matches(self, header: str) -> bool:
        return header == self.key or header in self.aliases

    @property
    def offered(self) -> tuple[str, ...]:
        """The template's drop-down list: the choices, or yes / no for a yes-no column."""
        return self.choices or (("yes", "no") if self.kind == "bool" else ())


@dataclass(frozen=True)
class SheetSpec:
    name: str  # the sheet's name in templates; read from the sheet of that name
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns whose values must be unique in the file
    required: bool = True  # a missing sheet is an error
    fallback_first: bool = True  # read the first sheet when none has the name
    also_named: tuple[str, ...] = ()  # other sheet names accepted (e.g. an export's "Roster")
    ignored: tuple[str, ...] = ()  # headers known to be extra (an export's computed columns): no warning


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # 0: the file or the header row
    column: str
    message: str  # a certtrack.translatable.Translatable when made here: stored as its code and parameters

    def __str__(self) -> str:
        where = f"{self.sheet} row {self.row}" if self.row else self.sheet
        return f"{where}{f' [{self.column}]' if self.column else ''}: {self.message}"

    def to_dict(self) -> dict:
        # "message" is the text as it was first rendered: what jobs stored before codes were kept.
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": str(self.message)} | (
            as_data(self.message) if isinstance(self.message, Translatable) else {}
        )

    @classmethod
    def from_dict(cls, data: dict) -> RowError:
        message = from_data(data) if "code" in data else data.get("message", "")
        return cls(sheet=data.get("sheet", ""), row=data.get("row", 0), column=data.get("column", ""), message=message)


@dataclass
class ParsedRow:
    sheet: str
    row: int
    values: dict[str, Any]  # the cells that parsed (a bad cell's column is missing)
    ok: bool = True
    bad: set[str] = field(default_factory=set)  # columns whose cell was reported bad

    def has(self, key: str) -> bool:
        """The cell holds a value, or held one that was reported bad (so "a value is needed" would say it twice)."""
        return key in self.bad or self.values.get(key) not in (None, "")


@dataclass(frozen=True)
class PreviewRow:
    sheet: str
    row: int
    label: str  # codes and numbers; a Translatable where it holds words (a result's kind): stored as its code
    changes: dict[str, list[str]] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "label": as_data(self.label) if isinstance(self.label, Translatable) else self.label,
            "changes": self.changes,
            "note": as_data(self.note) if self.note else "",
        }

    @classmethod
    def from_dict(cls, data: dict) -> PreviewRow:
        return cls(**{**data, "label": from_data(data.get("label", "")), "note": from_data(data.get("note", ""))})


# Entries kept per list in a stored preview; the counts are always complete. Errors are kept further
# (the error workbook lists them; the page shows the first PREVIEW_LIST_LIMIT).
PREVIEW_LIST_LIMIT = 1000
ERROR_LIST_LIMIT = 10000


@dataclass
class Preview:
    """What an import would do (or did): rows to create, update, leave unchanged, skip; errors."""

    kind: str
    created: list[PreviewRow] = field(default_factory=list)
    updated: list[PreviewRow] = field(default_factory=list)
    unchanged: list[PreviewRow] = field(default_factory=list)
    skipped: list[PreviewRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        # A Translatable stays one (it is stored as its code and parameters); anything else becomes text.
        self.errors.append(
            RowError(sheet=sheet, row=row, column=column, message=message if isinstance(message, str) else str(message))
        )

    def sort_errors(self, layout: SheetLayout) -> None:
        """Errors in reading order: the file's first, then by sheet (as the workbook orders them), row and column
        (as the sheet's header orders them); a row's errors without a column before its cells'."""

        def key(error: RowError) -> tuple[int, int, int]:
            sheet_index, columns = layout.get(error.sheet, (len(layout) if error.sheet else -1, {}))
            column_index = -1 if not error.column else columns.get(error.column, len(columns))
            return (sheet_index, error.row, column_index)

        self.errors.sort(key=key)

    def counts(self) -> dict[str, int]:
        if self.totals:
            return dict(self.totals)
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
            "errors": len(self.errors),
        }

    def to_dict(self) -> dict:
        limit = PREVIEW_LIST_LIMIT
        return {
            "kind": self.kind,
            "committed": self.committed,
            "counts": self.counts(),
            "warnings": [as_data(w) for w in self.warnings],
            "errors": [e.to_dict() for e in self.errors[:ERROR_LIST_LIMIT]],
            **{name: [r.to_dict() for r in getattr(self, name)[:limit]] for name in PREVIEW_LISTS},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Preview:
        preview = cls(
            kind=data.get("kind", ""),
            committed=data.get("committed", False),
            warnings=[from_data(w) for w in data.get("warnings", [])],
            errors=[RowError.from_dict(e) for e in data.get("errors", [])],
            **{name: [PreviewRow.from_dict(r) for r in data.get(name, [])] for name in PREVIEW_LISTS},
        )
        preview.totals = dict(data.get("counts", {}))
        return preview

    def as_text(self) -> str:
        counts = self.counts()
        lines = [
            f"{self.kind}: {counts['created']} to create, {counts['updated']} to update, "
            f"{counts['unchanged']} unchanged, {counts['skipped']} skipped, {counts['errors']} errors"
            + (" (committed)" if self.committed else "")
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        for name in ("created", "updated", "skipped"):
            for row in getattr(self, name):
                changes = ", ".join(f"{k}: {v[0]!r} → {v[1]!r}" for k, v in row.changes.items())
                extra = f" ({changes})" if changes else (f" ({row.note})" if row.note else "")
                lines.append(f"  {name}: {row.sheet} row {row.row}: {row.label}{extra}")
        lines += [f"  error: {e}" for e in self.errors]
        return "\n".join(lines)


PREVIEW_LISTS = ("created", "updated", "unchanged", "skipped")
# Per sheet title: its position in the workbook and the position of each column (by key) in its header.
SheetLayout = dict[str, tuple[int, dict[str, int]]]
