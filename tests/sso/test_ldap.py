"""LDAP sign-in against a real OpenLDAP (Debian's slapd, started by the test): bind, user search, group
search (groupOfNames), the group-to-role mapping at each sign-in, django-axes counting wrong passwords."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent
from employees.models import PlantMembership
from sso.models import SsoGroupMapping, SsoIdentity, SsoManagedMembership
from tests import factories
from tests.sso.servers import LDAP_ADMIN_DN, LDAP_ADMIN_PASSWORD, LDAP_SUFFIX, slapd_start, stop

pytestmark = [pytest.mark.slapd, pytest.mark.django_db]

SEED = f"""\
dn: {LDAP_SUFFIX}
objectClass: dcObject
objectClass: organization
o: Plant
dc: plant

dn: ou=people,{LDAP_SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{LDAP_SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: uid=li.wei,ou=people,{LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: li.wei
cn: Li Wei
givenName: Wei
sn: Li
mail: li.wei@plant.example
userPassword: ldap-pass-li

dn: uid=zhao.min,ou=people,{LDAP_SUFFIX}
objectClass: inetOrgPerson
uid: zhao.min
cn: Zhao Min
sn: Zhao
userPassword: ldap-pass-zhao

dn: cn=certtrack-sy-trainers,ou=groups,{LDAP_SUFFIX}
objectClass: groupOfNames
cn: certtrack-sy-trainers
member: uid=li.wei,ou=people,{LDAP_SUFFIX}

dn: cn=certtrack-sy-auditors,ou=groups,{LDAP_SUFFIX}
objectClass: groupOfNames
cn: certtrack-sy-auditors
member: uid=zhao.min,ou=people,{LDAP_SUFFIX}
"""


@pytest.fixture
def slapd(tmp_path, settings):
    server = slapd_start(folder=tmp_path)
    try:
        server.ldapadd(SEED)
        settings.LDAP_SERVER_URI = server.uri
        settings.LDAP_BIND_DN = LDAP_ADMIN_DN
        settings.LDAP_BIND_PASSWORD = LDAP_ADMIN_PASSWORD
        settings.LDAP_USER_SEARCH_BASE = f"ou=people,{LDAP_SUFFIX}"
        settings.LDAP_GROUP_SEARCH_BASE = f"ou=groups,{LDAP_SUFFIX}"
        settings.LDAP_CREATE_USERS = True
        settings.AUTHENTICATION_BACKENDS = [
            "axes.backends.AxesStandaloneBackend",
            "sso.ldap.LdapBackend",
            "sso.backends.LocalPasswordBackend",
            "django.contrib.auth.backends.ModelBackend",
        ]
        yield server
    finally:
        stop(server.process)


@pytest.fixture
def mappings(plant_sy):
    return [
        SsoGroupMapping.objects.create(source="ldap", group="certtrack-sy-trainers", plant=plant_sy, role="trainer"),
        SsoGroupMapping.objects.create(source="any", group="CERTTRACK-SY-AUDITORS", plant=plant_sy, role="auditor"),
    ]


def _sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_signs_in_an_ldap_user_and_grants_the_mapped_role(client, slapd, mappings, plant_sy) -> None:
    response = _sign_in(client, "li.wei", "ldap-pass-li")

    assert response.status_code == 302 and response.url == reverse("employees:home")
    identity = SsoIdentity.objects.get(source="ldap")
    assert identity.user.username == "li.wei" and identity.user.email == "li.wei@plant.example"
    assert (identity.user.first_name, identity.user.last_name) == ("Wei", "Li")  # givenName, sn
    assert len(identity.subject) == 36  # entryUUID, not the login name
    assert set(PlantMembership.objects.filter(user=identity.user).values_list("plant__code", "role")) == {
        ("SY", "trainer")
    }
    assert SsoManagedMembership.objects.get().group == "certtrack-sy-trainers"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.SSO_ROLE_GRANTED, AuditAction.SSO_SIGNED_IN]
    assert client.get(reverse("employees:home")).status_code == 200


def test_it_follows_a_group_change_at_the_next_sign_in(client, slapd, mappings, plant_sy) -> None:
    _sign_in(client, "zhao.min", "ldap-pass-zhao")
    user = SsoIdentity.objects.get(source="ldap").user
    assert set(user.memberships.values_list("role", flat=True)) == {"auditor"}  # case-insensitive, source any
    client.logout()

    slapd.ldapmodify(
        f"dn: cn=certtrack-sy-auditors,ou=groups,{LDAP_SUFFIX}\nchangetype: modify\n"
        f"replace: member\nmember: uid=li.wei,ou=people,{LDAP_SUFFIX}\n\n"
        f"dn: cn=certtrack-sy-trainers,ou=groups,{LDAP_SUFFIX}\nchangetype: modify\n"
        f"add: member\nmember: uid=zhao.min,ou=people,{LDAP_SUFFIX}\n"
    )
    _sign_in(client, "zhao.min", "ldap-pass-zhao")

    assert set(user.memberships.values_list("role", flat=True)) == {"trainer"}
    revoked = AuditEvent.objects.get(action=AuditAction.SSO_ROLE_REVOKED)
    assert revoked.summary == "zhao.min: Auditor at SY revoked through ldap: no mapped group grants it any more"


def test_it_keeps_a_membership_given_by_hand(client, slapd, mappings, plant_sy, plant_de) -> None:
    _sign_in(client, "li.wei", "ldap-pass-li")
    user = SsoIdentity.objects.get(source="ldap").user
    factories.PlantMembershipFactory(user=user, plant=plant_de, role="hr")
    client.logout()
    SsoGroupMapping.objects.all().delete()

    _sign_in(client, "li.wei", "ldap-pass-li")

    assert set(user.memberships.values_list("plant__code", "role")) == {("DE", "hr")}


def test_it_refuses_a_wrong_password_and_axes_counts_it(client, slapd, mappings, settings) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2

    first = _sign_in(client, "li.wei", "wrong-password")
    assert first.status_code == 200 and not first.wsgi_request.user.is_authenticated
    assert AccessAttempt.objects.get(username="li.wei").failures_since_start == 1
    _sign_in(client, "li.wei", "wrong-password")
    locked = _sign_in(client, "li.wei", "ldap-pass-li")  # the right password, but locked out now

    assert locked.status_code == 429
    assert not SsoIdentity.objects.exists()


def test_it_refuses_an_unknown_ldap_user_when_creation_is_off(client, slapd, mappings, settings) -> None:
    settings.LDAP_CREATE_USERS = False

    response = _sign_in(client, "li.wei", "ldap-pass-li")

    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    refused = AuditEvent.objects.get(action=AuditAction.SSO_REFUSED)
    assert (
        refused.summary.startswith("Sign-in through ldap refused for ")
        and "LDAP_CREATE_USERS is off" in refused.summary
    )
    assert not PlantMembership.objects.exists()


def test_the_session_follows_the_idle_rule(client, slapd, mappings, settings) -> None:
    _sign_in(client, "li.wei", "ldap-pass-li")

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
