"""A pass dated on (or before) a revocation restores nothing (DOMAIN.md): the person recording it is told so,
with the revocation's date, by every entry path (issue #14 item 11)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from assessments.models import Certification
from assessments.services.certifications import certification_revoke
from assessments.services.results import assessments_record
from spreadsheets.engine import import_run
from tests.assessments.helpers import certify, result
from tests.spreadsheets.helpers import RESULT_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def revoked(team, hv_course, trainer, manager, today) -> Certification:
    """SY001 certified in HV-001 a month ago, revoked today by the plant manager."""
    certify(team[0], hv_course, today - dt.timedelta(days=30), trainer)
    return certification_revoke(
        certification=Certification.objects.get(employee=team[0], course=hv_course),
        actor=manager,
        reason="quality incident Q-17",
    )


def _notice(revoked_on: dt.date) -> str:
    return (
        f"SY001's certification in HV-001 stays revoked: it was revoked on {revoked_on.isoformat()}, and a pass "
        "restores it only when dated after the revocation."
    )


def test_it_tells_that_a_same_day_pass_leaves_the_certification_revoked(revoked, team, hv_course, trainer, today):
    recorded = assessments_record(
        rows=[
            result(team[0], hv_course, "theory", today, trainer, score=95),
            result(team[0], hv_course, "practical", today, trainer, passed=True),
        ],
        recorded_by=trainer,
    )

    assert len(recorded) == 2
    assert recorded.notices == [_notice(today)]  # once per certification, not per row
    revoked.refresh_from_db()
    assert (revoked.certified_on, revoked.status_on(today)) == (None, "revoked")


def test_it_says_nothing_of_a_pass_dated_after_the_revocation(revoked, team, hv_course, trainer, today) -> None:
    Certification.objects.filter(pk=revoked.pk).update(revoked_on=today - dt.timedelta(days=5))

    recorded = assessments_record(
        rows=[
            result(team[0], hv_course, "theory", today, trainer, score=95),
            result(team[0], hv_course, "practical", today, trainer, passed=True),
        ],
        recorded_by=trainer,
    )

    assert recorded.notices == []
    revoked.refresh_from_db()
    assert revoked.is_valid_on(today)


def test_it_says_nothing_of_a_fail_or_of_someone_not_revoked(revoked, team, hv_course, trainer, today) -> None:
    recorded = assessments_record(
        rows=[
            result(team[0], hv_course, "theory", today, trainer, score=40),
            result(team[1], hv_course, "theory", today, trainer, score=95),
        ],
        recorded_by=trainer,
    )

    assert recorded.notices == []


def test_it_tells_when_one_kind_after_the_revocation_still_lacks_the_other(
    revoked, team, hv_course, trainer, today
) -> None:
    Certification.objects.filter(pk=revoked.pk).update(revoked_on=today - dt.timedelta(days=5))
    assessments_record(rows=[result(team[0], hv_course, "theory", today, trainer, score=95)], recorded_by=trainer)

    recorded = assessments_record(
        rows=[result(team[0], hv_course, "practical", today - dt.timedelta(days=5), trainer, passed=True)],
        recorded_by=trainer,
    )

    assert recorded.notices == [_notice(today - dt.timedelta(days=5))]


def test_it_shows_the_notice_beside_the_success_of_a_single_result(
    client, revoked, team, hv_course, trainer, today
) -> None:
    client.force_login(trainer)

    response = client.post(
        reverse("assessments:result-create", args=[team[0].employee_no]),
        {
            "course": hv_course.pk,
            "kind": "practical",
            "assessed_on": today.isoformat(),
            "practical": "pass",
            "form_key": str(uuid.uuid4()),
        },
        follow=True,
    )

    content = response.content.decode()
    assert "Recorded: HV-001 Practical evaluation, pass." in content
    assert _notice(today).replace("'", "&#x27;") in content


def test_it_lists_the_notice_as_a_warning_of_the_import_preview(
    tmp_path, plant_sy, revoked, team, hv_course, trainer, today
) -> None:
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {
            "Results": [
                RESULT_HEADERS,
                [team[0].employee_no, "HV-001", "practical", today.isoformat(), None, "yes", "", ""],
            ]
        },
    )

    preview = import_run(kind="results", path=path, user=trainer, plant=plant_sy)

    assert preview.ok and preview.counts()["created"] == 1
    assert preview.warnings == [f"Results row 2: {_notice(today)}"]
