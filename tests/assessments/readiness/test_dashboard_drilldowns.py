"""The lists behind the dashboards' counts, the "as of" date, and their workbooks (issue #14, item 15).

DOMAIN.md's worked example: on D1 (2026-06-30) A and C are qualified, B lacks HV-001 (theory failed);
S1 is covered by A and C, S2 only by C (a single point of failure). On D2 (2026-10-01) C's HV-001 has
expired: only A is qualified and S2 has nobody.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from assessments.readiness import drilldowns
from assessments.readiness.drilldowns import Kind
from assessments.readiness.recompute import drain_marks, plant_recompute
from tests import factories
from tests.assessments.conftest import D1, D2, D_WINDOW
from tests.assessments.readiness.test_dashboards import _plant_of_size, _text, at_date  # noqa: F401 - the fixture
from tests.languages import switch_language

URL = "/dashboard/plants/SY/figures/{kind}/"


@pytest.fixture
def rolled_up(worked_example, at_date):  # noqa: F811
    """The worked example rolled up on D1 (the plant's today)."""
    at_date(D1)
    drain_marks()
    return worked_example


def _rows(client, kind: str, **query: str) -> list[str]:
    """The list page's rows, as "employee[/course]" or "line/station: people"."""
    response = client.get(URL.format(kind=kind), query)
    assert response.status_code == 200, response.content.decode()[:500]
    d = response.context["d"]
    if d.family == "people":
        return [row.employee_no for row in d.rows]
    if d.family == "pairs":
        return [f"{row.employee_no}/{row.course_code}/{row.status}" for row in d.rows]
    return [
        f"{row.line}/{row.station} {row.qualified}/{row.target}: {' '.join(no for no, _n in row.people)}"
        for row in d.rows
    ]


def test_each_count_opens_the_people_behind_it(rolled_up, manager, client) -> None:
    client.force_login(manager)

    assert _rows(client, "headcount") == ["A", "B", "C"]
    assert _rows(client, "qualified") == ["A", "C"]
    assert _rows(client, "not-qualified") == ["B"]
    assert _rows(client, "gaps") == ["B/HV-001/in_progress"]  # B sat the theory test and failed it
    assert _rows(client, "gaps", course="HV-001") == ["B/HV-001/in_progress"]
    assert _rows(client, "gaps", course="BAT-PACK-002") == []
    assert _rows(client, "expiring-90") == []  # C's HV-001 expires 93 days after D1
    assert _rows(client, "stations") == ["L1/S1 2/2: A C", "L1/S2 1/2: C"]
    assert _rows(client, "stations-not-covered") == ["L1/S2 1/2: C"]
    assert _rows(client, "single-points") == ["L1/S2 1/2: C"]
    assert _rows(client, "single-points", line="L1", station="S1") == []
    assert _rows(client, "qualified", line="L1") == ["A", "C"]


def test_the_lists_count_what_the_dashboard_counts(rolled_up, manager, client) -> None:
    from assessments.models import LineSnapshot, PlantSnapshot

    client.force_login(manager)
    for figures, scope in (
        (PlantSnapshot.objects.get(on_date=D1), {}),
        (LineSnapshot.objects.get(on_date=D1, line=rolled_up["line"]), {"line": "L1"}),
    ):
        assert len(_rows(client, "headcount", **scope)) == figures.headcount
        assert len(_rows(client, "qualified", **scope)) == figures.qualified
        assert len(_rows(client, "gaps", **scope)) == figures.gaps
        for days in (30, 60, 90):
            assert len(_rows(client, f"expiring-{days}", **scope)) == getattr(figures, f"expiring_{days}")
        assert len(_rows(client, "stations", **scope)) == figures.stations
        assert len(_rows(client, "stations-not-covered", **scope)) == figures.stations - figures.stations_covered
        assert len(_rows(client, "single-points", **scope)) == figures.single_points


@pytest.mark.parametrize("on_date", [D1, D_WINDOW, D2], ids=["D1", "window", "D2"])
@pytest.mark.parametrize("kind", list(Kind))
def test_a_list_computed_for_the_roll_ups_date_is_the_roll_ups_list(rolled_up, kind, on_date, at_date) -> None:  # noqa: F811
    """Two sources, one definition: the roll-up tables and the SQL computed for the date give the same rows."""
    at_date(on_date)
    plant_recompute(plant_id=rolled_up["plant"].id, on_date=on_date)

    def rows(computed: bool) -> list:
        return drilldowns.drilldown(kind=kind, plant=rolled_up["plant"], on_date=on_date, computed=computed).rows

    assert rows(computed=True) == rows(computed=False)


def test_an_as_of_date_shows_the_figures_and_lists_of_that_date(rolled_up, manager, client) -> None:
    client.force_login(manager)

    page = _text(client.get("/dashboard/plants/SY/", {"date": "2026-10-01"}))
    assert "1 of 3 qualified" in page and "33.3%" in page
    assert "computed from the recorded results" in page
    assert 'value="2026-10-01"' in page
    assert f"{URL.format(kind='gaps')}?date=2026-10-01" in page  # the counts keep the date
    api = client.get("/api/v1/plants/SY/readiness", {"date": "2026-10-01"}).json()
    assert (api["source"], api["qualified"], api["gaps"]) == ("computed", 1, 2)
    line_page = _text(client.get("/dashboard/plants/SY/lines/L1/", {"date": "2026-10-01"}))
    assert "1 of 3 qualified" in line_page
    assert ">0 / 2</a>" in line_page.split('data-station="S2"')[1]

    on_d2 = {"date": "2026-10-01"}
    assert _rows(client, "qualified", **on_d2) == ["A"]
    assert _rows(client, "gaps", **on_d2) == ["B/HV-001/in_progress", "C/HV-001/expired"]
    assert _rows(client, "stations-not-covered", **on_d2) == ["L1/S1 1/2: A", "L1/S2 0/2: "]
    assert _rows(client, "expiring-90", date="2026-07-03") == ["C/HV-001/expiring"]

    # The roll-up's own date reads the roll-up (and is the cached page).
    same = client.get("/dashboard/plants/SY/", {"date": "2026-06-30"})
    assert "2 of 3 qualified" in _text(same) and not same.context["computed"]


def test_the_plant_page_links_every_count_to_its_list(rolled_up, manager, client) -> None:
    client.force_login(manager)
    page = client.get("/dashboard/plants/SY/").content.decode()
    for href in (
        URL.format(kind="qualified"),
        URL.format(kind="not-qualified"),
        URL.format(kind="headcount"),
        URL.format(kind="gaps"),
        URL.format(kind="expiring-30"),
        URL.format(kind="expiring-60"),
        URL.format(kind="expiring-90"),
        URL.format(kind="stations"),
        URL.format(kind="stations-not-covered"),
        URL.format(kind="single-points"),
        URL.format(kind="gaps") + "?course=HV-001",  # the course that blocks the most people
        URL.format(kind="qualified") + "?line=L1",  # per line
        URL.format(kind="single-points") + "?line=L1",
        URL.format(kind="stations") + "?line=L1&amp;station=S2",  # a station not covered
    ):
        assert f'href="{href}"' in page, href
    line_page = client.get("/dashboard/plants/SY/lines/L1/").content.decode()
    assert f'href="{URL.format(kind="gaps")}?line=L1&amp;course=HV-001"' in line_page
    assert f'href="{URL.format(kind="stations")}?line=L1&amp;station=S1"' in line_page


# --- The workbook -----------------------------------------------------------------------------------


def _workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_each_list_exports_to_excel(rolled_up, manager, client) -> None:
    client.force_login(manager)

    response = client.get("/dashboard/plants/SY/figures/gaps.xlsx", {"date": "2026-10-01"})
    assert "gaps-SY-2026-10-01.xlsx" in response["Content-Disposition"]
    book = _workbook(response)
    assert book.sheetnames == ["Gaps", "About"]
    sheet = book["Gaps"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Employee no", "Name", "Line", "Station", "Course", "Title", "State", "Expired on"]
    names = {e.employee_no: e.name for e in (rolled_up["B"], rolled_up["C"])}
    assert rows[1:] == [
        ["B", names["B"], "L1", "S1", "HV-001", "Course HV-001", "In progress", None],
        ["C", names["C"], "L1", "S2", "HV-001", "Course HV-001", "Expired", dt.datetime(2026, 10, 1)],
    ]
    assert sheet["H3"].is_date and sheet["H3"].number_format == "yyyy-mm-dd"
    assert sheet["A2"].data_type == "s"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:H3"
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("343A40")
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["Figures for"] == dt.datetime(2026, 10, 1)
    assert about["Source"] == "computed for this date from the recorded results"
    assert about["Rows"] == 2

    stations = _workbook(client.get("/dashboard/plants/SY/figures/stations.xlsx", {"line": "L1"}))["Stations"]
    assert [[c.value for c in row] for row in stations.iter_rows(min_row=2)][1][:5] == ["L1", "S2", "Station S2", 1, 2]
    people = _workbook(client.get("/dashboard/plants/SY/figures/not-qualified.xlsx"))["Employees"]
    assert [c.value for c in people[2]][:3] == ["B", rolled_up["B"].name, "L1"]


def test_the_workbook_speaks_the_requesters_language(rolled_up, manager, client) -> None:
    rolled_up["hv"].title_zh = "高压安全"
    rolled_up["hv"].save()
    client.force_login(manager)
    switch_language(client, "zh-hans")

    book = _workbook(client.get("/dashboard/plants/SY/figures/gaps.xlsx"))

    row = [c.value for c in book.worksheets[0][2]]
    assert row[4:6] == ["HV-001", "高压安全"]
    page = client.get(URL.format(kind="gaps")).content.decode()
    assert "高压安全" in page


# --- Scoping and bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/", ".xlsx"])
def test_another_plants_lists_answer_404(rolled_up, manager_de, trainer, auditor, admin_user, client, suffix) -> None:
    for kind in Kind:
        url = f"/dashboard/plants/SY/figures/{kind.value}{suffix}".replace("//", "/")
        client.force_login(manager_de)
        assert client.get(url).status_code == 404
        client.force_login(trainer)  # SY, but no dashboards
        assert client.get(url).status_code == 404
        for user in (auditor, admin_user):
            client.force_login(user)
            assert client.get(url).status_code == 200


def test_a_scope_outside_the_plant_answers_404(rolled_up, plant_de, manager, client) -> None:
    factories.ProductionLineFactory(plant=plant_de, code="D1")
    factories.CourseFactory(code="DE-OWN", owner_plant=plant_de)
    client.force_login(manager)
    for kind, query in (
        ("nobody", {}),
        ("gaps", {"line": "D1"}),  # a line of another plant
        ("gaps", {"course": "DE-OWN"}),  # another plant's own course
        ("gaps", {"course": "NOPE"}),
        ("qualified", {"course": "HV-001"}),  # a course filter on a list of people
        ("stations", {"station": "S1"}),  # a station needs its line
        ("stations", {"line": "L1", "station": "S9"}),
    ):
        assert client.get(URL.format(kind=kind), query).status_code == 404, (kind, query)


@pytest.mark.parametrize(
    "value", ["2026-13-01", "2026-02-30", "yesterday", "30.06.2026", "0001-01-01", "9999-12-31", "\x00", "1" * 400]
)
@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/plants/SY/",
        "/dashboard/plants/SY/lines/L1/",
        URL.format(kind="gaps"),
        "/dashboard/plants/SY/figures/gaps.xlsx",
    ],
)
def test_a_bad_date_gets_a_clear_message_never_a_500(rolled_up, manager, client, url, value) -> None:
    client.force_login(manager)
    response = client.get(url, {"date": value})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="date-error"' in page
    assert "YYYY-MM-DD" in page or "between 1970-01-01 and 2199-12-31" in page


