"""Readiness dashboards: DOMAIN.md's worked example end to end, scoping, lag flag, constant query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from assessments.models import ReadinessMark
from assessments.readiness.dashboards import sop_outlook
from assessments.readiness.recompute import drain_marks, plant_recompute, plants_due_for_new_day, snapshots_backfill
from employees.models import Plant
from tests import factories
from tests.assessments.conftest import D1, D2, b_passes_hv_theory
from tests.languages import switch_language


@pytest.fixture
def at_date(monkeypatch):
    """Move every plant's local today to a date."""

    def move(on_date: dt.date) -> None:
        monkeypatch.setattr(Plant, "local_today", lambda self: on_date)

    return move


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def coverage_rows(page: str) -> dict[str, tuple[list[tuple[str, str, str, bool]], str, str, str]]:
    """The line page's stations x shifts table: per station its cells (shift, "qualified / target", state,
    single point of failure), day staff, trainers and covered, as the page shows them."""
    table = page.split('id="coverage-heatmap"')[1].split("</table>")[0]
    rows = {}
    for station, body in re.findall(r'<tr data-station="([^"]+)">(.*?)</tr>', table):
        cells = [
            (shift, count, state, "single-point" in rest)
            for shift, state, count, rest in re.findall(
                r'data-shift="([^"]+)" data-state="([^"]+)"><a[^>]*>([^<]+)</a>(.*?)</td>', body
            )
        ]
        day_staff = re.search(r'data-column="day-staff">([^<]*)<', body).group(1)
        trainers = re.search(r'data-column="trainers">([^<]*)<', body).group(1)
        covered = re.search(r'data-column="covered"><span[^>]*>([^<]*)<', body).group(1)
        rows[station] = (cells, day_staff, trainers, covered)
    return rows


def test_it_shows_the_worked_example_on_both_dates(worked_example, manager, client, at_date) -> None:
    at_date(D1)
    drain_marks()  # the services marked A, B and C in the outbox
    client.force_login(manager)

    plant_page = _text(client.get("/dashboard/plants/SY/"))
    line_page = _text(client.get("/dashboard/plants/SY/lines/L1/"))

    assert "2 of 3 qualified" in plant_page
    assert "66.7%" in plant_page, plant_page.split("plant-readiness")[1][:300]
    assert "Figures for 2026-06-30, as of" in plant_page
    assert 'data-station="S1"' in line_page
    assert coverage_rows(line_page) == {
        # S1: A and C on the line's one shift, covered; each count links to who they are.
        "S1": ([("A", "2 / 2", "covered", False)], "0", "0 of 0 needed", "Covered"),
        "S2": ([("A", "1 / 2", "short", True)], "0", "0 of 0 needed", "Not covered"),
    }
    assert '<a class="text-reset" href="/dashboard/plants/SY/figures/stations/?line=L1&amp;station=S1">2 / 2</a>' in (
        line_page
    )
    assert '<a href="/employees/B/">B ' in line_page.split('data-course="HV-001"')[1]  # B lacks HV-001

    at_date(D2)
    assert plants_due_for_new_day() == [worked_example["plant"].id]
    for plant_id in plants_due_for_new_day():
        plant_recompute(plant_id=plant_id)

    plant_page = _text(client.get("/dashboard/plants/SY/"))
    line_page = _text(client.get("/dashboard/plants/SY/lines/L1/"))
    assert "1 of 3 qualified" in plant_page
    assert "33.3%" in plant_page
    assert coverage_rows(line_page)["S1"][0] == [("A", "1 / 2", "short", True)]  # C's HV-001 expired: only A
    overview = _text(client.get("/dashboard/"))
    assert "1 of 3 qualified" in overview


def test_it_serves_cached_pages_until_a_roll_up_writes_new_figures(
    worked_example, manager, trainer, client, at_date
) -> None:

    at_date(D1)
    drain_marks()
    client.force_login(manager)
    assert "2 of 3 qualified" in _text(client.get("/dashboard/plants/SY/"))
    assert "2 of 3 qualified" in _text(client.get("/dashboard/plants/SY/lines/L1/"))

    b_passes_hv_theory(worked_example, trainer)
    pending = _text(client.get("/dashboard/plants/SY/"))
    assert "2 of 3 qualified" in pending  # not rolled up yet: the stored figures, and the pending count
    assert "1 change pending" in pending

    drain_marks()

    assert "3 of 3 qualified" in _text(client.get("/dashboard/plants/SY/"))
    assert "3 of 3 qualified" in _text(client.get("/dashboard/plants/SY/lines/L1/"))
    assert client.get("/api/v1/plants/SY/readiness").json()["qualified"] == 3
    switch_language(client, "zh-hans")  # one cache entry per language
    assert "已覆盖工位" in _text(client.get("/dashboard/plants/SY/"))


