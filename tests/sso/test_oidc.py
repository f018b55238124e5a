"""OIDC sign-in through a real provider (node-oidc-provider, tests/sso/oidc_provider), never a mock.

The sign-ins here go through the provider's own login page with a plain HTTP client (requests follows
the redirects: certtrack -> provider login -> consent -> certtrack's callback); the browser test beside
this file does one in Chromium.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from assessments.models import AuditAction, AuditEvent
from employees.models import PlantMembership
from sso.models import SsoGroupMapping, SsoIdentity

pytestmark = [pytest.mark.oidc_provider, pytest.mark.django_db(transaction=True)]


def sign_in(live_server, provider, login: str, password: str) -> tuple[requests.Session, requests.Response]:
    """Start at certtrack, sign in on the provider's page; the response is where the browser lands."""
    session = requests.Session()
    page = session.get(f"{live_server.url}/sso/oidc/start/", timeout=20)
    assert page.url.startswith(provider.issuer + "/interaction/"), page.url
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    landed = session.post(provider.issuer + action, data={"login": login, "password": password}, timeout=20)
    return session, landed


@pytest.fixture
def mappings(plant_sy, plant_de):
    return [
        SsoGroupMapping.objects.create(source="oidc", group="certtrack-sy-trainers", plant=plant_sy, role="trainer"),
        SsoGroupMapping.objects.create(source="any", group="certtrack-sy-managers", plant=plant_sy, role="manager"),
        SsoGroupMapping.objects.create(source="any", group="certtrack-de-trainers", plant=plant_de, role="trainer"),
    ]


def test_it_creates_a_user_matched_by_sub_with_the_mapped_role(live_server, oidc_provider, mappings) -> None:
    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.status_code == 200 and landed.url == f"{live_server.url}/"
    assert "Training and results" in landed.text  # the trainer's card on the home page
    identity = SsoIdentity.objects.get(source="oidc")
    assert identity.subject == "emp-10001" and identity.user.username == "li.wei"
    assert (identity.user.first_name, identity.user.last_name) == ("Wei", "Li")  # given_name, family_name
    assert set(identity.user.memberships.values_list("plant__code", "role")) == {("SY", "trainer")}
    signed_in = AuditEvent.objects.get(action=AuditAction.SSO_SIGNED_IN)
    assert signed_in.summary == "li.wei signed in through oidc, groups: certtrack-sy-trainers"


def test_a_group_change_at_the_provider_changes_the_roles_at_the_next_sign_in(
    live_server, oidc_provider, mappings
) -> None:
    sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")
    oidc_provider.set_account("li.wei", groups=["certtrack-sy-managers"])

    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.url == f"{live_server.url}/"
    user = SsoIdentity.objects.get(source="oidc").user
    assert set(user.memberships.values_list("plant__code", "role")) == {("SY", "manager")}
    assert list(
        AuditEvent.objects.filter(action__in=[AuditAction.SSO_ROLE_GRANTED, AuditAction.SSO_ROLE_REVOKED])
        .order_by("id")
        .values_list("summary", flat=True)
    ) == [
        "li.wei: Trainer at SY granted through oidc group certtrack-sy-trainers",
        "li.wei: Plant manager at SY granted through oidc group certtrack-sy-managers",
        "li.wei: Trainer at SY revoked through oidc: no mapped group grants it any more",
    ]


def test_a_user_disabled_at_the_provider_cannot_sign_in(live_server, oidc_provider, mappings) -> None:
    oidc_provider.set_account("li.wei", disabled=True)

    session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.status_code == 401 and "This account is disabled." in landed.text
    assert not SsoIdentity.objects.exists()
    home = session.get(f"{live_server.url}/", timeout=20)
    assert "/accounts/login/" in home.url  # no certtrack session


def test_a_wrong_password_at_the_provider_is_refused_there(live_server, oidc_provider, mappings) -> None:
    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "not-the-password")

    assert landed.status_code == 401 and "Wrong user or password." in landed.text
    assert not SsoIdentity.objects.exists()


