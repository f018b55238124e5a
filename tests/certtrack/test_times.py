"""Every time is shown in a named zone (issue #14 item 14).

Before: the audit log and job pages showed UTC, the employee trail plant time, and none said which.
Now a plant's business shows in the plant's zone; lists spanning plants in the viewer's zone (the
zone of the user's plants when they share one, else settings.TIME_ZONE); the zone is always named.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent, ReadinessState
from certtrack.times import local_time, viewer_zone, zone_of
from spreadsheets.models import SpreadsheetJob
from tests import factories

MOMENT = dt.datetime(2026, 12, 1, 1, 15, 3, tzinfo=dt.UTC)  # 09:15 in Shenyang, 02:15 in Debrecen


def test_it_formats_a_moment_in_a_named_zone(plant_sy, plant_de) -> None:
    assert local_time(MOMENT, plant_sy) == "2026-12-01 09:15 (Asia/Shanghai)"
    assert local_time(MOMENT, plant_de) == "2026-12-01 02:15 (Europe/Budapest)"
    assert local_time(MOMENT, "Asia/Shanghai", named=False, seconds=True) == "2026-12-01 09:15:03"
    assert local_time(MOMENT, None) == "2026-12-01 01:15 (UTC)"
    assert local_time(None, plant_sy) == ""
    assert zone_of("Not/AZone").key == "UTC"


def test_it_takes_the_viewers_zone_from_their_plants(trainer, admin_user, plant_de, settings) -> None:
    settings.TIME_ZONE = "UTC"
    assert viewer_zone(trainer).key == "Asia/Shanghai"  # every role at SY
    assert viewer_zone(admin_user).key == "UTC"  # company-wide, no plant
    factories.PlantMembershipFactory(user=trainer, plant=plant_de, role="trainer")
    assert viewer_zone(trainer).key == "UTC"  # plants in two zones
    settings.TIME_ZONE = "Europe/Berlin"
    assert viewer_zone(admin_user) == zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def event(plant_sy):
    employee = factories.EmployeeFactory(employee_no="SY001", plant=plant_sy)
    return AuditEvent.objects.create(
        occurred_at=MOMENT, action=AuditAction.ASSESSMENT_RECORDED, plant=plant_sy, employee=employee, summary="x"
    )


def _audit_row(client) -> tuple[str, str]:
    page = client.get(reverse("assessments:audit-log")).content.decode()
    header = page[page.index('id="audit-log"') :].split("</thead>")[0]
    return header, page


def test_it_shows_a_plants_audit_log_in_the_plants_named_zone(client, auditor, event) -> None:
    client.force_login(auditor)
    header, page = _audit_row(client)
    assert "(Asia/Shanghai)" in header
    assert "2026-12-01 09:15:03" in page
    assert "01:15:03" not in page


def test_it_shows_an_admins_company_wide_audit_log_in_the_servers_named_zone(client, admin_user, event) -> None:
    client.force_login(admin_user)
    header, page = _audit_row(client)
    assert "(UTC)" in header
    assert "2026-12-01 01:15:03" in page


def test_it_shows_the_employee_trail_and_history_in_the_plants_named_zone(client, manager, event) -> None:
    factories.AssessmentFactory(employee=event.employee, recorded_at=MOMENT)
    client.force_login(manager)
    page = client.get(reverse("assessments:employee-detail", args=["SY001"])).content.decode()
    assert page.count("(Asia/Shanghai)") == 2  # the "Recorded" and the audit trail's "When" headers
    assert page.count("2026-12-01 09:15") == 2
    assert "01:15" not in page


def _job(plant, requester):
    return SpreadsheetJob.objects.create(
        kind="employees",
        plant=plant,
        requester=requester,
        status="failed",
        message="x",
        created_at=MOMENT,
        expires_at=MOMENT + dt.timedelta(hours=24),
    )


def test_it_shows_a_plants_job_in_the_plants_named_zone(client, hr) -> None:
    job = _job(hr.memberships.get().plant, hr)
    client.force_login(hr)
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "2026-12-01 09:15 (Asia/Shanghai)" in page
    listing = client.get(reverse("hr:imports")).content.decode()
    assert "(Asia/Shanghai)" in listing and "2026-12-01 09:15" in listing


def test_it_shows_a_company_wide_job_in_the_viewers_named_zone(client, admin_user) -> None:
    job = _job(None, admin_user)
    client.force_login(admin_user)
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "2026-12-01 01:15 (UTC)" in page


def test_it_names_the_zone_of_a_roll_ups_as_of_time(client, manager, plant_sy) -> None:
    ReadinessState.objects.create(plant=plant_sy, on_date=dt.date(2026, 12, 1), computed_at=MOMENT)
    client.force_login(manager)
    page = client.get(reverse("readiness:plant", args=["SY"])).content.decode()
    assert "Figures for 2026-12-01, as of 2026-12-01 09:15 (Asia/Shanghai)" in page


def test_it_filters_the_audit_log_by_the_days_of_the_zone_it_shows(client, auditor, admin_user, plant_sy) -> None:
    """17:30 UTC on 1 December is 01:30 on 2 December in Shenyang: a day of the log is a day of its zone."""
    AuditEvent.objects.create(
        occurred_at=dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC),
        action=AuditAction.ASSESSMENT_RECORDED,
        plant=plant_sy,
        summary="late",
    )

    def listed(user, day: str) -> list[str]:
        client.force_login(user)
        response = client.get(reverse("assessments:audit-log"), {"date_from": day, "date_to": day})
        return [event.summary for event in response.context["page"]]

    assert listed(auditor, "2026-12-02") == ["late"]  # Asia/Shanghai
    assert listed(auditor, "2026-12-01") == []
    assert listed(admin_user, "2026-12-01") == ["late"]  # UTC
