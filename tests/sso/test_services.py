"""The group mapping at sign-in, directly (sso/services.py): what the servers' tests rely on."""

from __future__ import annotations

import pytest

from assessments.models import AuditAction, AuditEvent
from sso.models import SsoGroupMapping, SsoIdentity, SsoManagedMembership
from sso.services import sso_sign_in_apply, sso_user_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mappings(plant_sy, plant_de):
    SsoGroupMapping.objects.create(source="oidc", group="sy-trainers", plant=plant_sy, role="trainer")
    SsoGroupMapping.objects.create(source="ldap", group="sy-managers", plant=plant_sy, role="manager")
    SsoGroupMapping.objects.create(source="any", group="de-hr", plant=plant_de, role="hr")


def _roles(user) -> set[tuple[str, str]]:
    return set(user.memberships.values_list("plant__code", "role"))


def test_it_grants_exactly_what_the_groups_of_this_source_map_to(mappings) -> None:
    user = sso_user_create(source="oidc", subject="emp-1", username="li")

    outcome = sso_sign_in_apply(
        user=user, source="oidc", subject="emp-1", groups=["SY-Trainers", "sy-managers", "de-hr"]
    )

    assert _roles(user) == {("SY", "trainer"), ("DE", "hr")}  # sy-managers is mapped for LDAP only
    assert set(outcome.granted) == {("SY", "trainer"), ("DE", "hr")}
    assert AuditEvent.objects.filter(action=AuditAction.SSO_ROLE_GRANTED).count() == 2
    assert SsoIdentity.objects.get(user=user).last_sign_in_at is not None


def test_it_revokes_what_no_group_grants_any_more_and_keeps_hand_given_roles(mappings, plant_sy) -> None:
    user = sso_user_create(source="oidc", subject="emp-1", username="li")
    sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=["sy-trainers", "de-hr"])
    factories.PlantMembershipFactory(user=user, plant=plant_sy, role="auditor")  # by hand

    outcome = sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=["de-hr"])

    assert _roles(user) == {("SY", "auditor"), ("DE", "hr")}
    assert outcome.revoked == [("SY", "trainer")]
    assert SsoManagedMembership.objects.count() == 1


def test_a_hand_given_role_that_a_group_also_grants_stays_hand_given(mappings, plant_sy) -> None:
    user = factories.UserFactory(username="li")
    factories.PlantMembershipFactory(user=user, plant=plant_sy, role="trainer")
    sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=["sy-trainers"])

    sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=[])

    assert _roles(user) == {("SY", "trainer")}
    assert not SsoManagedMembership.objects.exists()


def test_a_de_user_never_gets_an_sy_role_from_sy_looking_groups(mappings) -> None:
    user = sso_user_create(source="oidc", subject="emp-2", username="anna")

    sso_sign_in_apply(user=user, source="oidc", subject="emp-2", groups=["de-hr", "SY", "sy", "plant:SY:trainer"])

    assert _roles(user) == {("DE", "hr")}


def test_a_user_with_no_mapped_group_signs_in_with_no_role(mappings) -> None:
    user = sso_user_create(source="oidc", subject="emp-3", username="li")

    outcome = sso_sign_in_apply(user=user, source="oidc", subject="emp-3", groups=["somewhere-else"])

    assert outcome.roles == 0 and _roles(user) == set()
    signed_in = AuditEvent.objects.get(action=AuditAction.SSO_SIGNED_IN)
    assert signed_in.summary == "li signed in through oidc, groups: somewhere-else"


def test_new_user_names_never_clash(db) -> None:
    factories.UserFactory(username="li")

    user = sso_user_create(source="oidc", subject="emp-4", username="li")

    assert user.username == "li-2" and not user.has_usable_password()


def test_each_provider_revokes_only_the_roles_it_manages(mappings) -> None:
    """With OIDC and LDAP both on, signing in through one never takes back what the other granted."""
    user = sso_user_create(source="oidc", subject="emp-1", username="li")
    sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=["sy-trainers"])
    sso_sign_in_apply(user=user, source="ldap", subject="uuid-1", groups=["sy-managers"])
    assert _roles(user) == {("SY", "trainer"), ("SY", "manager")}

    oidc = sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=["sy-trainers"])
    ldap = sso_sign_in_apply(user=user, source="ldap", subject="uuid-1", groups=["sy-managers"])

    assert oidc.revoked == [] and ldap.revoked == []
    assert _roles(user) == {("SY", "trainer"), ("SY", "manager")}

    outcome = sso_sign_in_apply(user=user, source="ldap", subject="uuid-1", groups=[])  # left the LDAP group

    assert outcome.revoked == [("SY", "manager")] and _roles(user) == {("SY", "trainer")}


def test_a_missing_groups_claim_leaves_the_roles_as_they_were_and_says_so(mappings) -> None:
    """Entra ID leaves the groups claim out for a user in more than 200 groups: unknown, not none."""
    user = sso_user_create(source="oidc", subject="emp-1", username="li")
    sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=["sy-trainers", "de-hr"])

    outcome = sso_sign_in_apply(user=user, source="oidc", subject="emp-1", groups=None, groups_claim="groups")

    assert outcome.revoked == [] and outcome.granted == []
    assert _roles(user) == {("SY", "trainer"), ("DE", "hr")}
    event = AuditEvent.objects.filter(action=AuditAction.SSO_SIGNED_IN).latest("id")
    assert event.summary == "li signed in through oidc without the groups claim: roles left as they were"


def test_the_admin_refuses_a_mapping_differing_only_in_case(admin_client, mappings, plant_sy) -> None:
    from django.urls import reverse

    url = reverse("admin:sso_ssogroupmapping_add")
    data = {"source": "oidc", "group": "SY-TRAINERS", "plant": plant_sy.pk, "role": "trainer"}

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "This group already grants this role at this plant" in response.content.decode()
    assert SsoGroupMapping.objects.filter(group__iexact="sy-trainers").count() == 1
    assert admin_client.post(url, {**data, "role": "auditor"}).status_code == 302  # another role: a new row
