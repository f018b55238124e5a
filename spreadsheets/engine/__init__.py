"""The Excel engine shared by every import (its public names, from the modules that define them).

- files.py: an uploaded file is inspected as a zip *before* openpyxl parses a byte of it (size,
  macro parts, encryption, zip bomb, DTDs), then opened in read-only mode (bounded memory) with
  data_only=False so formulas are seen as formulas. openpyxl parses XML through defusedxml when it
  is installed (openpyxl.DEFUSEDXML), a second line of defence behind the DTD scan.
- cells.py: cells are normalised here once (trim incl. full-width spaces, NFKC for codes, dates
  from real dates, Excel serials or text); header_key matches headers to column keys.
- previews.py: SheetSpec/Column describe a sheet; a Preview reports every bad cell of every row
  (sorted in reading order) as a RowError naming the sheet, row, column and reason, each message
  kept as its code and parameters (certtrack/translatable.py) so a stored preview shows in the
  language of whoever reads it.
- reader.py: WorkbookReader reads the sheets an importer describes, row by row.
- importing.py: importers (spreadsheets/importers/: employees.py, courses.py, assessments.py)
  implement plan(); import_run() is the one entry point for the browser, the Celery job and the
  commands.
- tables.py: import templates and error lists.

Writing lives in certtrack/xlsx.py (app-free, so lower apps' exports use it too): write-only
workbooks; every text cell is forced to a string cell so a value beginning with "=", "+", "-" or
"@" can never become a formula.
"""

from __future__ import annotations

from spreadsheets.engine.cells import CellError, clean_code, clean_text, header_key
from spreadsheets.engine.files import SpreadsheetRejected, inspect_upload, open_workbook
from spreadsheets.engine.importing import (
    IMPORTERS,
    Importer,
    User,
    changes_between,
    import_run,
    importer_for,
    unused_code,
)
from spreadsheets.engine.previews import (
    PREVIEW_LIST_LIMIT,
    Column,
    ParsedRow,
    Preview,
    PreviewRow,
    RowError,
    SheetSpec,
)
from spreadsheets.engine.reader import WorkbookReader

__all__ = [
    "IMPORTERS",
    "CellError",
    "Column",
    "Importer",
    "ParsedRow",
    "Preview",
    "PreviewRow",
    "RowError",
    "SheetSpec",
    "SpreadsheetRejected",
    "User",
    "WorkbookReader",
    "changes_between",
    "clean_code",
    "clean_text",
    "header_key",
    "import_run",
    "importer_for",
    "inspect_upload",
    "open_workbook",
    "unused_code",
    "PREVIEW_LIST_LIMIT",
]
