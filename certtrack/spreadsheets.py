"""The Excel engine shared by every import and export.

Reading: an uploaded file is inspected as a zip *before* openpyxl parses a byte
of it (size, macro parts, encryption, zip bomb, DTDs), then opened in read-only
mode (bounded memory) with data_only=False so formulas are seen as formulas.
Cells are normalised here once (trim incl. full-width spaces, NFKC for codes,
dates from real dates, Excel serials or text) and every problem becomes a
RowError naming the sheet, row, column and reason. openpyxl parses XML through
defusedxml when it is installed (openpyxl.DEFUSEDXML), a second line of defence
behind the DTD scan.

Writing: write-only workbooks; every text cell is forced to a string cell so a
value beginning with "=", "+", "-" or "@" can never become a formula.

Importers (employees/imports.py, courses/imports.py, assessments/imports.py)
describe their sheets with SheetSpec/Column and implement plan(); import_run()
is the one entry point for the browser, the Celery job and the commands. A
preview reports every bad cell of every row (sorted in reading order), each
message kept as its code and parameters (certtrack/translatable.py) so a stored
preview shows in the language of whoever reads it. Templates, error lists and
simple tables are written by certtrack/spreadsheet_tables.py.
"""

from __future__ import annotations

import copy
import datetime
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, ClassVar
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.filters import AutoFilter

from certtrack.translatable import Translatable, as_data, from_data
from certtrack.translatable import gettext as _

OLE_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # encrypted OOXML and legacy .xls both use it
ZIP_MAGIC = b"PK\x03\x04"
# Only members larger than this are held to the compression-ratio limit: tiny XML parts
# (styles, rels) legitimately compress 50:1 and prove nothing.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
# A DTD must come before the root element, so the head of each part is where one can hide.
DTD_SCAN_BYTES = 64 * 1024
MAX_CELL_CHARS = 32767  # Excel's own limit
PROGRESS_EVERY_ROWS = 500

TEXT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
TRUE_WORDS = {"1", "true", "yes", "y", "x", "pass", "passed", "ok", "是", "合格", "通过"}
FALSE_WORDS = {"0", "false", "no", "n", "fail", "failed", "否", "不合格", "未通过"}
# Spaces Excel users paste in: NBSP, full-width (ideographic) space, zero-width space, BOM.
EDGE_SPACES = " \t\r\n\u00a0\u3000\u200b\ufeff"

User = AbstractBaseUser | None  # None: the command-line operator (full rights)


class SpreadsheetRejected(Exception):
    """The whole file is refused (not a row): a clear message, nothing read, nothing written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Opening a file safely -----------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def inspect_upload(path: Path, *, filename: str = "") -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx, before parsing it."""
    if filename and filename.lower().endswith((".xlsm", ".xltm", ".xlam")):
        raise SpreadsheetRejected(_("Macro-enabled workbooks (.xlsm) are not accepted. Save the file as .xlsx."))
    if filename and not filename.lower().endswith(".xlsx"):
        raise SpreadsheetRejected(_("Only Excel .xlsx files are accepted."))
    size = path.stat().st_size
    if size > settings.UPLOAD_MAX_BYTES:
        raise SpreadsheetRejected(
            _("The file is larger than the %(limit)s MB upload limit.") % {"limit": _mb(settings.UPLOAD_MAX_BYTES)}
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_CFB_MAGIC):
        raise SpreadsheetRejected(
            _(
                "This file is password-protected (or an old .xls workbook). "
                "Remove the password and save it as an .xlsx workbook."
            )
        )
    if not head.startswith(ZIP_MAGIC):
        raise SpreadsheetRejected(_("This is not an Excel .xlsx file."))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SpreadsheetRejected(_("This is not an Excel .xlsx file.")) from exc
    with archive:
        _inspect_archive(archive)