def test_it_hides_other_plants(worked_example, manager_de, trainer, client) -> None:
    plant_recompute(plant_id=worked_example["plant"].id, on_date=D1)

    client.force_login(manager_de)
    assert client.get("/dashboard/plants/SY/").status_code == 404
    assert client.get("/dashboard/plants/SY/lines/L1/").status_code == 404
    overview = client.get("/dashboard/")
    assert overview.status_code == 200
    assert "Shenyang" not in overview.content.decode()

    client.force_login(trainer)  # a trainer at SY has no dashboards
    assert client.get("/dashboard/plants/SY/").status_code == 404
    assert client.get("/dashboard/").status_code == 403


def test_it_lets_auditors_and_admins_read(worked_example, auditor, admin_user, client) -> None:
    plant_recompute(plant_id=worked_example["plant"].id, on_date=D1)
    for user in (auditor, admin_user):
        client.force_login(user)
        assert client.get("/dashboard/plants/SY/lines/L1/").status_code == 200
        assert "Shenyang" in client.get("/dashboard/").content.decode()


def test_it_shows_pages_before_the_first_roll_up(plant_sy, manager, client) -> None:
    factories.ProductionLineFactory(plant=plant_sy, code="L1")
    client.force_login(manager)

    for url in ("/dashboard/", "/dashboard/plants/SY/", "/dashboard/plants/SY/lines/L1/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Not computed yet." in response.content.decode()


def test_it_sends_anonymous_users_to_log_in(client, plant_sy) -> None:
    response = client.get("/dashboard/plants/SY/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_flags_a_roll_up_that_lags_behind_pending_changes(worked_example, manager, client, settings) -> None:
    settings.ROLLUP_LAG_WARNING_MINUTES = 15
    plant_recompute(plant_id=worked_example["plant"].id, on_date=D1)
    client.force_login(manager)
    assert "rollup-lagging" not in client.get("/dashboard/plants/SY/").content.decode()

    mark = ReadinessMark.objects.create(employee=worked_example["A"], plant=worked_example["plant"], reason="test")
    ReadinessMark.objects.filter(pk=mark.pk).update(created_at=timezone.now() - dt.timedelta(minutes=20))

    page = _text(client.get("/dashboard/plants/SY/"))
    assert "rollup-lagging" in page
    assert "1 change pending" in page


def test_the_roll_up_status_of_each_plant_reads_back_exactly(plant_sy, plant_de) -> None:
    """One plain SQL query: values as the ORM gives them (aware times, dates) on SQLite and PostgreSQL."""
    from assessments.models import ReadinessState
    from assessments.readiness.dashboards import rollup_statuses

    computed = dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)
    ReadinessState.objects.create(plant=plant_sy, on_date=dt.date(2026, 3, 4), computed_at=computed)
    employee = factories.EmployeeFactory(plant=plant_de)
    oldest = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    for minutes in (30, 0, 90):
        mark = ReadinessMark.objects.create(employee=employee, plant=plant_de, reason="test")
        ReadinessMark.objects.filter(pk=mark.pk).update(created_at=oldest + dt.timedelta(minutes=minutes))

    statuses = rollup_statuses(plant_ids=[plant_sy.id, plant_de.id, plant_de.id])
    assert set(statuses) == {plant_sy.id, plant_de.id}
    sy, de = statuses[plant_sy.id], statuses[plant_de.id]
    assert (sy.on_date, sy.computed_at, sy.pending, sy.oldest_pending_at) == (dt.date(2026, 3, 4), computed, 0, None)
    assert (de.on_date, de.computed_at, de.pending, de.oldest_pending_at) == (None, None, 3, oldest)
    assert timezone.is_aware(sy.computed_at) and timezone.is_aware(de.oldest_pending_at)
    assert rollup_statuses(plant_ids=[]) == {}


def _plant_of_size(plant: Plant, *, lines: int, employees_per_line: int) -> None:
    area = factories.ProcessAreaFactory(code="QC")
    plant_wide = factories.CourseFactory(code="QC-HV", process_area=area, validity_months=12)
    factories.RequirementFactory(course=plant_wide, scope="plant", plant=plant)
    assessor = factories.UserFactory(username="qc-assessor")
    for line_index in range(lines):
        line = factories.ProductionLineFactory(plant=plant, code=f"Q{line_index}", sop_date=dt.date(2026, 9, 1))
        for station_index in range(3):
            station = factories.StationFactory(line=line, code=f"ST{station_index}")
            course = factories.CourseFactory(code=f"QC-{line_index}-{station_index}", process_area=area)
            factories.RequirementFactory(course=course, scope="station", station=station)
            for employee_index in range(employees_per_line // 3 + 1):
                employee = factories.EmployeeFactory(plant=plant, line=line, station=station)
                if employee_index % 2:
                    factories.AssessmentFactory(
                        employee=employee,
                        course=plant_wide,
                        kind="theory",
                        score=90,
                        assessor=assessor,
                        assessed_on=dt.date(2025, 8, 1),
                    )
                    factories.AssessmentFactory(
                        employee=employee, course=course, kind="theory", score=90, assessor=assessor
                    )
    snapshots_backfill(plant_id=plant.id, days=5, today=D1)


@pytest.mark.parametrize(("lines", "employees_per_line"), [(1, 3), (4, 12)])
def test_it_runs_a_constant_number_of_queries(
    plant_sy,
    manager,
    client,
    settings,
    django_assert_num_queries,
    lines,
    employees_per_line,
    at_date,
) -> None:
    at_date(D1)
    _plant_of_size(plant_sy, lines=lines, employees_per_line=employees_per_line)
    client.force_login(manager)
    client.get("/dashboard/")  # warm the session

    # First view: the dashboard queries; then the body comes from the cache until a roll-up writes again.
    # Session (none when CACHE_URL serves it from Redis), user, memberships, then the plant (the line
    # page: the line with its plant) and the roll-up status; the active gate overrides (one query, outside
    # the cached body: gate/templatetags/gate.py). The forecast (planning/templatetags/planning_forecast.py,
    # outside the cached body too) reads its inputs on its first view (FORECAST queries: planning/inputs.py's
    # load_inputs, whatever the plant's size; the line page one more for its history), then its own cache.
    session = 0 if settings.SESSION_ENGINE == "certtrack.sessions" else 1
    forecast = 11
    with django_assert_num_queries(11 + forecast + session):
        assert client.get("/dashboard/plants/SY/").status_code == 200
    with django_assert_num_queries(5 + session):
        assert client.get("/dashboard/plants/SY/").status_code == 200
    # The plant's forecast, cached above, holds the line's: only the line's history is read.
    with django_assert_num_queries(9 + 1 + session):
        assert client.get("/dashboard/plants/SY/lines/Q0/").status_code == 200
    with django_assert_num_queries(5 + session):
        assert client.get("/dashboard/plants/SY/lines/Q0/").status_code == 200
    with django_assert_num_queries(6 + session):
        assert client.get("/dashboard/").status_code == 200
    # The API also reads the stations' (station, shift) cells: one query, whatever the plant's size.
    with django_assert_num_queries(10 + session):
        assert client.get("/api/v1/plants/SY/readiness").status_code == 200
    with django_assert_num_queries(4 + session):
        assert client.get("/api/v1/plants/SY/readiness").status_code == 200


def test_it_projects_readiness_at_sop_from_the_trend() -> None:
    today = dt.date(2026, 6, 30)
    rising = [(today - dt.timedelta(days=n), 0.5 - n * 0.01) for n in range(30)]  # +1 point a day

    outlook = sop_outlook(sop_date=today + dt.timedelta(days=30), today=today, target_pct=80, points=rising)
    assert outlook.days_left == 30
    assert outlook.projected == pytest.approx(0.8)
    assert outlook.on_track

    late = sop_outlook(sop_date=today + dt.timedelta(days=10), today=today, target_pct=80, points=rising)
    assert late.projected == pytest.approx(0.6)
    assert not late.on_track

    capped = sop_outlook(sop_date=today + dt.timedelta(days=300), today=today, target_pct=100, points=rising)
    assert capped.projected == 1.0

    flat = sop_outlook(sop_date=today + dt.timedelta(days=30), today=today, target_pct=100, points=[(today, 1.0)])
    assert (flat.projected, flat.on_track) == (1.0, True)

    nothing = sop_outlook(sop_date=today, today=today, target_pct=100, points=[(today, None)])
    assert (nothing.projected, nothing.on_track) == (None, False)
