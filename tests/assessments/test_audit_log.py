"""The audit log page and its Excel export: scoped, filtered, formula-safe."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import AuditAction, AuditEvent
from tests import factories


@pytest.fixture
def events(plant_sy, plant_de):
    sy_employee = factories.EmployeeFactory(employee_no="SY-1", plant=plant_sy)
    de_employee = factories.EmployeeFactory(employee_no="DE-1", plant=plant_de)
    course = factories.CourseFactory(code="HV-001")
    now = timezone.now()
    return {
        "sy": AuditEvent.objects.create(
            occurred_at=now,
            action=AuditAction.ASSESSMENT_RECORDED,
            plant=plant_sy,
            employee=sy_employee,
            course=course,
            summary='=HYPERLINK("http://evil")',
        ),
        "de": AuditEvent.objects.create(
            occurred_at=now, action=AuditAction.ASSESSMENT_VOIDED, plant=plant_de, employee=de_employee, summary="de"
        ),
        "company": AuditEvent.objects.create(occurred_at=now, action=AuditAction.TRAINER_AUTHORISED, summary="global"),
    }


def _listed(client, **params) -> set[str]:
    response = client.get(reverse("assessments:audit-log"), params)
    assert response.status_code == 200
    return {event.summary for event in response.context["page"]}


def test_it_shows_an_auditor_only_their_plants_events(client, auditor, events) -> None:
    client.force_login(auditor)
    assert _listed(client) == {'=HYPERLINK("http://evil")'}


def test_it_shows_an_admin_every_event(client, admin_user, events) -> None:
    client.force_login(admin_user)
    assert _listed(client) == {'=HYPERLINK("http://evil")', "de", "global"}


def test_it_filters_by_employee_and_event(client, admin_user, events) -> None:
    client.force_login(admin_user)
    assert _listed(client, employee="de-1") == {"de"}
    assert _listed(client, action=AuditAction.ASSESSMENT_RECORDED) == {'=HYPERLINK("http://evil")'}
    assert _listed(client, course="HV-001") == {'=HYPERLINK("http://evil")'}


def test_it_rejects_a_reversed_date_range_without_failing(client, admin_user, events) -> None:
    client.force_login(admin_user)
    response = client.get(reverse("assessments:audit-log"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()


@pytest.mark.parametrize("persona", ["trainer", "hr"])
def test_it_hides_the_log_from_roles_without_it(client, request, persona, events) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("assessments:audit-log")).status_code == 403
    assert client.get(reverse("assessments:audit-export")).status_code == 403


def test_it_exports_the_filtered_log_as_text_never_formulas(client, auditor, events) -> None:
    client.force_login(auditor)
    response = client.get(reverse("assessments:audit-export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Audit log"]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 1
    summary = rows[0][10]
    assert summary.value == '=HYPERLINK("http://evil")'
    assert summary.data_type == "s"
    assert rows[0][6].value == "SY-1"


@pytest.mark.parametrize(
    ("date_from", "date_to"), [("0001-01-01", ""), ("", "9999-12-31"), ("1969-12-31", "2200-01-01")]
)
def test_it_refuses_dates_out_of_range_with_a_message(client, auditor, events, date_from, date_to) -> None:
    """Dates near date.min and date.max overflowed a day or a time zone away: a 500 on the page and the export."""
    client.force_login(auditor)
    params = {"date_from": date_from, "date_to": date_to}

    page = client.get(reverse("assessments:audit-log"), params)
    export = client.get(reverse("assessments:audit-export"), params)

    assert page.status_code == 200
    assert "Enter a date between 1970-01-01 and 2199-12-31." in page.content.decode()
    assert list(page.context["page"]) == []  # nothing listed for a filter it could not read, not the whole log
    assert reverse("assessments:audit-export") not in page.content.decode()
    assert export.status_code == 400  # never the whole log for a filter it could not read
    assert "Enter a date between 1970-01-01 and 2199-12-31." in export.content.decode()
