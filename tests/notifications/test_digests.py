"""The weekly digest of a plant manager, its one-click unsubscribe, and the once-a-week rule."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client

from assessments.readiness.dashboards import rollup_statuses
from assessments.readiness.recompute import plant_recompute
from notifications.links import unsubscribe_token
from notifications.models import Digest, NotificationPreference, PlantRun
from notifications.services.digests import digest_figures
from notifications.services.outbox import outbox_send
from notifications.services.runs import plant_run
from planning.models import PlannedSession
from tests import factories
from tests.notifications.conftest import SITE_URL

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def digest_world(world):
    """Station S1 of L1 (one shift, target 1) that Ann alone covers: her HV-001 (plant-wide) expires on
    2027-01-01, inside the 30 days from MONDAY, so S1 loses its coverage; HV-001 results behind the rows."""
    factories.StationFactory(line=world["l1"], code="S1")
    for key, passed_on in (("ann-hv-30", datetime.date(2026, 1, 1)), ("cat-hv-0", datetime.date(2025, 12, 2))):
        certification = world["certs"][key]
        certification.certified_on = certification.theory_passed_on = passed_on
        certification.save()
        factories.AssessmentFactory(
            employee=certification.employee,
            course=world["hv"],
            kind="theory",
            score=90,
            passed=True,
            assessed_on=passed_on,
        )
    return world


def test_the_figures_name_what_expires_the_stations_it_uncovers_and_the_unplanned_gaps(digest_world) -> None:
    w = digest_world
    figures = digest_figures(plant=w["plant"], on_date=MONDAY)
    assert [(c.employee.employee_no, c.course.code) for c in figures.expiring] == [("E001", "HV-001")]
    assert [s.code for s in figures.stations] == ["S1"]
    # HV-001 is not met on MONDAY + 30 by Ann (expired), Bob (never), Cat (expired).
    assert [(g.course.code, g.people) for g in figures.gaps] == [("HV-001", 3)]
    session = PlannedSession.objects.create(
        plant=w["plant"],
        course=w["hv"],
        planned_on=MONDAY + datetime.timedelta(days=10),
        seats=4,
        trainer=w["trainer-hv"],
        delivery_mode="classroom",
        created_by=w["trainer-hv"],
    )
    session.attendees.set([w["certs"]["bob-pk-0"].employee])
    assert [(g.course.code, g.people) for g in digest_figures(plant=w["plant"], on_date=MONDAY).gaps] == [("HV-001", 2)]


def test_a_manager_gets_the_digest_once_a_week_in_german_and_unsubscribes_with_one_click(digest_world, smtp) -> None:
    w = digest_world
    result = plant_run(plant=w["plant"], on_date=MONDAY)
    assert result.digests == 1
    outbox_send()
    (digest,) = [
        m for m in smtp.inbox.to("manager-sy@example.com") if "digest" in m["Subject"].lower() or "W50" in m["Subject"]
    ]
    assert digest["Content-Language"] == "de"
    assert "2026-W50" in digest["Subject"]
    body = digest.get_content()
    assert "7. Dezember 2026" in body  # the German date of MONDAY
    assert "E001 Ann (L1): HV-001" in body and "L1/S1" in body and "HV-001 High-voltage safety: 3" in body
    assert f"{SITE_URL}/dashboard/plants/SY/" in body
    link = re.search(rf"{re.escape(SITE_URL)}(/notifications/unsubscribe/[^/\s]+/)", body).group(1)
    assert digest["List-Unsubscribe"].strip() == f"<{SITE_URL}{link}>"

    # Once per (manager, plant, ISO week): a run forced again on Wednesday of the same week adds none.
    PlantRun.objects.all().delete()
    assert plant_run(plant=w["plant"], on_date=MONDAY).digests == 0
    assert Digest.objects.count() == 1

    # Opening the link (a person, or a mail scanner following links) only asks: nothing changes yet.
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")  # no login: the signed link is enough
    response = browser.get(link)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="unsubscribe-confirm"' in page and 'id="unsubscribed"' not in page
    assert f'<form method="post" action="{link}">' in page
    assert '<html lang="de">' in page  # the manager's German, not the browser's English (new msgids: pending)
    assert not NotificationPreference.objects.filter(user=w["manager-sy"], digest=False).exists()
    response = browser.post(link)  # the page's one button
    assert response.status_code == 200
    assert 'id="unsubscribed"' in response.content.decode() and "Abbestellt" in response.content.decode()
    assert NotificationPreference.objects.get(user=w["manager-sy"]).digest is False
    assert plant_run(plant=w["plant"], on_date=MONDAY + datetime.timedelta(days=7)).digests == 0


def test_the_one_click_post_of_a_mail_client_unsubscribes_without_a_csrf_token(digest_world) -> None:
    manager = digest_world["manager-sy"]
    response = Client(enforce_csrf_checks=True).post(
        f"/notifications/unsubscribe/{unsubscribe_token(user_id=manager.pk)}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=manager).digest is False


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxfQ:1abc:forged"])
def test_a_forged_or_damaged_unsubscribe_link_gets_a_clear_400(digest_world, token: str) -> None:
    response = Client().get(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert 'id="unsubscribe-bad"' in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_token_for_another_purpose_is_refused(digest_world) -> None:
    from django.core import signing

    token = signing.dumps({"u": digest_world["manager-sy"].pk}, salt="something-else")
    assert Client().get(f"/notifications/unsubscribe/{token}/").status_code == 400


def test_the_stored_roll_up_of_the_day_gives_the_same_stations(digest_world) -> None:
    """With the roll-up computed for D and nothing pending, today's coverage is read from it, not computed."""
    w = digest_world
    plant_recompute(plant_id=w["plant"].id, on_date=MONDAY)
    status = rollup_statuses(plant_ids=[w["plant"].id])[w["plant"].id]
    assert (status.on_date, status.pending) == (MONDAY, 0)  # the stored path applies
    figures = digest_figures(plant=w["plant"], on_date=MONDAY)
    assert [s.code for s in figures.stations] == ["S1"]