def _inspect_archive(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetRejected(_("This is not an Excel .xlsx file."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise SpreadsheetRejected(_("Macro-enabled workbooks (.xlsm) are not accepted. Save the file as .xlsx."))
    # Python's zipfile never inflates a member past its declared size (it fails the CRC
    # instead), so the directory's sizes are a real bound on what parsing can allocate.
    total = sum(info.file_size for info in infos)
    limit = settings.IMPORT_MAX_UNCOMPRESSED_MB * 1024 * 1024
    if total > limit:
        raise SpreadsheetRejected(
            _("The workbook expands to more than %(limit)s MB; it is refused as a possible zip bomb.")
            % {"limit": settings.IMPORT_MAX_UNCOMPRESSED_MB}
        )
    for info in infos:
        if info.file_size > RATIO_CHECK_MIN_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > settings.IMPORT_MAX_COMPRESSION_RATIO
        ):
            raise SpreadsheetRejected(
                _("The workbook is compressed %(ratio)s:1, far beyond any real spreadsheet; refused as a zip bomb.")
                % {"ratio": info.file_size // max(info.compress_size, 1)}
            )
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types:
        raise SpreadsheetRejected(_("Macro-enabled workbooks (.xlsm) are not accepted. Save the file as .xlsx."))
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(info) as member:
            head = member.read(DTD_SCAN_BYTES)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise SpreadsheetRejected(
                _("The workbook contains XML entity declarations (%(part)s); such files are refused.")
                % {"part": info.filename}
            )


@contextmanager
def open_workbook(path: Path) -> Iterator[openpyxl.Workbook]:
    """Open an inspected file read-only; formulas stay visible (data_only=False)."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises anything from KeyError to ParseError on junk
        raise _unreadable(exc) from exc
    try:
        yield book
    except (DefusedXmlException, ParseError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # Read-only sheets are parsed lazily, while the rows are read.
        raise _unreadable(exc) from exc
    finally:
        book.close()


def _unreadable(exc: BaseException) -> SpreadsheetRejected:
    if isinstance(exc, DefusedXmlException) or isinstance(exc.__cause__, DefusedXmlException):
        return SpreadsheetRejected(_("The workbook contains XML entity declarations; such files are refused."))
    return SpreadsheetRejected(_("The file could not be read as an Excel workbook."))


# --- Cell normalisation ----------------------------------------------------------------


def clean_text(value: object) -> str:
    """A cell as trimmed text: numbers without a spurious ".0", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value).strip(EDGE_SPACES)


def clean_code(value: object) -> str:
    """Codes and employee numbers: full-width digits and letters folded to ASCII (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", clean_text(value)).strip(EDGE_SPACES)


class CellError(ValueError):
    pass


def parse_int(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("a whole number is expected"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(_("a whole number is expected"))
    text = clean_code(value)
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text)) if "." in text else int(text)
    raise CellError(_("a whole number is expected, not %(value)r") % {"value": text})


def parse_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("a number is expected"))
    text = clean_code(value) if isinstance(value, str) else str(value)
    if not text:
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as exc:
        raise CellError(_("a number is expected, not %(value)r") % {"value": text}) from exc


def parse_date(value: object) -> datetime.date | None:
    """A real date, an Excel serial number, or text as YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or YYYY年M月D日."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError(_("a date is expected"))
    if isinstance(value, int | float):
        # 1 = 1900-01-01 ... 2958465 = 9999-12-31 in Excel's 1900 date system.
        if not 1 <= value <= 2958465:
            raise CellError(_("%(value)s is not a date") % {"value": value})
        converted = from_excel(value)
        return converted.date() if isinstance(converted, datetime.datetime) else converted
    text = clean_code(value)
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return parse_date(float(text))
    for fmt in TEXT_DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise CellError(
        _("%(value)r is not a date (use YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or an Excel date)") % {"value": text}
    )


def parse_bool(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = clean_code(value).lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("yes or no is expected, not %(value)r") % {"value": text})


def parse_version(value: object) -> str:
    """A version typed as a number keeps its decimals: 3.0 stays "3.0"."""
    return str(value) if isinstance(value, float) else clean_code(value)


PARSERS: dict[str, Callable[[object], object]] = {
    "text": clean_text,
    "version": parse_version,
    "code": clean_code,
    "int": parse_int,
    "decimal": parse_decimal,
    "date": parse_date,
    "bool": parse_bool,
}


def header_key(value: object) -> str:
    """'Employee No.' / 'employee_no' / 'EMPLOYEE-NO' all match employee_no."""
    text = clean_code(value).lower()
    text = re.sub(r"[\s\-./()%]+", "_", text).strip("_")
    return text


# --- Describing sheets ---------------------------------------------------------------------


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


# --- Reading rows -------------------------------------------------------------------------------


class WorkbookReader:
    """Reads the sheets an importer describes from an open read-only workbook."""

    def __init__(self, book: openpyxl.Workbook, *, progress: Callable[[int], None] | None = None) -> None:
        self.book = book
        self.progress = progress
        self.rows_read = 0
        self.layout: SheetLayout = {}  # of the sheets read, for Preview.sort_errors

    def find_sheet(self, spec: SheetSpec) -> Any | None:
        wanted = {n.lower() for n in (spec.name, *spec.also_named)}
        for title in self.book.sheetnames:
            if title.strip().lower() in wanted:
                return self.book[title]
        if spec.fallback_first and self.book.sheetnames:
            return self.book[self.book.sheetnames[0]]
        return None

    def read(self, spec: SheetSpec, preview: Preview) -> list[ParsedRow]:
        """Every non-blank data row of the sheet, parsed; problems go to preview.errors.

        Returns [] when the sheet itself is unusable (missing, wrong headers, merged
        cells, too many rows): those are reported once, not per row.
        """
        sheet = self.find_sheet(spec)
        if sheet is None:
            if spec.required:
                preview.error(spec.name, 0, "", _("The workbook has no sheet named %(name)s.") % {"name": spec.name})
            return []
        name = sheet.title
        merged = _merged_ranges(sheet)
        if merged:
            preview.error(
                name,
                0,
                "",
                _("Merged cells are not allowed (%(ranges)s). Unmerge them and fill every cell.")
                % {"ranges": ", ".join(merged[:5])},
            )
            return []
        rows = sheet.iter_rows()
        header_cells = next(rows, ())
        positions = self._match_headers(spec, name, header_cells, preview)
        if positions is None:
            return []
        self.layout[name] = (self.book.sheetnames.index(name), positions)
        parsed: list[ParsedRow] = []
        seen_keys: dict[tuple, int] = {}
        max_rows = settings.IMPORT_MAX_ROWS
        for cells in rows:
            if not cells or all(_is_blank(c.value) for c in cells):
                continue  # blank rows are skipped, wherever they are
            if len(parsed) >= max_rows:
                preview.error(
                    name, 0, "", _("The sheet has more than %(max)s rows; split the file.") % {"max": max_rows}
                )
                return []
            row_number = cells[0].row
            row = self._parse_row(spec, name, row_number, cells, positions, preview)
            if spec.key and row.ok:
                key = tuple(row.values.get(k) for k in spec.key)
                if key in seen_keys:
                    preview.error(
                        name,
                        row_number,
                        spec.key[0],
                        _("%(key)s appears twice in the file (rows %(first)s and %(row)s).")
                        % {"key": " / ".join(str(k) for k in key if k), "first": seen_keys[key], "row": row_number},
                    )
                    row.ok = False
                else:
                    seen_keys[key] = row_number
            parsed.append(row)
            self.rows_read += 1
            if self.progress is not None and self.rows_read % PROGRESS_EVERY_ROWS == 0:
                self.progress(self.rows_read)
        if not parsed and spec.required:
            preview.warnings.append(
                _(
                    "The sheet %(sheet)s has no rows below its headers: there is nothing to import. "
                    "(A template's example sheet is never imported.)"
                )
                % {"sheet": name}
            )
        return parsed

    @staticmethod
    def _match_headers(spec: SheetSpec, sheet: str, header_cells: Sequence, preview: Preview) -> dict[str, int] | None:
        positions: dict[str, int] = {}
        unknown = []
        for index, cell in enumerate(header_cells):
            header = header_key(cell.value)
            if not header:
                continue
            column = next((c for c in spec.columns if c.matches(header)), None)
            if column is None:
                if header not in spec.ignored:
                    unknown.append(clean_text(cell.value))
            elif column.key in positions:
                preview.error(sheet, 1, column.key, _("The column %(column)s appears twice.") % {"column": column.key})
                return None
            else:
                positions[column.key] = index
        missing = [c.key for c in spec.columns if c.required and c.key not in positions]
        if missing:
            preview.error(
                sheet,
                1,
                "",
                _("Missing column(s): %(missing)s. The first row must hold the headers: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": ", ".join(c.key for c in spec.columns)},
            )
            return None
        if unknown:
            preview.warnings.append(
                _("%(sheet)s: column(s) %(columns)s are not used and were ignored.")
                % {"sheet": sheet, "columns": ", ".join(unknown)}
            )
        return positions

    @staticmethod
    def _parse_row(
        spec: SheetSpec, sheet: str, row_number: int, cells: Sequence, positions: dict[str, int], preview: Preview
    ) -> ParsedRow:
        """Every cell of the row: each bad one is reported (the row goes on to its next cell)."""
        row = ParsedRow(sheet=sheet, row=row_number, values={})
        for column in spec.columns:
            index = positions.get(column.key)
            cell = cells[index] if index is not None and index < len(cells) else None
            try:
                row.values[column.key] = _cell_value(column, cell)
            except CellError as exc:
                preview.error(sheet, row_number, column.key, exc.args[0])  # the message itself, code and all
                row.ok = False
                row.bad.add(column.key)
        return row


def _cell_value(column: Column, cell: Any) -> object:
    """The cell's value for the column, or CellError saying what is wrong with it."""
    raw = cell.value if cell is not None else None
    data_type = getattr(cell, "data_type", None)
    if data_type == "f":
        raise CellError(_("a formula is not allowed here; paste the values instead"))
    if data_type == "e":
        raise CellError(_("the cell holds an error value (%(v)s)") % {"v": raw})
    value = PARSERS[column.kind](raw)
    if column.required and (value is None or value == ""):
        raise CellError(_("a value is required"))
    if value is not None and not _in_bounds(value, column):
        raise CellError(_("must be between %(min)s and %(max)s") % {"min": column.min_value, "max": column.max_value})
    if column.max_length and isinstance(value, str) and len(value) > column.max_length:
        raise CellError(_("longer than %(max)s characters") % {"max": column.max_length})
    return value


def _in_bounds(value: object, column: Column) -> bool:
    if not isinstance(value, int | Decimal) or isinstance(value, bool):
        return True
    return (column.min_value is None or value >= column.min_value) and (
        column.max_value is None or value <= column.max_value
    )


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(EDGE_SPACES))


def _merged_ranges(sheet: Any) -> list[str]:
    """Merged ranges of a read-only sheet.

    Read-only worksheets do not expose merged cells, so the sheet part is streamed
    once more (defusedxml's iterparse, elements cleared: bounded memory).
    """
    from openpyxl.xml.functions import iterparse

    ranges = []
    source = sheet._get_source()  # ReadOnlyWorksheet's own way to reach its XML part
    try:
        for _event, element in iterparse(source, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                ranges.append(element.get("ref", "?"))
            elif tag == "row":
                element.clear()
    finally:
        source.close()
    return ranges


# --- Importers and the one entry point ---------------------------------------------------------


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
    "organisation": "employees.imports.OrganisationImporter",
    "employees": "employees.imports.EmployeeImporter",
    "catalog": "courses.imports.CatalogImporter",
    "results": "assessments.imports.ResultImporter",
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
    from assessments.models import AuditAction
    from assessments.services import audit_event_create

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


# --- Writing ---------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="343A40")
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"


def new_workbook() -> openpyxl.Workbook:
    """A write-only workbook: rows stream to temp files, memory stays flat whatever the size."""
    return openpyxl.Workbook(write_only=True)


def new_sheet(book: openpyxl.Workbook, title: str, *, widths: Sequence[float] = (), freeze: str | None = None) -> Any:
    """A write-only sheet; widths and frozen panes must be set before the first row is written."""
    sheet = book.create_sheet(title=title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        sheet.freeze_panes = freeze
    sheet.auto_filter = AutoFilter()
    return sheet


def set_autofilter(sheet: Any, *, first_row: int, columns: int, last_row: int) -> None:
    if columns and last_row >= first_row:
        sheet.auto_filter = AutoFilter(ref=f"A{first_row}:{get_column_letter(columns)}{last_row}")


def text_cell(sheet: Any, value: object, **style: Any) -> WriteOnlyCell | str | None:
    """A cell that is text whatever it starts with: '=SUM(A1)', '+86...', '-x', '@x' stay text.

    Without a style, text that openpyxl would store as text anyway (all but a leading "=") is
    returned as the plain string: the write-only sheet writes it through one reused cell
    instead of a new cell object per value (a large export writes ~100,000 of them).
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))[:MAX_CELL_CHARS]
    if not style and not text.startswith("="):
        return text or None
    cell = WriteOnlyCell(sheet, value=None)
    if text:
        cell._value = text  # bypass type guessing, which would turn a leading "=" into a formula
        cell.data_type = "s"
    return _style(cell, style)


def value_cell(sheet: Any, value: object, **style: Any) -> WriteOnlyCell | int | float | str | None:
    """Dates as real Excel dates, numbers as numbers, everything else as forced text.

    Unstyled numbers and booleans are returned as plain values (see text_cell).
    """
    if value is None:
        return None if not style else _style(WriteOnlyCell(sheet, value=None), style)
    if isinstance(value, bool | int | float) and not style:
        return value
    if isinstance(value, datetime.datetime):
        return _typed_cell(sheet, value.replace(tzinfo=None), "d", "yyyy-mm-dd hh:mm", style)
    if isinstance(value, datetime.date):
        return _typed_cell(sheet, value, "d", DATE_FORMAT, style)
    if isinstance(value, bool):
        return _typed_cell(sheet, value, "b", None, style)
    if isinstance(value, int | float):
        return _typed_cell(sheet, value, "n", None, style)
    if isinstance(value, Decimal):
        return _typed_cell(sheet, float(value), "n", None, style)
    return text_cell(sheet, value, **style)


def _typed_cell(
    sheet: Any, value: object, data_type: str, number_format: str | None, style: dict[str, Any]
) -> WriteOnlyCell:
    """A cell of a value whose type value_cell checked: openpyxl's type guessing is skipped."""
    cell = WriteOnlyCell(sheet, value=None)
    cell._value = value
    cell.data_type = data_type
    return _style(cell, style, number_format=number_format)


def _style(cell: WriteOnlyCell, style: dict[str, Any], *, number_format: str | None = None) -> WriteOnlyCell:
    """Apply a number format and font/fill/alignment/... to a cell, once per combination and workbook.

    Setting a style hashes the style object to find it in the workbook's style lists (openpyxl
    recomputes that hash every time): a third of a large export. The resulting style indices of a
    combination are kept on the workbook (with the style objects, so their IDs stay theirs) and copied.
    """
    if not style and number_format is None:
        return cell
    cache = cell.parent.parent.__dict__.setdefault("_certtrack_styles", {})
    key = (number_format, *((name, id(value)) for name, value in style.items()))
    cached = cache.get(key)
    if cached is None:
        if number_format is not None:
            cell.number_format = number_format
        for name, value in style.items():
            setattr(cell, name, value)
        cache[key] = (copy.copy(cell._style), tuple(style.values()))
    else:
        cell._style = copy.copy(cached[0])
    return cell


def header_row(sheet: Any, titles: Sequence[str]) -> list[WriteOnlyCell]:
    return [
        text_cell(sheet, title, font=HEADER_FONT, fill=HEADER_FILL, alignment=Alignment(vertical="center"))
        for title in titles
    ]


def workbook_write(
    *, stream: IO[bytes], sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]
) -> None:
    """Write simple (title, headers, rows) sheets to a stream in write-only mode: memory stays flat.

    Used by list exports such as the audit log; headers bold and frozen, every text a text cell.
    """
    book = new_workbook()
    for title, headers, rows in sheets:
        sheet = new_sheet(book, title[:31], freeze="A2")
        sheet.append([text_cell(sheet, header, font=Font(bold=True)) for header in headers])
        for row in rows:
            sheet.append([value_cell(sheet, value) for value in row])
    book.save(stream)