# --- Constant query counts ----------------------------------------------------------------------------


def _statements(count: int) -> int:
    """Queries of `count` roll-up statements computed for a date: on PostgreSQL each runs in a savepoint with
    its planner settings (readiness.sql.fetch: SAVEPOINT, SET, the statement, SET back, RELEASE)."""
    from django.db import connection

    return count * (5 if connection.vendor == "postgresql" else 1)


def _certify_and_roll_up(plant) -> None:
    """_plant_of_size writes raw results: derive their certifications and roll up, so every list has rows
    (half the people hold the plant-wide course, expiring on 2026-08-01, and their station's course)."""
    from assessments.models import Assessment
    from assessments.services.certifications import certifications_refresh

    certifications_refresh(pairs=set(Assessment.objects.values_list("employee_id", "course_id")))
    plant_recompute(plant_id=plant.id, on_date=D1)


@pytest.mark.parametrize(("lines", "employees_per_line"), [(1, 3), (4, 12)])
def test_the_lists_run_a_constant_number_of_queries(
    plant_sy,
    manager,
    client,
    settings,
    django_assert_num_queries,
    lines,
    employees_per_line,
    at_date,  # noqa: F811
) -> None:
    at_date(D1)
    _plant_of_size(plant_sy, lines=lines, employees_per_line=employees_per_line)
    _certify_and_roll_up(plant_sy)
    client.force_login(manager)
    client.get("/dashboard/")  # warm the session

    # Every page: session (none when CACHE_URL serves it from Redis), user, memberships, the plant and the
    # roll-up status; then the list's own queries, whatever the plant's size.
    session = 0 if settings.SESSION_ENGINE == "certtrack.sessions" else 1
    base = 4 + session

    def listed(kind: str, **query: str) -> int:
        response = client.get(URL.format(kind=kind), query)
        assert response.status_code == 200
        return len(response.context["d"].rows)

    # Employees: job roles, the employee rows.
    with django_assert_num_queries(base + 2):
        assert listed("not-qualified") > 0
    # The same for one line: + the line.
    with django_assert_num_queries(base + 3):
        assert listed("headcount", line="Q0") > 0
    # Gaps: the pairs, their courses, and why each is a gap (selectors.certifications_as_of: the courses'
    # rules, the results, the revocations, the people's confirmation windows).
    with django_assert_num_queries(base + 6):
        assert listed("gaps") > 0
    # One course's gaps: + the course, + the listed people's ids for the "Plan a session" link (planning's tag).
    with django_assert_num_queries(base + 8):
        assert listed("gaps", course="QC-HV") > 0
    # Expiring: the pairs and their courses.
    with django_assert_num_queries(base + 2):
        assert listed("expiring-90") > 0
    # Stations: the coverage rows with their stations and lines, who is qualified.
    with django_assert_num_queries(base + 2):
        assert listed("stations") > 0
    # The workbook reads what the page reads.
    with django_assert_num_queries(base + 6):
        assert client.get("/dashboard/plants/SY/figures/gaps.xlsx").status_code == 200


