"""The line's gap list (the dashboard's drill-down) links to planning a session for the people it lists."""

from __future__ import annotations

import pytest

from employees.models import Employee
from tests.assessments.conftest import worked_example  # noqa: F401 - the fixture
from tests.assessments.readiness.test_dashboard_drilldowns import rolled_up  # noqa: F401 - the fixture
from tests.assessments.readiness.test_dashboards import at_date  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_the_gap_list_of_a_course_links_to_a_session_for_its_people(rolled_up, manager, auditor, client) -> None:  # noqa: F811
    client.force_login(manager)
    response = client.get("/dashboard/plants/SY/figures/gaps/", {"course": "HV-001", "line": "L1"})
    text = response.content.decode()
    b = Employee.objects.get(employee_no="B")
    course_id = response.context["course"].pk
    line_id = response.context["line"].pk
    assert (
        f'id="plan-these" href="/planning/SY/sessions/new/?course={course_id}&amp;line={line_id}&amp;employees={b.pk}"'
        in text
    )
    # Without a course the list mixes courses: no link; an auditor may not plan: no link.
    assert 'id="plan-these"' not in client.get("/dashboard/plants/SY/figures/gaps/").content.decode()
    client.force_login(auditor)
    assert (
        'id="plan-these"' not in client.get("/dashboard/plants/SY/figures/gaps/", {"course": "HV-001"}).content.decode()
    )
