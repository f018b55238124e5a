"""Schemathesis against the generated OpenAPI document, in process (the WSGI app), with real tokens.

A small plant (DOMAIN.md's worked example at SY) and a token of a user who manages it and trains there,
holding every scope: whatever the fuzzer sends, no answer is a 5xx and every answer matches the schema
(status code, content type, body). Kept small (max_examples) so `make test` stays quick.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from courses.models import TrainerAuthorisation
from employees.models import PlantMembership
from tests import factories
from tests.api.helpers import make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzzed_token(worked_example, trainer) -> str:
    user = factories.UserFactory(username="mes")
    for role in ("manager", "trainer"):
        PlantMembership.objects.create(user=user, plant=worked_example["plant"], role=role)
    for authorisation in TrainerAuthorisation.objects.filter(user=trainer):
        factories.TrainerAuthorisationFactory(user=user, course=authorisation.course, plant=authorisation.plant)
    return make_token(user, "read", "gate", "results:write", "webhooks")


@pytest.fixture
def api_schema(fuzzed_token, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # As Django's test client does: a request must not close the test's connection (its transaction holds
    # the plant); on PostgreSQL request_finished would close it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_answer_matches_the_schema(case, fuzzed_token) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzzed_token}"}, checks=CHECKS)
