"""Local passwords: every user in the demo (LOCAL_PASSWORDS=all), break-glass admins only otherwise; the
login page offers the company sign-in only when OIDC is configured; django-axes still counts failures."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent
from sso.selectors import BREAK_GLASS_GROUP
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-local-password-1"  # noqa: S105


@pytest.fixture
def people(trainer, admin_user):
    operator_admin = factories.UserFactory(username="glass")
    operator_admin.groups.add(Group.objects.create(name=BREAK_GLASS_GROUP))
    for user in (trainer, admin_user, operator_admin):
        user.set_password(PASSWORD)
        user.save()
    return {"trainer": trainer, "superuser": admin_user, "break_glass": operator_admin}


def _post(client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_demo_accepts_every_local_password(client, people) -> None:
    response = _post(client, "trainer")

    assert response.status_code == 302 and response.url == reverse("employees:home")


def test_breakglass_refuses_a_normal_users_right_password(client, people, settings) -> None:
    settings.LOCAL_PASSWORDS = "breakglass"

    response = _post(client, "trainer")

    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    assert "please use the company sign-in" in response.content.decode()
    assert "Password sign-in is for break-glass administrators only." in response.content.decode()


@pytest.mark.parametrize("persona", ["superuser", "break_glass"])
def test_breakglass_accepts_a_break_glass_admin(client, people, settings, persona) -> None:
    settings.LOCAL_PASSWORDS = "breakglass"

    response = _post(client, people[persona].username)

    assert response.status_code == 302 and response.wsgi_request.user == people[persona]


def test_axes_still_locks_out_local_passwords(client, people, settings) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2

    _post(client, "glass", "wrong")
    _post(client, "glass", "wrong")
    locked = _post(client, "glass")

    assert locked.status_code == 429
    assert AccessAttempt.objects.get(username="glass").failures_since_start == 3  # the locked-out try counts too


def test_the_login_page_offers_the_company_sign_in_only_when_configured(client, settings) -> None:
    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("sso:oidc-start")).status_code == 404

    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Contoso Entra ID"
    page = client.get(reverse("login") + "?next=/planning/").content.decode()

    assert "Sign in with Contoso Entra ID" in page
    assert 'href="/sso/oidc/start/?next=/planning/"' in page


def test_the_refusal_page_says_why(client) -> None:
    session = client.session
    session["sso_refused"] = "inactive"
    session.save()

    response = client.get(reverse("sso:refused"))

    assert response.status_code == 403
    assert "Your certtrack account is disabled." in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.SSO_SIGNED_IN).exists()


def test_a_session_opened_by_model_backend_before_sso_stays_signed_in(client, people) -> None:
    """Sessions from before SSO store Django's ModelBackend path: the deploy must not sign everyone out."""
    client.force_login(people["trainer"], backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(reverse("employees:home"))

    assert response.status_code == 200 and response.wsgi_request.user == people["trainer"]


def test_breakglass_refuses_a_normal_users_right_password_behind_model_backend(people, settings, rf) -> None:
    """ModelBackend stays in AUTHENTICATION_BACKENDS (for old sessions) but never accepts what break-glass refuses;
    django-axes counts the refusal and the wrong passwords alike."""
    from django.contrib.auth import authenticate

    settings.LOCAL_PASSWORDS = "breakglass"
    settings.AXES_ENABLED = True
    assert settings.AUTHENTICATION_BACKENDS[-1] == "django.contrib.auth.backends.ModelBackend"

    right = authenticate(rf.post("/accounts/login/"), username="trainer", password=PASSWORD)
    wrong = authenticate(rf.post("/accounts/login/"), username="trainer", password="wrong")

    assert right is None and wrong is None
    assert AccessAttempt.objects.get(username="trainer").failures_since_start == 2
