"""POST /api/v1/results: the import's fields, every service rule, all or nothing, and Idempotency-Key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from api.idempotency import idempotency_keys_purge
from api.models import IdempotencyKey
from assessments.models import Assessment, AssessmentSource, AuditAction, AuditEvent
from employees.models import PlantMembership
from tests import factories
from tests.api.helpers import bearer, make_token


@pytest.fixture
def writer(trainer) -> str:
    return make_token(trainer, "results:write")


def _post(client: Client, token: str, results: list[dict], **headers: str) -> object:
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post(
        "/api/v1/results", {"results": results}, content_type="application/json", **bearer(token), **extra
    )


def _theory(employee, today: dt.date, score: int = 86) -> dict:
    return {
        "employee_no": employee.employee_no,
        "course_code": "HV-001",
        "kind": "theory",
        "assessed_on": (today - dt.timedelta(days=1)).isoformat(),
        "score": score,
    }


def _practical(employee, today: dt.date, **fields: object) -> dict:
    return {
        "employee_no": employee.employee_no,
        "course_code": "HV-001",
        "kind": "practical",
        "assessed_on": (today - dt.timedelta(days=1)).isoformat(),
        "passed": True,
        **fields,
    }


def test_it_records_results_and_answers_them(hv_course, team, today, writer, trainer, client) -> None:
    response = _post(client, writer, [_theory(team[0], today), _practical(team[0], today, level="u", notes="sim")])

    assert response.status_code == 201
    body = response.json()
    recorded = list(Assessment.objects.order_by("id"))
    assert body == {
        "results": [
            {
                "id": recorded[0].id,
                "employee": "SY001",
                "course": "HV-001",
                "kind": "theory",
                "assessed_on": (today - dt.timedelta(days=1)).isoformat(),
                "passed": True,
                "level": None,
                "provisional": False,
            },
            {
                "id": recorded[1].id,
                "employee": "SY001",
                "course": "HV-001",
                "kind": "practical",
                "assessed_on": (today - dt.timedelta(days=1)).isoformat(),
                "passed": True,
                "level": "U",
                "provisional": False,
            },
        ],
        "notices": [],
    }
    assert {a.source for a in recorded} == {AssessmentSource.API}
    assert (recorded[0].recorded_by, recorded[1].notes) == (trainer, "sim")
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_RECORDED).count() == 2


def test_a_refused_batch_lists_every_rows_errors_and_records_nothing(hv_course, team, today, writer, client) -> None:
    before = Assessment.objects.count()
    rows = [
        _theory(team[0], today),
        {**_theory(team[1], today), "employee_no": "NOBODY", "course_code": "NOPE"},
        {**_theory(team[2], today), "assessed_on": (today + dt.timedelta(days=3)).isoformat()},
        _practical(team[3], today, level="X", delivery_mode="teleport"),
        {**_theory(team[4], today), "score": 101},
        _practical(team[5], today, checklist_marks="1:ok;1:no"),
    ]

    response = _post(client, writer, rows)

    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["detail"]) == ("bad request", "Nothing was recorded: 5 result(s) refused.")
    where = {(e["index"], e["field"]) for e in body["errors"]}
    assert where >= {
        (1, "employee_no"),
        (1, "course_code"),
        (2, "assessed_on"),
        (3, "level"),
        (3, "delivery_mode"),
        (5, "checklist_marks"),
    }
    assert 0 not in {e["index"] for e in body["errors"]}
    messages = {(e["index"], e["field"]): e["message"] for e in body["errors"]}
    assert messages[(1, "employee_no")] == "Unknown employee NOBODY."
    assert messages[(5, "checklist_marks")] == "item 1 is marked twice"
    # Row 4 passes the import's own checks, and the services refuse its score: both stages speak, row 0 is fine.
    assert Assessment.objects.count() == before


def test_the_services_refusals_name_their_field(hv_course, team, today, writer, client) -> None:
    response = _post(client, writer, [{**_theory(team[0], today), "score": 101}, _theory(team[1], today)])

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "score", "message": "The score must be between 0 and 100.", "code": "score"}
    ]
    assert not Assessment.objects.exists()


def test_a_malformed_body_is_a_400_saying_where(hv_course, team, today, writer, client) -> None:
    response = _post(client, writer, [{"employee_no": "SY001", "kind": "theory", "assessed_on": "someday"}])

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad request"
    assert "results.0.course_code: Field required" in body["detail"]
    assert "results.0.assessed_on: Input should be a valid date" in body["detail"]
    too_many = _post(client, writer, [_theory(team[0], today)] * 501)
    assert too_many.status_code == 400
    assert "results: List should have at most 500 items" in too_many.json()["detail"]
    assert (
        client.post("/api/v1/results", "not json", content_type="application/json", **bearer(writer)).status_code == 400
    )
    assert not Assessment.objects.exists()


def test_the_assessor_may_be_another_authorised_trainer(hv_course, team, today, hr, plant_sy, client) -> None:
    other = factories.UserFactory(username="trainer-2")
    PlantMembership.objects.create(user=other, plant=plant_sy, role="trainer")
    factories.TrainerAuthorisationFactory(user=other, course=hv_course, plant=plant_sy)
    token = make_token(hr, "results:write")  # HR imports results in a trainer's name, as the import does

    unnamed = _post(client, token, [_theory(team[0], today)])
    assert unnamed.status_code == 400
    assert unnamed.json()["errors"][0]["field"] == "assessor"
    named = _post(client, token, [_theory(team[0], today) | {"assessor": "trainer-2"}])
    assert named.status_code == 201
    assessment = Assessment.objects.get()
    assert (assessment.assessor, assessment.recorded_by) == (other, hr)


def test_only_those_who_may_record_results_may_post(hv_course, team, today, manager, client) -> None:
    response = _post(client, make_token(manager, "results:write"), [_theory(team[0], today)])
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_a_token_limited_to_another_plant_does_not_see_the_employee(
    hv_course, team, today, trainer, plant_de, client
) -> None:
    PlantMembership.objects.create(user=trainer, plant=plant_de, role="trainer")
    token = make_token(trainer, "results:write", plants=[plant_de])

    response = _post(client, token, [_theory(team[0], today)])

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Unknown employee SY001."
    assert not Assessment.objects.exists()


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_a_retry_with_the_key_answers_the_first_answer_and_records_nothing(hv_course, team, today, writer, client):
    rows = [_theory(team[0], today)]
    first = _post(client, writer, rows, **{"Idempotency-Key": "batch-1"})
    again = _post(client, writer, rows, **{"Idempotency-Key": "batch-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert Assessment.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_RECORDED).count() == 1
    # Without the key the same result is a duplicate the services refuse: still recorded once.
    duplicate = _post(client, writer, rows)
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"][0]["code"] == "duplicate"
    assert Assessment.objects.count() == 1


def test_a_refusal_is_replayed_too(hv_course, team, today, writer, client) -> None:
    rows = [{**_theory(team[0], today), "score": 101}]
    first = _post(client, writer, rows, **{"Idempotency-Key": "k"})
    again = _post(client, writer, rows, **{"Idempotency-Key": "k"})
    assert (first.status_code, again.status_code) == (400, 400)
    assert again.json() == first.json()


def test_the_key_with_another_body_is_422(hv_course, team, today, writer, client) -> None:
    _post(client, writer, [_theory(team[0], today)], **{"Idempotency-Key": "k"})
    response = _post(client, writer, [_theory(team[1], today)], **{"Idempotency-Key": "k"})

    assert response.status_code == 422
    assert response.json() == {
        "error": "unprocessable",
        "detail": "this Idempotency-Key was used with another request: use a new key",
    }
    assert Assessment.objects.count() == 1


def test_a_key_in_progress_answers_409_and_keys_belong_to_their_user(
    hv_course, team, today, writer, trainer, hr, client
) -> None:
    IdempotencyKey.objects.create(user=trainer, key="running", fingerprint="x")
    response = _post(client, writer, [_theory(team[0], today)], **{"Idempotency-Key": "running"})

    assert response.status_code == 409
    assert response.json()["detail"] == "a request with this Idempotency-Key is in progress: retry"
    assert response["Retry-After"] == "1"
    assert not Assessment.objects.exists()
    # The same key of another user is another key.
    other = _post(
        client,
        make_token(hr, "results:write"),
        [_theory(team[0], today) | {"assessor": "trainer"}],
        **{"Idempotency-Key": "running"},
    )
    assert other.status_code == 201


def test_keys_are_kept_a_day(hv_course, team, today, writer, trainer, client) -> None:
    _post(client, writer, [_theory(team[0], today)], **{"Idempotency-Key": "old"})
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    IdempotencyKey.objects.create(user=trainer, key="new", fingerprint="x")

    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_a_bad_key_is_a_400(hv_course, team, today, writer, client) -> None:
    response = _post(client, writer, [_theory(team[0], today)], **{"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_a_nul_character_is_a_400_not_a_database_error(hv_course, team, today, writer, client) -> None:
    """PostgreSQL's text holds no NUL: the schema refuses it before any query (the fuzzer found it)."""
    response = _post(client, writer, [{**_theory(team[0], today), "employee_no": "SY001\x00", "notes": "a\x00b"}])
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"employee_no", "notes"}
    assert _post(client, writer, [_theory(team[0], today)], **{"Idempotency-Key": "a\x01b"}).status_code == 400
    assert not Assessment.objects.exists()


def test_a_key_left_in_progress_by_a_dead_request_is_freed(hv_course, team, today, writer, trainer, client) -> None:
    stale = IdempotencyKey.objects.create(user=trainer, key="k", fingerprint="x")
    IdempotencyKey.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))

    assert _post(client, writer, [_theory(team[0], today)], **{"Idempotency-Key": "k"}).status_code == 409
    retry = _post(client, writer, [_theory(team[0], today)], **{"Idempotency-Key": "k"})
    assert retry.status_code == 201
    assert Assessment.objects.count() == 1
