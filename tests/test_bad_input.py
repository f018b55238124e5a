"""Property-based: any input to any form or query parameter gives a page or a 4xx, never a 500.

Hypothesis throws arbitrary text, numbers, impossible dates, NUL bytes and huge
values at every form and filter, as an admin and as a trainer.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_permission_matrix import _planned_session, world  # noqa: F401 - the shared fixture

NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "2026-02-30",
        "9999-12-31",
        "0001-01-01",
        "SY",
        "DE",
        "L1",
        "S1",
        "HV-001",
        "nan",
        "None",
        "\x00",
        "1" * 400,
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "=SUM(A1)",
        "１２３",
        "2026年3月1日",
        "true",
    ]
)
VALUE = st.one_of(NASTY, st.text(max_size=40), st.integers(min_value=-(10**15), max_value=10**15).map(str))


def _fields(names: list[str]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUE))


GET_TARGETS = {
    "assessments:audit-log": ["actor", "employee", "course", "action", "date_from", "date_to", "page"],
    "assessments:audit-export": ["actor", "employee", "course", "action", "date_from", "date_to"],
    "assessments:employee-list": ["q", "line", "status", "page"],
    "assessments:session-list": ["mine", "page"],
    "notifications:list": ["page"],
    "hr:roster-export": ["plant", "line"],
    "assessments:session-create": ["course"],
}

POST_TARGETS = {
    "assessments:session-create": ["course", "plant", "held_on", "location", "delivery_mode", "notes"],
    "login": ["username", "password"],
    "notifications:read": ["id"],
    "notifications:preferences": ["channel", "digest"],
}

OBJECT_POSTS = {
    "assessments:session-attendees-add": (lambda w: {"pk": w["session"].pk}, ["q", "line", "station", "pick"]),
    "assessments:session-results": (
        lambda w: {"pk": w["session"].pk},
        ["assessed_on", "form_key", "row-{e}-score", "row-{e}-practical", "row-{e}-checklist_notes", "row-{e}-notes"],
    ),
    "assessments:result-create": (
        lambda w: {"employee_no": w["employee"].employee_no},
        ["course", "kind", "assessed_on", "score", "practical", "checklist_notes", "notes", "form_key"],
    ),
    "assessments:session-edit": (
        lambda w: {"pk": w["session"].pk},
        ["held_on", "location", "delivery_mode", "trainer"],
    ),
    "assessments:session-cancel": (lambda w: {"pk": w["session"].pk}, ["reason"]),
    "assessments:assessment-void": (lambda w: {"pk": w["assessment"].pk}, ["reason", "next"]),
    "assessments:certification-revoke": (lambda w: {"pk": w["certification"].pk}, ["reason"]),
    # Planned sessions (issue #18).
    "planning:session-create": (
        lambda w: {"plant_code": "SY"},
        ["course", "planned_on", "trainer", "seats", "delivery_mode", "line", "shift", "location", "attendees"],
    ),
    "planning:session-edit": (
        lambda w: {"plant_code": "SY", "pk": _planned_session(w).pk},
        ["planned_on", "trainer", "seats", "delivery_mode", "line", "shift", "notes", "attendees"],
    ),
    "planning:session-cancel": (lambda w: {"plant_code": "SY", "pk": _planned_session(w).pk}, ["reason"]),
}

# Pages under a plant's code: their query parameters (the plan list's filters, the plan form's prefill).
OBJECT_GETS = {
    "planning:session-list": (
        lambda w: {"plant_code": "SY"},
        ["line", "course", "trainer", "month", "status", "page"],
    ),
    "planning:session-create": (lambda w: {"plant_code": "SY"}, ["course", "line", "employees", "attendee"]),
}

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _client(world: dict, persona: str) -> Client:  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(world["personas"][persona])
    return client


@pytest.mark.parametrize("persona", ["admin", "trainer"])
@pytest.mark.parametrize("name", sorted(GET_TARGETS))
def test_query_parameters_never_cause_a_500(world, name: str, persona: str) -> None:  # noqa: F811
    client = _client(world, persona)
    url = reverse(name)

    @FUZZ
    @given(params=_fields(GET_TARGETS[name]))
    def check(params: dict) -> None:
        assert client.get(url, params).status_code < 500

    check()


@pytest.mark.parametrize("name", sorted(POST_TARGETS))
def test_forms_never_cause_a_500(world, name: str) -> None:  # noqa: F811
    client = _client(world, "trainer")
    url = reverse(name)

    @FUZZ
    @given(data=_fields(POST_TARGETS[name]))
    def check(data: dict) -> None:
        assert client.post(url, data).status_code < 500

    check()


@pytest.mark.parametrize("name", sorted(OBJECT_POSTS))
def test_object_forms_never_cause_a_500(world, name: str) -> None:  # noqa: F811
    client = _client(world, "trainer")
    world["session"].attendees.add(world["employee"])
    kwargs, fields = OBJECT_POSTS[name]
    url = reverse(name, kwargs=kwargs(world))
    fields = [f.format(e=world["employee"].id) for f in fields]

    @FUZZ
    @given(data=_fields(fields))
    def check(data: dict) -> None:
        assert client.post(url, data).status_code < 500

    check()


@pytest.mark.parametrize("persona", ["admin", "trainer"])
@pytest.mark.parametrize("name", sorted(OBJECT_GETS))
def test_object_query_parameters_never_cause_a_500(world, name: str, persona: str) -> None:  # noqa: F811
    client = _client(world, persona)
    kwargs, fields = OBJECT_GETS[name]
    url = reverse(name, kwargs=kwargs(world))

    @FUZZ
    @given(params=_fields(fields))
    def check(params: dict) -> None:
        assert client.get(url, params).status_code < 500

    check()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("api:plant-readiness", lambda w: {"code": w["plant"].code}),
        ("api:employee-certifications", lambda w: {"employee_no": w["employee"].employee_no}),
    ],
)
def test_api_query_parameters_give_json_or_a_4xx(world, name: str, kwargs) -> None:  # noqa: F811
    client = _client(world, "admin")
    url = reverse(name, kwargs=kwargs(world))

    @FUZZ
    @given(params=_fields(["date"]))
    def check(params: dict) -> None:
        response = client.get(url, params)
        assert response.status_code in (200, 400)
        assert response["Content-Type"] == "application/json"
        if response.status_code == 400:
            assert response.json()["detail"]

    check()
