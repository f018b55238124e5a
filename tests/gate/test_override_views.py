"""The override pages: grant with the password re-entered, end early, errors re-render, who may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import AuditEvent
from gate.models import Override
from gate.services import override_grant
from tests import factories


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def plant_local(moment: dt.datetime) -> str:
    return timezone.localtime(moment, dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def form_data(worked_example_2):
    start = timezone.now().replace(second=0, microsecond=0)
    return {
        "employee_no": "S",
        "station": worked_example_2["t1"].pk,
        "starts_at": plant_local(start),
        "ends_at": plant_local(start + dt.timedelta(hours=8)),
        "reason": "Trainer beside S all shift",
        "password": factories.PASSWORD,
    }


NEW = reverse("gate:override-new", kwargs={"plant": "SY"})
LIST = reverse("gate:overrides", kwargs={"plant": "SY"})


def test_a_supervisor_grants_with_the_right_password(supervisor, form_data, worked_example_2):
    response = signed_in(supervisor).post(NEW, form_data)
    assert response.status_code == 302 and response["Location"] == LIST
    override = Override.objects.get()
    assert (override.employee, override.station, override.granted_by, override.reason) == (
        worked_example_2["S"],
        worked_example_2["t1"],
        supervisor,
        "Trainer beside S all shift",
    )
    assert override.ends_at - override.starts_at == dt.timedelta(hours=8)
    # The form's times are the plant's (Asia/Shanghai), whatever the server's zone.
    assert plant_local(override.starts_at) == form_data["starts_at"]
    assert AuditEvent.objects.filter(action="override.granted", actor=supervisor).count() == 1
    page = signed_in(supervisor).get(LIST)
    assert "Trainer beside S all shift" in page.content.decode()


def test_a_wrong_password_grants_nothing(supervisor, form_data):
    response = signed_in(supervisor).post(NEW, {**form_data, "password": "not-it"})
    assert response.status_code == 200
    assert "This is not your password. Nothing was granted." in response.content.decode()
    assert Override.objects.count() == 0
    assert AuditEvent.objects.filter(action="override.granted").count() == 0


def test_wrong_passwords_count_as_failed_logins(supervisor, form_data, settings):
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    client = signed_in(supervisor)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(NEW, {**form_data, "password": "not-it"}, REMOTE_ADDR="10.0.0.9")
    assert AccessAttempt.objects.get(username="supervisor").failures_since_start == settings.AXES_FAILURE_LIMIT
    # Locked out: even the right password grants nothing now.
    response = client.post(NEW, form_data, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200, response.status_code
    assert "Too many wrong passwords: try again later." in response.content.decode()
    assert Override.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"employee_no": "NOBODY"}, "employee_no", "No employee NOBODY at SY."),
        ({"station": "999999"}, "station", "Select a valid choice"),
        ({"station": "x"}, "station", "Select a valid choice"),
        ({"station": "99999999999999999999999"}, "station", "Select a valid choice"),
        ({"starts_at": "2199-12-31T23:00"}, "ends_at", "The end must come after the start."),
        ({"starts_at": "9999-12-31T23:59"}, "starts_at", "Enter a moment between 2000 and 2199."),
        (
            {"starts_at": "0001-01-01T00:00", "ends_at": "0001-01-01T08:00"},
            "starts_at",
            "Enter a moment between 2000 and 2199.",
        ),
        ({"employee_no": "S" * 40}, "employee_no", "Ensure this value has at most 32 characters"),
        ({"ends_at": "yesterday"}, "ends_at", "Enter a valid date/time."),
        ({"reason": ""}, "reason", "This field is required."),
        ({"password": ""}, "password", "This field is required."),
    ],
)
def test_bad_input_re_renders_with_the_error(manager, form_data, change, field, message):
    response = signed_in(manager).post(NEW, {**form_data, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Override.objects.count() == 0


def test_a_window_over_12_hours_re_renders(manager, form_data):
    start = dt.datetime.fromisoformat(form_data["starts_at"])
    response = signed_in(manager).post(
        NEW, {**form_data, "ends_at": (start + dt.timedelta(hours=12, minutes=1)).strftime("%Y-%m-%dT%H:%M")}
    )
    assert "An override lasts at most 12 hours." in response.content.decode()
    assert Override.objects.count() == 0


def test_an_inactive_employee_is_refused_by_the_service(manager, form_data, worked_example_2):
    worked_example_2["S"].status = "left"
    worked_example_2["S"].save()
    response = signed_in(manager).post(NEW, form_data)
    assert response.status_code == 200
    assert "is not active" in response.content.decode()
    assert Override.objects.count() == 0


def test_the_form_previews_the_gate(manager, worked_example_2):
    response = signed_in(manager).get(NEW, {"employee": "S", "station": worked_example_2["t1"].pk})
    html = response.content.decode()
    assert 'id="override-preview"' in html
    assert "The gate now for S at T1:" in html
    for junk in ("junk", "²", "99999999999999999999999", ""):
        response = signed_in(manager).get(NEW, {"employee": "S", "station": junk})
        assert response.status_code == 200 and response.context["preview"] is None


def test_the_form_defaults_to_now_for_8_hours(manager):
    form = signed_in(manager).get(NEW).context["form"]
    starts, ends = form.initial["starts_at"], form.initial["ends_at"]
    assert ends - starts == dt.timedelta(hours=8)
    assert abs(starts - timezone.now()) < dt.timedelta(minutes=2)


@pytest.fixture
def override(worked_example_2, manager):
    now = timezone.now()
    return override_grant(
        employee=worked_example_2["S"],
        station=worked_example_2["t1"],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=4),
        reason="Trainer beside S",
        granted_by=manager,
    )


def test_a_supervisor_ends_one_early(supervisor, override):
    end = reverse("gate:override-end", kwargs={"plant": "SY", "pk": override.pk})
    response = signed_in(supervisor).post(end, {"reason": "Trainer left the line"})
    assert response.status_code == 302
    override.refresh_from_db()
    assert (override.ended_by, override.end_reason) == (supervisor, "Trainer left the line")
    html = signed_in(supervisor).get(LIST).content.decode()
    assert "Trainer left the line" in html and "No override in force." in html
    again = signed_in(supervisor).post(end, {"reason": "twice"})
    assert again.status_code == 200 and "This override has ended already." in again.content.decode()


def test_ending_without_a_reason_re_renders(supervisor, override):
    end = reverse("gate:override-end", kwargs={"plant": "SY", "pk": override.pk})
    response = signed_in(supervisor).post(end, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    override.refresh_from_db()
    assert override.ended_at is None


def test_another_plants_supervisor_gets_404(supervisor_de, override):
    client = signed_in(supervisor_de)
    assert client.get(LIST).status_code == 404
    assert client.get(NEW).status_code == 404
    end = reverse("gate:override-end", kwargs={"plant": "SY", "pk": override.pk})
    assert client.post(end, {"reason": "no"}).status_code == 404
    override.refresh_from_db()
    assert override.ended_at is None


@pytest.mark.parametrize("persona", ["trainer", "hr", "auditor"])
def test_trainers_hr_and_auditors_get_403(persona, request, override):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.get(reverse("gate:overrides-home")).status_code == 403
    end = reverse("gate:override-end", kwargs={"plant": "SY", "pk": override.pk})
    assert client.post(end, {"reason": "no"}).status_code == 403


def test_the_plant_and_line_pages_show_active_overrides_at_once(manager, override, worked_example_2):
    client = signed_in(manager)
    plant = client.get(reverse("readiness:plant", kwargs={"code": "SY"})).content.decode()
    assert 'id="active-overrides"' in plant and "Active gate overrides" in plant
    line = client.get(reverse("readiness:line", kwargs={"code": "SY", "line_code": "L2"})).content.decode()
    assert 'id="active-overrides"' in line
    override.ended_at = timezone.now()
    override.save()
    # The body is cached; the panel is not.
    assert 'id="active-overrides"' not in client.get(reverse("readiness:plant", kwargs={"code": "SY"})).content.decode()


def test_the_navigation_links_overrides_for_managers_and_supervisors(manager, supervisor, trainer):
    assert b"/gate/overrides/" in signed_in(manager).get(reverse("employees:home")).content
    assert b"/gate/overrides/" in signed_in(supervisor).get(reverse("employees:home")).content
    assert b"/gate/overrides/" not in signed_in(trainer).get(reverse("employees:home")).content
    assert signed_in(supervisor).get(reverse("gate:overrides-home"))["Location"] == LIST


def test_a_window_wholly_in_the_past_re_renders(manager, form_data):
    response = signed_in(manager).post(
        NEW, {**form_data, "starts_at": "2025-01-01T08:00", "ends_at": "2025-01-01T10:00"}
    )
    assert response.status_code == 200
    assert "This window is over already: the end must be in the future." in response.content.decode()
    assert Override.objects.count() == 0


@pytest.mark.slapd
def test_an_ldap_supervisor_grants_with_the_directory_password(slapd, plant_sy, form_data, worked_example_2):
    """SSO users have no certtrack password: the form re-checks through the sign-in backends (LDAP here)."""
    from sso.models import SsoGroupMapping

    SsoGroupMapping.objects.create(source="ldap", group="certtrack-sy-trainers", plant=plant_sy, role="supervisor")
    client = Client()
    assert client.post(reverse("login"), {"username": "li.wei", "password": "ldap-pass-li"}).status_code == 302

    response = client.post(NEW, {**form_data, "password": "ldap-pass-li"})

    assert response.status_code == 302 and response["Location"] == LIST
    assert Override.objects.get().granted_by.username == "li.wei"


def test_breakglass_refuses_a_normal_users_local_password_at_the_override_form(supervisor, form_data, settings):
    settings.LOCAL_PASSWORDS = "breakglass"

    response = signed_in(supervisor).post(NEW, form_data)

    assert response.status_code == 200
    assert "This is not your password. Nothing was granted." in response.content.decode()
    assert not Override.objects.exists()


def test_an_oidc_only_user_is_told_the_override_needs_a_password_and_not_counted(supervisor, form_data, settings):
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    supervisor.set_unusable_password()
    supervisor.save()

    response = signed_in(supervisor).post(NEW, form_data)

    assert response.status_code == 200
    assert "Your account signs in with the company sign-in only" in response.content.decode()
    assert not Override.objects.exists() and not AccessAttempt.objects.exists()
