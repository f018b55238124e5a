"""The message after voiding an entry names its kind in the reader's language (issue #14, item 5)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assessments.services.results import assessment_record
from tests.assessments.helpers import result
from tests.languages import switch_language

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "记录已作废：SY001 HV-001 实操评估 {date}。"),
        ("en", "Entry voided: SY001 HV-001 Practical evaluation {date}."),
    ],
)
def test_it_names_the_voided_entrys_kind_in_the_readers_language(
    client, trainer, team, hv_course, today, language, expected
) -> None:
    practical = assessment_record(
        row=result(team[0], hv_course, "practical", today, trainer, passed=True), recorded_by=trainer
    )
    client.force_login(trainer)
    switch_language(client, language)

    response = client.post(reverse("assessments:assessment-void", args=[practical.pk]), {"reason": "wrong person"})

    assert [str(m) for m in get_messages(response.wsgi_request)] == [expected.format(date=today.isoformat())]