def test_a_list_for_another_date_runs_a_fixed_number_of_statements(
    plant_sy,
    manager,
    client,
    settings,
    django_assert_num_queries,
    at_date,  # noqa: F811
) -> None:
    at_date(D1)
    _plant_of_size(plant_sy, lines=2, employees_per_line=6)
    _certify_and_roll_up(plant_sy)
    client.force_login(manager)
    client.get("/dashboard/")
    session = 0 if settings.SESSION_ENGINE == "certtrack.sessions" else 1
    # Access and status as above; then the required pairs computed for the date (one statement), the
    # plant's employees, their courses, and why each is a gap (four: see the test above).
    with django_assert_num_queries(4 + session + _statements(1) + 6):
        assert client.get(URL.format(kind="gaps"), {"date": "2026-01-01"}).status_code == 200


def test_the_as_of_input_renders_iso_dates_in_every_language(rolled_up, manager, client) -> None:
    client.force_login(manager)
    switch_language(client, "zh-hans")
    with translation.override("zh-hans"):
        page = client.get("/dashboard/plants/SY/", {"date": "2026-10-01"}).content.decode()
    assert 'type="date"' in page and 'value="2026-10-01"' in page


@pytest.mark.parametrize(("lines", "employees_per_line"), [(1, 3), (4, 12)])
def test_the_pages_for_another_date_run_a_constant_number_of_queries(
    plant_sy,
    manager,
    client,
    settings,
    django_assert_num_queries,
    lines,
    employees_per_line,
    at_date,  # noqa: F811
) -> None:
    at_date(D1)
    _plant_of_size(plant_sy, lines=lines, employees_per_line=employees_per_line)
    _certify_and_roll_up(plant_sy)
    client.force_login(manager)
    client.get("/dashboard/")
    session = 0 if settings.SESSION_ENGINE == "certtrack.sessions" else 1
    on = {"date": "2026-05-31"}
    # Access and status (4); the readiness API's figures for the date (lines, stations, then the line,
    # plant and station figures computed: 3 statements); the trend's stored snapshots; the required pairs
    # computed; the employees and courses of the lists; the stations. Never cached: each view computes.
    # Both pages: + the active gate overrides (gate/templatetags/gate.py).
    with django_assert_num_queries(4 + session + _statements(4) + 6 + 1):
        assert client.get("/dashboard/plants/SY/", on).status_code == 200
    # The line page: access (the line with its plant) and status; the API's figures (2 + 3 statements);
    # the line's stations; its employees; their figures and the required pairs computed; the gap courses.
    with django_assert_num_queries(4 + session + _statements(5) + 5 + 1):
        assert client.get("/dashboard/plants/SY/lines/Q0/", on).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/dashboard/plants/SY/", "/dashboard/plants/SY/lines/L1/", URL.format(kind="gaps"), URL.format(kind="stations")],
)
def test_any_query_gives_a_page_or_a_4xx(rolled_up, manager, url) -> None:
    from django.test import Client
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.test_bad_input import VALUE

    client = Client(raise_request_exception=False)
    client.force_login(manager)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        params=st.fixed_dictionaries({}, optional=dict.fromkeys(["date", "line", "course", "station", "page"], VALUE))
    )
    def check(params: dict) -> None:
        assert client.get(url, params).status_code in (200, 400, 404)

    check()
