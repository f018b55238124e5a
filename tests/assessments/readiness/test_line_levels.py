"""The line's people x stations ILUO matrix (readiness:line-levels): DOMAIN.md's Worked example 2 on
2026-12-01 (P O, Q L below the U required, R U provisional until 2027-03-31, S I) and on 2027-03-31 (R's
virtual-model pass has lapsed: I), the shift filter, the outsider's 404, and a query count that does
not grow with people or stations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from assessments.selectors.levels import line_level_matrix
from assessments.services.result_rules import ResultInput
from assessments.services.results import assessments_record
from tests import factories
from tests.assessments.conftest import ALL_OK, W2_LAST_COUNTING_DAY, W2_TODAY, W2_WINDOW_CLOSED

pytestmark = pytest.mark.django_db

URL = "/dashboard/plants/SY/lines/L2/levels/"


def _cells(response) -> dict[str, tuple]:
    matrix = response.context["m"]
    return {
        row.employee.employee_no: tuple((c.mark, c.met, c.provisional, c.provisional_until) for c in row.cells)
        for row in matrix.rows
    }


@pytest.fixture
def manager_client(client: Client, manager) -> Client:
    client.force_login(manager)
    return client


def test_it_shows_worked_example_2_on_december_1(worked_example_2, manager_client) -> None:
    response = manager_client.get(URL, {"date": W2_TODAY.isoformat()})

    assert response.status_code == 200
    assert [s.code for s in response.context["m"].stations] == ["T1"]
    assert _cells(response) == {
        "P": (("O", True, False, None),),
        "Q": (("L", False, False, None),),  # valid at L, U required: shown as L, marked below
        "R": (("U", True, True, W2_WINDOW_CLOSED),),  # counts on the virtual model until SOP + 30 days
        "S": (("I", False, False, None),),  # attempted (critical item 3 not OK), not valid
    }
    html = response.content.decode()
    row_r = html[html.index('data-employee="R"') :]
    row_r = row_r[: row_r.index("</tr>")]
    assert 'data-mark="U" data-provisional' in row_r
    assert "U, provisional until 2027-03-31" in row_r  # the screen reader's text
    row_q = html[html.index('data-employee="Q"') :]
    assert "BAT-MOD-010: L, needs U" in row_q[: row_q.index("</tr>")]
    assert 'class="iluo iluo-O"' in html  # the quarter-circle glyph


@pytest.mark.parametrize(("on_date", "r_cell"), [(W2_LAST_COUNTING_DAY, "U"), (W2_WINDOW_CLOSED, "I")])
def test_r_drops_to_i_when_the_window_closes(worked_example_2, manager_client, on_date, r_cell) -> None:
    response = manager_client.get(URL, {"date": on_date.isoformat()})

    matrix = response.context["m"]
    r = next(row for row in matrix.rows if row.employee.employee_no == "R")
    assert r.cells[0].mark == r_cell
    assert r.cells[0].lapsed is (r_cell == "I")
    assert {row.employee.employee_no: row.cells[0].mark for row in matrix.rows} == {
        "P": "O",
        "Q": "L",
        "R": r_cell,
        "S": "I",
    }


def test_it_leaves_a_cell_blank_when_nothing_is_attempted(worked_example_2, manager_client) -> None:
    t2 = factories.StationFactory(line=worked_example_2["line"], code="T2")
    other = factories.CourseFactory(code="BAT-MOD-020", needs_theory=False, needs_practical=True)
    factories.RequirementFactory(course=other, scope="station", station=t2)
    factories.EmployeeFactory(
        employee_no="N", plant=worked_example_2["plant"], line=worked_example_2["line"], shift="A"
    )

    response = manager_client.get(URL, {"date": W2_TODAY.isoformat()})

    marks = {row.employee.employee_no: [c.mark for c in row.cells] for row in response.context["m"].rows}
    # T2 needs BAT-MOD-020, which nobody attempted: blank, though HV-001 is valid. N attempted nothing.
    assert marks == {"N": ["", ""], "P": ["O", ""], "Q": ["L", ""], "R": ["U", ""], "S": ["I", ""]}


def test_it_filters_by_shift(worked_example_2, manager_client) -> None:
    factories.EmployeeFactory(employee_no="D", plant=worked_example_2["plant"], line=worked_example_2["line"], shift="")

    def people(shift: str) -> list[str]:
        response = manager_client.get(URL, {"date": W2_TODAY.isoformat(), "shift": shift})
        assert response.status_code == 200
        return [row.employee.employee_no for row in response.context["m"].rows]

    assert people("A") == ["P", "Q"]
    assert people("B") == ["R", "S"]
    assert people("day") == ["D"]
    assert people("C") == []  # a shift of the plant the line does not run
    assert people("") == ["D", "P", "Q", "R", "S"]
    bad = manager_client.get(URL, {"shift": "Z"})
    assert bad.status_code == 400
    assert "is not a shift of plant SY" in bad.content.decode()
    assert "m" not in bad.context


def test_it_matches_a_shift_code_whatever_its_case(worked_example_2, manager_client) -> None:
    response = manager_client.get(URL, {"date": W2_TODAY.isoformat(), "shift": "a"})

    assert response.status_code == 200
    assert [row.employee.employee_no for row in response.context["m"].rows] == ["P", "Q"]
    assert response.context["shift"] == "A"  # the plant's own code, kept in the links
    assert manager_client.get(URL, {"date": W2_TODAY.isoformat(), "shift": "DAY"}).status_code == 200


def test_it_answers_400_for_a_bad_date(worked_example_2, manager_client) -> None:
    response = manager_client.get(URL, {"date": "2026-13-01"})

    assert response.status_code == 400
    assert "is not a date" in response.content.decode()


def test_it_is_404_for_another_plants_manager(worked_example_2, manager_de, client) -> None:
    client.force_login(manager_de)

    assert client.get(URL).status_code == 404
    assert client.get("/dashboard/plants/SY/lines/NOPE/levels/").status_code == 404


def test_the_line_page_links_to_it(worked_example_2, manager_client) -> None:
    html = manager_client.get("/dashboard/plants/SY/lines/L2/").content.decode()

    assert f'href="{URL}"' in html


def _grow(example: dict, trainer, *, people: int, stations: int) -> None:
    """More people with results, and more stations with their own required courses."""
    line, plant = example["line"], example["plant"]
    rows = []
    for n in range(stations):
        station = factories.StationFactory(line=line, code=f"X{n}")
        course = factories.CourseFactory(code=f"X-{n}", needs_theory=False, needs_practical=True)
        factories.RequirementFactory(course=course, scope="station", station=station)
        factories.TrainerAuthorisationFactory(user=trainer, course=course, plant=plant)
        for m in range(people):
            employee = factories.EmployeeFactory(
                employee_no=f"G{n}-{m}", plant=plant, line=line, station=station, shift="AB"[m % 2]
            )
            rows.append(
                ResultInput(
                    employee=employee,
                    course=course,
                    kind="practical",
                    assessed_on=dt.date(2026, 11, 1),
                    assessor=trainer,
                    passed=True,
                    delivery_mode="on_the_job",
                )
            )
    assessments_record(rows=rows, recorded_by=trainer)


def test_its_query_count_does_not_grow_with_people_or_stations(
    worked_example_2, trainer, manager_client, django_assert_num_queries
) -> None:
    manager_client.get("/dashboard/")  # warm the session
    session = 0 if settings.SESSION_ENGINE == "certtrack.sessions" else 1
    # Session, user, memberships, the line with its plant; then the matrix: stations, requirements, people,
    # and certifications_as_of's four (courses, results, revocations, confirmation windows).
    with django_assert_num_queries(10 + session):
        assert manager_client.get(URL, {"date": W2_TODAY.isoformat()}).status_code == 200
    _grow(worked_example_2, trainer, people=6, stations=3)
    with django_assert_num_queries(10 + session):
        response = manager_client.get(URL, {"date": W2_TODAY.isoformat(), "shift": "A"})
    assert response.status_code == 200
    assert len(response.context["m"].stations) == 4
    assert len(response.context["m"].rows) == 2 + 3 * 3


def test_the_selector_repeats_it(worked_example_2) -> None:
    matrix = line_level_matrix(line=worked_example_2["line"], on_date=W2_TODAY, shift="B")

    assert [(row.employee.employee_no, row.cells[0].mark, row.cells[0].provisional) for row in matrix.rows] == [
        ("R", "U", True),
        ("S", "I", False),
    ]
    assert ALL_OK == [True] * 4
