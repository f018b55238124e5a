"""The daily reminder run against a real SMTP server: who is told, in which language, with which links,
once; what an SMTP outage and a renewal do."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications.models import (
    EmailMessage,
    EmailStatus,
    Notification,
    PlantRun,
    Reminder,
    ReminderLadder,
    rungs_parse,
)
from notifications.services.outbox import MAX_ATTEMPTS, STALE, outbox_send
from notifications.services.preferences import preference_set
from notifications.services.runs import plant_run, plants_due
from tests import factories
from tests.notifications.conftest import SITE_URL, D

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


def _run_and_send(world, on_date=D) -> int:
    plant_run(plant=world["plant"], on_date=on_date)
    return outbox_send()


def test_it_tells_each_reader_what_concerns_them_once_in_their_language(world, smtp) -> None:
    assert _run_and_send(world) == 4

    assert sorted(address for rcpt, _m in smtp.inbox.received for address in rcpt) == [
        "manager-sy@example.com",
        "sup-all@example.com",
        "sup-l1@example.com",
        "trainer-hv@example.com",
    ]
    (chinese,) = smtp.inbox.to("sup-l1@example.com")
    assert chinese["Content-Language"] == "zh-hans"
    body = chinese.get_content()
    # The L1 supervisor hears of L1's people only (Ann in 30 days, Cat today), dates in the Chinese format.
    assert "E001 Ann (L1): HV-001" in body and "E003 Cat (L1): HV-001" in body and "E002" not in body
    assert "2027年1月1日" in body  # D + 30 days, DATE_FORMAT of zh-hans
    assert f"{SITE_URL}/employees/E001/" in body
    (plant_wide,) = smtp.inbox.to("sup-all@example.com")
    assert all(f"{SITE_URL}/employees/{no}/" in plant_wide.get_content() for no in ("E001", "E002", "E003"))
    assert plant_wide["Subject"] == "3 certifications at SY reach a reminder date"
    (german,) = smtp.inbox.to("manager-sy@example.com")
    assert german["Content-Language"] == "de"
    assert "E003 Cat" in german.get_content() and "E001" not in german.get_content()
    assert "2. Dezember 2026" in german.get_content()  # German DATE_FORMAT and Django's own month names
    (hungarian,) = smtp.inbox.to("trainer-hv@example.com")
    assert hungarian["Content-Language"] == "hu"
    assert "E002" not in hungarian.get_content()  # PK-002: not their course
    assert not smtp.inbox.to("sup-de@example.com")

    assert Reminder.objects.count() == 3
    assert Notification.objects.filter(user=world["sup-all"]).count() == 3
    assert Notification.objects.count() == 8

    # The job again, and a run forced again for the same day: nothing new decided, nothing sent twice.
    assert plant_run(plant=world["plant"], on_date=D).done_before
    PlantRun.objects.all().delete()
    assert plant_run(plant=world["plant"], on_date=D).reminders == 0
    assert outbox_send() == 0
    assert len(smtp.inbox.received) == 4
    assert Reminder.objects.count() == 3 and Notification.objects.count() == 8


def test_it_keeps_emails_while_smtp_is_down_and_sends_them_once_when_it_is_back(world, smtp) -> None:
    smtp.stop()
    assert _run_and_send(world) == 0
    pending = EmailMessage.objects.filter(status=EmailStatus.PENDING)
    assert pending.count() == 4
    assert "ConnectionRefusedError" in pending.order_by("id").first().last_error

    smtp.start()
    assert outbox_send() == 4
    assert outbox_send() == 0
    assert len(smtp.inbox.received) == 4
    assert set(EmailMessage.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_a_renewal_cancels_the_later_rungs_of_the_old_expiry(world, smtp) -> None:
    ann = world["certs"]["ann-hv-30"]
    plant_run(plant=world["plant"], on_date=D)  # rung 30 decided, not sent yet
    ann.expires_on = ann.expires_on + datetime.timedelta(days=365)  # renewed before it went out
    ann.certified_on = D
    ann.save()
    outbox_send()
    assert all("E001" not in message.get_content() for _r, message in smtp.inbox.received)
    # The old expiry's rung 7 day comes: nothing for Ann.
    plant_run(plant=world["plant"], on_date=D + datetime.timedelta(days=23))
    assert not Reminder.objects.filter(certification=ann, on_date=D + datetime.timedelta(days=23)).exists()


def test_an_email_whose_every_line_was_renewed_is_cancelled(world, smtp) -> None:
    plant_run(plant=world["plant"], on_date=D)
    for key in ("ann-hv-30", "bob-pk-0", "cat-hv-0"):
        certification = world["certs"][key]
        certification.expires_on = D + datetime.timedelta(days=400)
        certification.save()
    assert outbox_send() == 0
    assert set(EmailMessage.objects.values_list("status", flat=True)) == {EmailStatus.CANCELLED}
    assert smtp.inbox.received == []


def test_it_follows_each_readers_channels(world, smtp) -> None:
    preference_set(user_id=world["sup-all"].pk, channel="in_app")
    preference_set(user_id=world["sup-l1"].pk, channel="email")
    _run_and_send(world)
    assert not smtp.inbox.to("sup-all@example.com")
    assert Notification.objects.filter(user=world["sup-all"]).count() == 3
    assert len(smtp.inbox.to("sup-l1@example.com")) == 1
    assert not Notification.objects.filter(user=world["sup-l1"]).exists()


def test_the_plant_ladder_decides_the_rungs(world, smtp) -> None:
    ReminderLadder.objects.create(plant=world["plant"], rungs="45")
    plant_run(plant=world["plant"], on_date=D)
    assert list(Reminder.objects.values_list("certification_id", "rung")) == [(world["certs"]["cat-pk-45"].pk, 45)]


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "rungs_bad"), ("90,x", "rungs_bad"), ("400", "rungs_bad"), ("-1", "rungs_bad"), ("30,30", "rungs_repeated")],
)
def test_a_bad_ladder_is_refused(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        rungs_parse(text)
    assert error.value.code == code


def test_rungs_are_sorted_largest_first() -> None:
    assert rungs_parse(" 7, 90,0 ,30") == [90, 30, 7, 0]


def test_a_plant_is_due_once_a_day_from_its_local_six(world) -> None:
    plant = world["plant"]  # Asia/Shanghai, UTC+8
    before_six = datetime.datetime(2026, 12, 1, 21, 59, tzinfo=datetime.UTC)  # 05:59 on Dec 2 in Shenyang
    after_six = datetime.datetime(2026, 12, 1, 22, 0, tzinfo=datetime.UTC)
    assert plant not in [p for p, _d in plants_due(now=before_six)]
    assert (plant, D) in plants_due(now=after_six)
    plant_run(plant=plant, on_date=D)
    assert plant not in [p for p, _d in plants_due(now=after_six)]


def test_a_run_forced_again_adds_new_reminders_to_the_days_email(world, smtp) -> None:
    plant_run(plant=world["plant"], on_date=D)
    bob = world["certs"]["bob-pk-0"].employee
    late = factories.CertificationFactory(
        employee=bob, course=world["hv"], certified_on=D, expires_on=D + datetime.timedelta(days=7), attempts=1
    )
    PlantRun.objects.all().delete()
    assert plant_run(plant=world["plant"], on_date=D).reminders == 1
    assert outbox_send() == 4
    (plant_wide,) = smtp.inbox.to("sup-all@example.com")
    assert plant_wide["Subject"] == "4 certifications at SY reach a reminder date"
    assert Reminder.objects.filter(certification=late, rung=7).exists()


def test_an_email_whose_worker_died_while_sending_is_sent_by_a_later_run(world, smtp) -> None:
    """A worker killed between its claim and the mark leaves the email 'sending': it goes again once stale."""
    plant_run(plant=world["plant"], on_date=D)
    now = timezone.now()
    emails = list(EmailMessage.objects.order_by("id"))
    EmailMessage.objects.filter(id=emails[0].id).update(status=EmailStatus.SENDING, claimed_at=now - STALE * 2)
    EmailMessage.objects.filter(id=emails[1].id).update(status=EmailStatus.SENDING, claimed_at=now)  # still busy
    assert outbox_send(now=now) == 3
    assert EmailMessage.objects.get(id=emails[1].id).status == EmailStatus.SENDING
    assert outbox_send(now=now + STALE * 2) == 1
    assert len(smtp.inbox.received) == 4


def test_a_day_without_a_run_is_caught_up_by_the_next_run(world, smtp) -> None:
    """The plant ran two days before D, not the day before: D's run also sends the day before's rungs."""
    before = D - datetime.timedelta(days=2)
    plant_run(plant=world["plant"], on_date=before)
    missed = world["certs"]["cat-pk-45"]
    missed.expires_on = D - datetime.timedelta(days=1) + datetime.timedelta(days=30)  # rung 30 was yesterday
    missed.save()
    plant_run(plant=world["plant"], on_date=D)
    assert Reminder.objects.filter(certification=missed, rung=30, on_date=D).exists()
    assert Reminder.objects.filter(on_date=D).count() == 4  # D's three and the missed one


def test_the_first_run_catches_up_nothing(world, smtp) -> None:
    missed = world["certs"]["cat-pk-45"]
    missed.expires_on = D - datetime.timedelta(days=1) + datetime.timedelta(days=30)
    missed.save()
    plant_run(plant=world["plant"], on_date=D)
    assert not Reminder.objects.filter(certification=missed).exists()


def test_a_refused_recipient_fails_its_email_and_the_others_still_go(world, smtp) -> None:
    """A 550 for one recipient marks that email failed; the later ones are sent in the same pass, and the
    failed one is not tried again."""
    plant_run(plant=world["plant"], on_date=D)
    first = EmailMessage.objects.order_by("id").first()
    smtp.inbox.refused.add(first.to)
    assert outbox_send() == 3
    first.refresh_from_db()
    assert first.status == EmailStatus.FAILED
    assert "550" in first.last_error
    assert sorted(a for rcpt, _m in smtp.inbox.received for a in rcpt) == sorted(
        EmailMessage.objects.exclude(id=first.id).values_list("to", flat=True)
    )
    assert outbox_send() == 0
    assert len(smtp.inbox.received) == 3


@pytest.mark.parametrize("bad", ["a@b@c", "x@example.com\nBcc: all@example.com"])
def test_an_unparseable_address_fails_its_email_and_the_others_still_go(world, smtp, bad: str) -> None:
    plant_run(plant=world["plant"], on_date=D)
    first = EmailMessage.objects.order_by("id").first()
    EmailMessage.objects.filter(id=first.id).update(to=bad)
    assert outbox_send() == 3
    first.refresh_from_db()
    assert first.status == EmailStatus.FAILED
    assert first.last_error.startswith("ValueError")
    assert len(smtp.inbox.received) == 3


def test_an_email_tried_too_often_is_failed_not_tried_again(world, smtp) -> None:
    plant_run(plant=world["plant"], on_date=D)
    smtp.stop()
    emails = list(EmailMessage.objects.order_by("id"))
    EmailMessage.objects.filter(id=emails[0].id).update(attempts=MAX_ATTEMPTS - 1)
    assert outbox_send() == 0
    assert EmailMessage.objects.get(id=emails[0].id).status == EmailStatus.FAILED
    assert EmailMessage.objects.get(id=emails[1].id).status == EmailStatus.PENDING  # the pass stopped at the first
    smtp.start()
    assert outbox_send() == 3


def test_a_caught_up_expiry_tells_the_plant_manager_and_says_when_it_expired(world, smtp) -> None:
    """The run of the day before D was missed; Cat's required, safety-critical HV-001 expired that day (rung 0):
    D's run still tells the plant manager, and the email says it expired on that date, not today."""
    before = D - datetime.timedelta(days=2)
    plant_run(plant=world["plant"], on_date=before)
    cat = world["certs"]["cat-hv-0"]
    cat.expires_on = D - datetime.timedelta(days=1)
    cat.save()
    plant_run(plant=world["plant"], on_date=D)
    assert Reminder.objects.get(certification=cat).rung == 0
    assert Notification.objects.filter(user=world["manager-sy"], reminder__certification=cat).exists()
    outbox_send()
    (manager,) = [m for m in smtp.inbox.to("manager-sy@example.com") if "Erinnerungstermin" in m["Subject"]]
    assert "abgelaufen am 1. Dezember 2026" in manager.get_content()  # D-2 was a Monday: its digest went too
    body = smtp.inbox.to("sup-all@example.com")[0].get_content()
    assert "expired on 1 December 2026" in body
    assert "expired today (1 December" not in body
    assert "expired today (2 December 2026)" in body  # Bob's PK-002, rung 0 on D itself


