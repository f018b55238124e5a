"""Sending the outbox: each pending EmailMessage claimed, sent through Django's email backend and marked.

Claimed with a conditional UPDATE (pending -> sending) so that of two workers sending at once only one
sends a message. A message whose worker died while sending (sending for longer than STALE) is claimed
again: an email may then, rarely, go twice (the SMTP server took it, the mark did not land), never zero
times. A message the server refuses for good (a recipient refused, a 5xx reply) or that cannot be written
(an unparseable address or header) is marked failed with the error and the pass goes on to the next one.
A lost connection (disconnected, refused, timed out) puts the message back to pending and stops this pass
(the server is likely down: the next run resumes where this one stopped); a temporary (4xx) refusal puts it
back to pending and goes on. A message tried MAX_ATTEMPTS times is marked failed.

A reminder email is rendered when sent, in its reader's language, from its reminders still current: a
certification renewed since the reminder was decided drops out, and an email left with none is cancelled.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import BadHeaderError, get_connection
from django.core.mail import EmailMessage as MailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from assessments.models import Certification
from notifications.links import employee_url
from notifications.models import EmailMessage, EmailStatus, NotificationKind, Reminder

logger = logging.getLogger(__name__)

STALE = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5  # then the message is marked failed, not tried again

# The server (or the connection to it) is gone: stop the pass, the message stays pending.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)


def _permanent(exc: Exception) -> bool:
    """This message will never go as it is: a recipient refused, a 5xx reply, an unwritable address/header."""
    if isinstance(exc, (ValueError, BadHeaderError, smtplib.SMTPRecipientsRefused)):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


@dataclass(frozen=True)
class ReminderLine:
    reminder: Reminder
    certification: Certification
    employee_url: str


def reminder_lines(*, reminder_ids: list[int]) -> list[ReminderLine]:
    """The reminders still current (their certification's expiry unchanged), in expiry order."""
    reminders = Reminder.objects.filter(id__in=reminder_ids)
    by_certification = {r.certification_id: r for r in reminders}
    certifications = (
        Certification.objects.filter(id__in=list(by_certification))
        .select_related("employee", "employee__line", "course")
        .order_by("expires_on", "employee__line__code", "employee__employee_no", "course__code")
    )
    return [
        ReminderLine(by_certification[c.id], c, employee_url(c.employee.employee_no))
        for c in certifications
        if c.expires_on == by_certification[c.id].expires_on and c.certified_on is not None
    ]


def reminder_render(*, message: EmailMessage, lines: list[ReminderLine]) -> tuple[str, str]:
    with translation.override(message.language):
        subject = ngettext(
            "%(count)s certification at %(plant)s reaches a reminder date",
            "%(count)s certifications at %(plant)s reach a reminder date",
            len(lines),
        ) % {"count": len(lines), "plant": message.plant.code}
        body = render_to_string(
            "notifications/email/reminders.txt", {"lines": lines, "plant": message.plant, "reader": message.user}
        )
    return subject, body


def _due(now: datetime.datetime) -> Q:
    return Q(status=EmailStatus.PENDING) | Q(
        status=EmailStatus.SENDING, claimed_at__lt=now - STALE, attempts__lt=MAX_ATTEMPTS
    )


def _claim(message_id: int, now: datetime.datetime) -> bool:
    """Claim one message at `now`: the time of this claim (not the pass's start), so that in a long pass a
    message claimed late does not look stale to another worker while it is being sent."""
    return bool(
        EmailMessage.objects.filter(_due(now), id=message_id).update(
            status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def outbox_send(*, now: datetime.datetime | None = None, limit: int | None = None) -> int:
    """Send the pending emails (oldest first); returns how many were sent. `now` (tests) shifts the clock:
    each claim is at now + the time this pass has run."""
    started = timezone.now()
    shift = (now - started) if now else datetime.timedelta(0)

    def clock() -> datetime.datetime:
        return timezone.now() + shift

    ids = list(EmailMessage.objects.filter(_due(clock())).order_by("id").values_list("id", flat=True)[:limit])
    if not ids:
        return 0
    sent = 0
    connection = get_connection(fail_silently=False)
    try:
        for message_id in ids:
            if not _claim(message_id, clock()):
                continue  # another worker has it
            message = EmailMessage.objects.select_related("plant", "user").get(id=message_id)
            if message.kind == NotificationKind.REMINDER:
                lines = reminder_lines(reminder_ids=list(message.reminders.values_list("id", flat=True)))
                if not lines:
                    EmailMessage.objects.filter(id=message_id).update(status=EmailStatus.CANCELLED)
                    continue
                message.subject, message.body = reminder_render(message=message, lines=lines)
            mail = MailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.to],
                headers=_headers(message),
            )
            try:
                connection.send_messages([mail])
            except (OSError, ValueError) as exc:  # smtplib.SMTPException is an OSError; BadHeaderError a ValueError
                error = f"{type(exc).__name__}: {exc}"[:2000]
                permanent = _permanent(exc)
                status = EmailStatus.FAILED if permanent or message.attempts >= MAX_ATTEMPTS else EmailStatus.PENDING
                EmailMessage.objects.filter(id=message_id).update(status=status, claimed_at=None, last_error=error)
                if permanent:
                    logger.warning("outbox_send: email %s failed: %s", message_id, exc)
                    continue
                if isinstance(exc, smtplib.SMTPException) and not isinstance(exc, CONNECTION_ERRORS):
                    logger.warning("outbox_send: email %s deferred: %s", message_id, exc)
                    continue  # a temporary refusal of this message: the connection is still good
                logger.warning("outbox_send: stopped at email %s: %s", message_id, exc)
                break
            EmailMessage.objects.filter(id=message_id).update(
                status=EmailStatus.SENT, sent_at=timezone.now(), subject=message.subject[:250], body=message.body
            )
            sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()
    return sent


def _headers(message: EmailMessage) -> dict[str, str]:
    headers = {"Content-Language": message.language}
    if message.unsubscribe_url:
        # RFC 8058 one-click unsubscribe: mail clients POST to the link.
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers
