"""Two requests with one Idempotency-Key at the same moment record once (PostgreSQL: real row locks)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client

from assessments.models import Assessment
from tests.api.helpers import bearer, make_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_requests_with_one_key_record_once(hv_course, team, trainer) -> None:
    token = make_token(trainer, "results:write")
    today = team[0].plant.local_today()
    body = {
        "results": [
            {
                "employee_no": team[0].employee_no,
                "course_code": "HV-001",
                "kind": "theory",
                "assessed_on": (today - dt.timedelta(days=1)).isoformat(),
                "score": 90,
            }
        ]
    }
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    answers: list[tuple[int, bytes]] = []

    def post() -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/results",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="shift-1",
                **bearer(token),
            )
            answers.append((response.status_code, response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _content in answers)
    assert len(answers) == threads_count
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert len({content for status, content in answers if status == 201}) == 1  # the replays are the first answer
    assert Assessment.objects.count() == 1
    retry = Client().post(
        "/api/v1/results", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="shift-1", **bearer(token)
    )
    assert (retry.status_code, retry.content) == (201, next(c for s, c in answers if s == 201))
    assert Assessment.objects.count() == 1