def test_a_de_user_with_sy_looking_groups_gets_no_sy_role(live_server, oidc_provider, mappings) -> None:
    _session, landed = sign_in(live_server, oidc_provider, "anna.nagy", "manager-pass-1")

    assert landed.url == f"{live_server.url}/"
    user = SsoIdentity.objects.get(subject="emp-20001").user
    assert set(user.memberships.values_list("plant__code", "role")) == {("DE", "trainer")}
    assert (user.first_name, user.last_name) == ("Anna Nagy", "")  # only `name`: kept whole, never split


def test_a_sign_in_without_a_groups_claim_leaves_the_roles_as_they_were(live_server, oidc_provider, mappings) -> None:
    """Entra ID leaves the groups claim out for a user in more than 200 groups: unknown, not "no groups"."""
    sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")
    accounts = json.loads(oidc_provider.accounts_file.read_text())["accounts"]
    del next(a for a in accounts if a["login"] == "li.wei")["groups"]
    oidc_provider.set_accounts(accounts)

    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.url == f"{live_server.url}/"
    user = SsoIdentity.objects.get(source="oidc").user
    assert set(user.memberships.values_list("plant__code", "role")) == {("SY", "trainer")}
    assert not AuditEvent.objects.filter(action=AuditAction.SSO_ROLE_REVOKED).exists()
    assert (
        AuditEvent.objects.filter(action=AuditAction.SSO_SIGNED_IN).latest("id").summary
        == "li.wei signed in through oidc without the groups claim: roles left as they were"
    )


def test_unknown_users_are_refused_when_creation_is_off(live_server, oidc_provider, mappings, settings) -> None:
    settings.OIDC_CREATE_USER = False

    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.status_code == 403 and landed.url == f"{live_server.url}/sso/refused/"
    assert "Your company account is not known to certtrack" in landed.text
    assert not PlantMembership.objects.exists()
    refused = AuditEvent.objects.get(action=AuditAction.SSO_REFUSED)
    assert refused.summary == "Sign-in through oidc refused for emp-10001: unknown user, OIDC_CREATE_USERS is off"


def test_an_admin_linked_user_signs_in_by_employee_number(live_server, oidc_provider, mappings, settings) -> None:
    """Matched by the employee-number claim an admin linked beforehand, never by the name or the email."""
    from tests import factories

    settings.OIDC_CREATE_USER = False
    settings.OIDC_USER_CLAIM = "employee_number"
    settings.OIDC_RP_SCOPES = "openid profile email groups employee"
    existing = factories.UserFactory(username="wei.li.old", email="someone.else@plant.example")
    SsoIdentity.objects.create(user=existing, source="oidc", subject="10001")

    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.url == f"{live_server.url}/"
    assert set(existing.memberships.values_list("role", flat=True)) == {"trainer"}
    assert SsoIdentity.objects.count() == 1


def test_refused_company_sign_ins_do_not_lock_out_the_plants_network(
    live_server, oidc_provider, mappings, settings
) -> None:
    """Axes throttles passwords per (user name, IP); a refused OIDC sign-in has no user name, and a plant
    behind one NAT must not lose the company sign-in because a few unknown people tried it."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    settings.OIDC_CREATE_USER = False
    for _ in range(3):
        _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")
        assert landed.url == f"{live_server.url}/sso/refused/"
    settings.OIDC_CREATE_USER = True

    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.url == f"{live_server.url}/"


def test_a_user_with_no_mapped_group_signs_in_and_is_told_so(live_server, oidc_provider, mappings) -> None:
    oidc_provider.set_account("li.wei", groups=["canteen-committee"])

    _session, landed = sign_in(live_server, oidc_provider, "li.wei", "trainer-pass-1")

    assert landed.url == f"{live_server.url}/"
    # One message, the home page's own (it knows the user came through the company sign-in), not two.
    assert landed.text.count("none of your company groups grants a role in certtrack yet") == 1
    assert "You have no role at any plant yet." not in landed.text
    assert not PlantMembership.objects.exists()
