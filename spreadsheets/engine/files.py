"""Opening an uploaded file safely: inspected as a zip before openpyxl parses a byte of it
(size, macro parts, encryption, zip bomb, DTDs), then opened read-only with formulas kept as formulas.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings

from certtrack.translatable import gettext as _

OLE_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # encrypted OOXML and legacy .xls both use it
ZIP_MAGIC = b"PK\x03\x04"
# Only members larger than this are held to the compression-ratio limit: tiny XML parts
# (styles, rels) legitimately compress 50:1 and prove nothing.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
# A DTD must come before the root element, so the head of each part is where one can hide.
DTD_SCAN_BYTES = 64 * 1024


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
    except Exception as exc:  # openpyxl raises anything from KeyError to ParseError on junk
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