def test_each_claim_is_stamped_when_it_is_made_not_when_the_pass_began(world, smtp) -> None:
    """A slow server makes a long pass: a message claimed late in it must carry its own claim time, else it
    looks stale (and is sent again) to another pass STALE after this one began."""
    plant_run(plant=world["plant"], on_date=D)
    smtp.inbox.delay = 0.3
    assert outbox_send() == 4
    claims = list(EmailMessage.objects.order_by("id").values_list("claimed_at", flat=True))
    gaps = [later - earlier for earlier, later in zip(claims, claims[1:], strict=False)]
    assert all(gap >= datetime.timedelta(seconds=0.25) for gap in gaps), gaps


def test_emails_greet_each_reader_by_name_in_the_right_order(world, smtp) -> None:
    """A Chinese name family name first with no space (刘建国); others given name first, in their language."""
    world["sup-l1"].first_name, world["sup-l1"].last_name = "建国", "刘"
    world["sup-l1"].save()
    world["manager-sy"].first_name, world["manager-sy"].last_name = "Ingrid", "Berg"
    world["manager-sy"].save()
    _run_and_send(world)
    (chinese,) = smtp.inbox.to("sup-l1@example.com")
    assert "刘建国" in chinese.get_content() and "建国 刘" not in chinese.get_content()
    (german,) = smtp.inbox.to("manager-sy@example.com")
    assert "Hallo Ingrid Berg," in german.get_content()
