"""The write-only cell helpers: every value reads back with its type, format and style, styled or not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
from openpyxl.styles import Font, PatternFill

from certtrack.xlsx import DATE_FORMAT, new_sheet, new_workbook, text_cell, value_cell

FILL = PatternFill("solid", fgColor="C6EFCE")


def _write_and_read(tmp_path, build) -> list:
    book = new_workbook()
    sheet = new_sheet(book, "S")
    for row in build(sheet):
        sheet.append(row)
    path = tmp_path / "cells.xlsx"
    book.save(path)
    return list(openpyxl.load_workbook(path)["S"].iter_rows())


def test_unstyled_values_keep_their_types(tmp_path) -> None:
    rows = _write_and_read(
        tmp_path,
        lambda sheet: [
            [
                text_cell(sheet, "plain"),
                text_cell(sheet, "=SUM(A1)"),
                text_cell(sheet, "+86 Bo"),
                text_cell(sheet, 42),
                text_cell(sheet, ""),
                text_cell(sheet, "bad\x07char"),
            ],
            [
                value_cell(sheet, 7),
                value_cell(sheet, 2.5),
                value_cell(sheet, True),
                value_cell(sheet, Decimal("1.25")),
                value_cell(sheet, dt.date(2026, 3, 1)),
                value_cell(sheet, dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)),
                value_cell(sheet, None),
                value_cell(sheet, "=1+1"),
            ],
        ],
    )
    texts, values = rows
    assert [(c.value, c.data_type) for c in texts[:4]] == [
        ("plain", "s"),
        ("=SUM(A1)", "s"),  # text, never a formula
        ("+86 Bo", "s"),
        ("42", "s"),
    ]
    assert texts[4].value is None
    assert texts[5].value == "badchar"
    assert [c.value for c in values[:4]] == [7, 2.5, True, 1.25]
    assert [c.data_type for c in values[:4]] == ["n", "n", "b", "n"]
    assert values[4].value == dt.datetime(2026, 3, 1) and values[4].number_format == DATE_FORMAT
    assert values[5].value == dt.datetime(2026, 3, 1, 8, 30) and values[5].number_format == "yyyy-mm-dd hh:mm"
    assert values[6].value is None
    assert (values[7].value, values[7].data_type) == ("=1+1", "s")


def test_styled_cells_share_styles_without_mixing_them(tmp_path) -> None:
    bold = Font(bold=True)
    rows = _write_and_read(
        tmp_path,
        lambda sheet: [
            [
                value_cell(sheet, dt.date(2026, 1, 2), fill=FILL),
                value_cell(sheet, dt.date(2026, 1, 3), fill=FILL),
                value_cell(sheet, 0.5, number_format="0.0%"),
                text_cell(sheet, "head", font=bold, fill=FILL),
                text_cell(sheet, "missing", fill=FILL),
                value_cell(sheet, 3),
            ]
        ],
    )
    (row,) = rows
    first, second, percent, head, missing, plain = row
    for cell in (first, second):
        assert cell.is_date and cell.number_format == DATE_FORMAT and cell.fill.fgColor.rgb.endswith("C6EFCE")
    assert (first.value, second.value) == (dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 3))
    assert percent.value == 0.5 and percent.number_format == "0.0%" and not percent.fill.fill_type
    assert head.font.b and head.fill.fgColor.rgb.endswith("C6EFCE")
    assert not missing.font.b and missing.fill.fgColor.rgb.endswith("C6EFCE") and missing.number_format == "General"
    assert plain.value == 3 and plain.number_format == "General" and not plain.fill.fill_type
