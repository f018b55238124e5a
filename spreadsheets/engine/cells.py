"""Cell normalisation: trim (incl. full-width spaces), NFKC for codes, dates from real dates, Excel serials or
text; each parser raises CellError with the reason; header_key matches a header to a column key.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from openpyxl.utils.datetime import from_excel

from certtrack.translatable import gettext as _

TEXT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
TRUE_WORDS = {"1", "true", "yes", "y", "x", "pass", "passed", "ok", "是", "合格", "通过"}
FALSE_WORDS = {"0", "false", "no", "n", "fail", "failed", "否", "不合格", "未通过"}
# Spaces Excel users paste in: NBSP, full-width (ideographic) space, zero-width space, BOM.
EDGE_SPACES = " \t\r\n\u00a0\u3000\u200b\ufeff"


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
