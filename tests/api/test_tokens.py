"""Tokens with scopes: created (command, admin) and audited, limited by scope and plant, expiring, revocable."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.tokens import api_token_revoke
from assessments.models import ApiToken, AuditAction, AuditEvent
from employees.models import PlantMembership
from tests import factories
from tests.api.helpers import bearer, make_token


@pytest.fixture
def manager_two_plants(manager, plant_de):
    """The SY manager manages DE too."""
    PlantMembership.objects.create(user=manager, plant=plant_de, role="manager")
    return manager


def _codes(client: Client, token: str) -> list[str]:
    response = client.get("/api/v1/plants", **bearer(token))
    assert response.status_code == 200
    return [plant["code"] for plant in response.json()["plants"]]


def test_the_command_creates_a_scoped_plant_limited_expiring_token_and_audits_it(
    manager_two_plants, plant_sy, client
) -> None:
    out = StringIO()
    call_command(
        "create_api_token",
        "manager",
        "--name",
        "MES",
        "--scope",
        "read",
        "--scope",
        "gate",
        "--plant",
        "SY",
        "--expires-days",
        "90",
        stdout=out,
    )
    token = out.getvalue().strip()

    api_token = ApiToken.objects.get(user=manager_two_plants)
    assert (api_token.name, api_token.scopes) == ("MES", ["gate", "read"])
    assert [plant.code for plant in api_token.plants.all()] == ["SY"]
    assert dt.timedelta(days=89) < api_token.expires_at - timezone.now() <= dt.timedelta(days=90)
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED)
    assert event.summary == f"API token {api_token.prefix}… MES created for manager, scopes: gate, read, plants: SY"
    assert token not in event.summary
    assert _codes(client, token) == ["SY"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "no active user 'nobody'"),
        (["manager", "--plant", "XX"], "no plant XX"),
        (["manager", "--expires-days", "0"], "--expires-days must be 1 or more"),
    ],
)
def test_the_command_refuses_bad_input(manager, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_unknown_scope(manager) -> None:
    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        call_command("create_api_token", "manager", "--scope", "admin", stdout=StringIO(), stderr=StringIO())


def test_a_token_without_the_scope_is_403_naming_it(worked_example, manager, client) -> None:
    token = make_token(manager, "gate")

    for url in ("/api/v1/plants", "/api/v1/plants/SY/readiness", "/api/v1/employees/A/certifications"):
        response = client.get(url, **bearer(token))
        assert response.status_code == 403
        assert response.json() == {"error": "forbidden", "detail": "this token lacks the scope 'read'"}
    response = client.post("/api/v1/results", {"results": []}, content_type="application/json", **bearer(token))
    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "detail": "this token lacks the scope 'results:write'"}


def test_a_plant_limited_token_sees_only_its_plants(manager_two_plants, plant_sy, plant_de, client) -> None:
    every = make_token(manager_two_plants, "read")
    de_only = make_token(manager_two_plants, "read", plants=[plant_de])

    assert _codes(client, every) == ["DE", "SY"]
    assert _codes(client, de_only) == ["DE"]
    assert client.get("/api/v1/plants/DE/readiness", **bearer(de_only)).status_code == 200
    response = client.get("/api/v1/plants/SY/readiness", **bearer(de_only))
    assert (response.status_code, response.json()) == (404, {"error": "not found"})


def test_a_token_cannot_reach_beyond_its_user_however_its_plants_read(manager, plant_sy, plant_de, client) -> None:
    token = make_token(manager, "read", plants=[plant_de])  # the manager holds no role at DE
    assert _codes(client, token) == []
    assert client.get("/api/v1/plants/DE/readiness", **bearer(token)).status_code == 404


def test_an_admins_plant_limited_token_acts_at_those_plants_only(admin_user, worked_example, plant_de, client) -> None:
    token = make_token(admin_user, "read", plants=[plant_de])

    assert _codes(client, token) == ["DE"]
    assert client.get("/api/v1/employees/A/certifications", **bearer(token)).status_code == 404
    admin_user.refresh_from_db()
    assert admin_user.is_superuser  # the limit lives in the request only


def test_an_expired_or_revoked_token_is_401_with_the_reason(manager, admin_user, plant_sy, client) -> None:
    expired = make_token(manager, "read", expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked = make_token(manager, "read")
    api_token = ApiToken.objects.get(prefix=revoked[3:11])

    assert api_token_revoke(api_token=api_token, revoked_by=admin_user) is True
    assert api_token_revoke(api_token=api_token, revoked_by=admin_user) is False  # once

    for token, reason in ((expired, "this token has expired"), (revoked, "this token was revoked")):
        response = client.get("/api/v1/plants", **bearer(token))
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorised", "detail": reason}
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1
    assert AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKED).actor == admin_user


def test_authentication_is_one_query_and_last_use_is_written_once_a_minute(manager, plant_sy, client) -> None:
    token = make_token(manager, "read")
    api_token = ApiToken.objects.get(user=manager)

    client.get("/api/v1/plants", **bearer(token))
    api_token.refresh_from_db()
    first_use = api_token.last_used_at
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/plants", **bearer(token)).status_code == 200

    token_queries = [q["sql"] for q in queries.captured_queries if "assessments_apitoken" in q["sql"]]
    assert len(token_queries) == 1  # the token, its user and its plants in one SELECT; no second write
    assert token_queries[0].lstrip().upper().startswith("SELECT")
    api_token.refresh_from_db()
    assert api_token.last_used_at == first_use
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=first_use - dt.timedelta(minutes=2))
    client.get("/api/v1/plants", **bearer(token))
    api_token.refresh_from_db()
    assert api_token.last_used_at > first_use


def test_admins_create_scoped_tokens_list_and_revoke_them(admin_user, manager, plant_sy, client) -> None:
    client.force_login(admin_user)
    response = client.post(
        "/admin/assessments/apitoken/add/",
        {"user": manager.id, "name": "simulator", "scopes": ["read", "results:write"], "plants": [plant_sy.id]},
        follow=True,
    )
    assert response.status_code == 200
    token = next(str(m) for m in response.context["messages"]).rsplit(" ", 1)[-1]
    api_token = ApiToken.objects.get(user=manager)
    assert (api_token.scopes, api_token.created_by) == (["read", "results:write"], admin_user)
    assert [plant.code for plant in api_token.plants.all()] == ["SY"]
    assert AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED).actor == admin_user
    assert _codes(Client(), token) == ["SY"]

    listing = client.get("/admin/assessments/apitoken/").content.decode()
    assert "read, results:write" in listing and api_token.prefix in listing

    client.post(
        "/admin/assessments/apitoken/",
        {"action": "revoke", "_selected_action": [api_token.pk]},
        follow=True,
    )
    api_token.refresh_from_db()
    assert (api_token.revoked_at is not None, api_token.revoked_by) == (True, admin_user)
    assert Client().get("/api/v1/plants", **bearer(token)).status_code == 401


def test_session_users_need_the_csrf_token_to_post(trainer, plant_sy) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer)
    response = client.post("/api/v1/results", {"results": []}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "CSRF" in response.json()["detail"]


def test_a_session_user_has_every_scope_within_their_roles(trainer, manager, plant_sy, client) -> None:
    client.force_login(manager)
    assert client.get("/api/v1/plants/SY/readiness").status_code == 200
    client.force_login(trainer)  # no dashboards for a trainer: the plant is invisible
    assert client.get("/api/v1/plants/SY/readiness").status_code == 404
    factories.PlantFactory(code="XX")
    assert client.get("/api/v1/plants/XX/readiness").status_code == 404
