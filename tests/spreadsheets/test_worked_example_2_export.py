"""DOMAIN.md's Worked example 2 in the roster workbook: the skills matrix's level cells and the roster's
qualified / qualified_confirmed, from the stored certifications (the plant's today) and computed for a date."""

from __future__ import annotations

import datetime as dt

import pytest

from employees.models import Plant
from spreadsheets.exports.roster import (
    FILL_EXPIRED,
    FILL_LEVEL_BELOW,
    FILL_LEVEL_I,
    FILL_LEVEL_O,
    FILL_LEVEL_U,
    roster_workbook_write,
)
from tests.assessments.conftest import W2_TODAY, W2_WINDOW_CLOSED, worked_example_2  # noqa: F401 (a fixture)
from tests.spreadsheets.helpers import open_back

pytestmark = pytest.mark.django_db


def _export(tmp_path, plant, on_date, monkeypatch, *, today):
    """The workbook for D, with the plant's today pinned: on today it reads the stored certifications."""
    monkeypatch.setattr(Plant, "local_today", lambda self: today)
    path = tmp_path / f"roster-{on_date}-{today}.xlsx"
    roster_workbook_write(plant=plant, on_date=on_date, target=path)
    return open_back(path)


def _cells(book):
    matrix = book["Matrix"]
    headers = [c.value for c in matrix[3]]
    return {row[0].value: {headers[i]: row[i] for i in range(4, len(headers))} for row in matrix.iter_rows(min_row=4)}


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:]


def _roster(book):
    rows = [[c.value for c in row] for row in book["Roster"].iter_rows()]
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "computed"])
def test_it_shows_worked_example_2_on_2026_12_01(tmp_path, worked_example_2, monkeypatch, stored) -> None:  # noqa: F811
    today = W2_TODAY if stored else dt.date(2027, 1, 1)
    book = _export(tmp_path, worked_example_2["plant"], W2_TODAY, monkeypatch, today=today)

    cells = _cells(book)
    mod = {name: cells[name]["BAT-MOD-010"] for name in "PQRS"}
    assert (mod["P"].value, _fill(mod["P"])) == ("O no expiry", FILL_LEVEL_O.fgColor.rgb[-6:])
    assert (mod["Q"].value, _fill(mod["Q"])) == ("L: level below U", FILL_LEVEL_BELOW.fgColor.rgb[-6:])
    assert (mod["R"].value, _fill(mod["R"])) == ("U* no expiry", FILL_LEVEL_U.fgColor.rgb[-6:])
    assert (mod["S"].value, _fill(mod["S"])) == ("in progress", FILL_LEVEL_I.fgColor.rgb[-6:])
    hv = cells["P"]["HV-001"]  # theory and a classroom practical on 2026-09-01, valid 12 months: U
    assert (hv.value, _fill(hv)) == ("U 2027-09-01", FILL_LEVEL_U.fgColor.rgb[-6:])
    legend = [c.value for c in book["Matrix"][2]]
    assert legend[-1] == "* provisional: virtual-model pass, counts until L2 2027-03-31"

    roster = _roster(book)
    assert {n: (r["Qualified"], r["Qualified confirmed"], r["Met"]) for n, r in roster.items()} == {
        "P": ("yes", "yes", 2),
        "Q": ("no", "no", 1),
        "R": ("yes", "no", 2),
        "S": ("no", "no", 1),
    }


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "computed"])
def test_it_shows_r_provisional_pass_lapsed_once_the_window_closes(
    tmp_path,
    worked_example_2,  # noqa: F811
    monkeypatch,
    stored,
) -> None:
    today = W2_WINDOW_CLOSED if stored else W2_TODAY
    book = _export(tmp_path, worked_example_2["plant"], W2_WINDOW_CLOSED, monkeypatch, today=today)

    r = _cells(book)["R"]["BAT-MOD-010"]
    assert (r.value, _fill(r)) == ("provisional lapsed", FILL_EXPIRED.fgColor.rgb[-6:])
    assert _cells(book)["P"]["BAT-MOD-010"].value == "O no expiry"
    assert [c.value for c in book["Matrix"][2]][-1] == "* provisional: virtual-model pass, counts until -"
    roster = _roster(book)
    assert [n for n, r in roster.items() if r["Qualified"] == "yes"] == ["P"]
