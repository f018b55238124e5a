"""DOMAIN.md's Worked example 2 on the line and plant pages: stations x shifts on line L2 (T1 on shifts A and
B, each a single point of failure, 1 trainer of 1 needed, covered; on 2027-03-31 shift B at 0, not covered),
qualified and qualified confirmed; from the roll-up's tables and computed for ?date= alike."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from assessments.readiness.recompute import plant_recompute
from tests.assessments.conftest import W2_TODAY, W2_WINDOW_CLOSED
from tests.assessments.readiness.test_dashboards import coverage_rows

pytestmark = pytest.mark.django_db

DECEMBER_1 = {
    "T1": ([("A", "1 / 1", "covered", True), ("B", "1 / 1", "covered", True)], "0", "1 of 1 needed", "Covered")
}
MARCH_31 = {
    "T1": ([("A", "1 / 1", "covered", True), ("B", "0 / 1", "zero", False)], "0", "1 of 1 needed", "Not covered")
}


def _text(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


@pytest.fixture
def manager_client(client: Client, manager) -> Client:
    client.force_login(manager)
    return client


def _header(page: str) -> tuple[str, str, str]:
    return (
        page.split('id="line-readiness">')[1].split("<")[0],
        page.split('id="link-qualified">')[1].split("<")[0],
        page.split('id="line-confirmed">')[1].split("<")[0],
    )


def test_the_line_page_shows_stations_by_shift_from_the_roll_up(worked_example_2, manager_client) -> None:
    plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_TODAY)

    page = _text(manager_client.get("/dashboard/plants/SY/lines/L2/"))

    assert coverage_rows(page) == DECEMBER_1
    assert '<th scope="col" class="text-center">Shift A</th><th scope="col" class="text-center">Shift B</th>' in page
    assert _header(page) == ("50.0%", "2 of 4 qualified", "Readiness confirmed 25.0%: 1 of 4 qualified, confirmed")
    assert "counting no provisional pass" in page

    plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_WINDOW_CLOSED)
    page = _text(manager_client.get("/dashboard/plants/SY/lines/L2/"))
    assert coverage_rows(page) == MARCH_31
    assert _header(page)[1:] == ("1 of 4 qualified", "Readiness confirmed 25.0%: 1 of 4 qualified, confirmed")


def test_the_line_page_computes_them_for_a_date(worked_example_2, manager_client) -> None:
    before = _text(manager_client.get(f"/dashboard/plants/SY/lines/L2/?date={W2_TODAY.isoformat()}"))
    after = _text(manager_client.get(f"/dashboard/plants/SY/lines/L2/?date={W2_WINDOW_CLOSED.isoformat()}"))

    assert coverage_rows(before) == DECEMBER_1
    assert coverage_rows(after) == MARCH_31
    assert _header(before)[1:] == ("2 of 4 qualified", "Readiness confirmed 25.0%: 1 of 4 qualified, confirmed")
    # The cells link to the station's list, keeping the page's date.
    assert (
        '<a class="text-reset" href="/dashboard/plants/SY/figures/stations/?line=L2&amp;station=T1&amp;'
        'date=2027-03-31">0 / 1</a>' in after
    )


def _line_row(page: str) -> str:
    return page.split('<tr data-line="L2">')[1].split("</tr>")[0]


def _weak(page: str) -> str:
    return page.split('id="weak-stations"')[1].split("</table>")[0]


@pytest.mark.parametrize("stored", [True, False])
def test_the_plant_page_shows_both_figures_and_the_shifts_at_risk(worked_example_2, manager_client, stored) -> None:
    if stored:
        plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_TODAY)
        before = _text(manager_client.get("/dashboard/plants/SY/"))
        plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_WINDOW_CLOSED)
        after = _text(manager_client.get("/dashboard/plants/SY/"))
    else:
        before = _text(manager_client.get(f"/dashboard/plants/SY/?date={W2_TODAY.isoformat()}"))
        after = _text(manager_client.get(f"/dashboard/plants/SY/?date={W2_WINDOW_CLOSED.isoformat()}"))

    row = _line_row(before)
    assert re.sub(r"<[^>]+>", "", row.split('line-qualified">')[1].split("</td>")[0]) == "2 / 4"
    assert '<td class="text-end line-qualified-confirmed">1 / 4</td>' in row
    assert "qualified 50.0%" in row and "confirmed 25.0%" in row  # the SOP outlook of each
    assert 'sop-status">At risk' in row and 'sop-status-confirmed">Confirmed at risk' in row
    assert "Single point: shift A, shift B" in _weak(before)
    assert "Short:" not in _weak(before)

    weak = _weak(after)
    assert "Not covered" in weak
    assert "Short: shift B (0 / 1)" in weak
    assert "Single point: shift A" in weak
    assert '<td class="text-end line-qualified-confirmed">1 / 4</td>' in _line_row(after)


def _gap_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(employee, course, state, date) of each row of a gaps list."""
    rows = re.findall(r'<tr data-employee="([^"]+)" data-course="([^"]+)">(.*?)</tr>', page)
    found = []
    for employee, course, cells in rows:
        texts = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        found.append((employee, course, texts[-2], texts[-1]))
    return sorted(found)


def test_the_gaps_list_says_why_each_is_a_gap(worked_example_2, manager_client) -> None:
    # From the roll-up on 2026-12-01: Q holds L where U is needed (valid, so never "expired"), S never passed.
    plant_recompute(plant_id=worked_example_2["plant"].id, on_date=W2_TODAY)
    page = _text(manager_client.get("/dashboard/plants/SY/figures/gaps/"))
    assert _gap_rows(page) == [("Q", "BAT-MOD-010", "Level below", "–"), ("S", "BAT-MOD-010", "In progress", "–")]
    # Computed for the day R's window has closed: R's virtual pass has lapsed.
    page = _text(manager_client.get("/dashboard/plants/SY/figures/gaps/", {"date": W2_WINDOW_CLOSED.isoformat()}))
    assert _gap_rows(page) == [
        ("Q", "BAT-MOD-010", "Level below", "–"),
        ("R", "BAT-MOD-010", "Provisional pass lapsed", "–"),
        ("S", "BAT-MOD-010", "In progress", "–"),
    ]
