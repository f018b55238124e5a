"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the reminder tests, and a plant with people to remind.

The server is started by the test and stopped by it; `restart` brings it back on the same port (the
"SMTP was down" tests stop it first)."""

from __future__ import annotations

import asyncio
import datetime
import email
import socket
from email import policy
from email.message import EmailMessage as ParsedEmail

import pytest

from employees.languages import language_set
from notifications.models import SupervisedLine
from tests import factories

SITE_URL = "https://certtrack.example.test"
D = datetime.date(2026, 12, 2)  # a Wednesday in Shenyang


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], ParsedEmail]] = []
        self.refused: set[str] = set()  # recipients the server refuses for good (550)
        self.delay = 0.0  # seconds the server takes to accept each message (a slow server)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"

    def to(self, address: str) -> list[ParsedEmail]:
        return [message for rcpt, message in self.received if address in rcpt]


class SmtpServer:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = SITE_URL
    yield server
    server.stop()


@pytest.fixture
def world(plant_sy, plant_de):
    """Plant SY: lines L1 and L2; HV-001 (safety-critical, plant-wide, 12 months) and PK-002 (not critical).
    People to tell: a Chinese supervisor of L1, a plant-wide supervisor (English), a Hungarian trainer
    authorised for HV-001, a German plant manager; and a DE supervisor who must hear nothing of SY."""
    l1 = factories.ProductionLineFactory(plant=plant_sy, code="L1", shifts=1)
    l2 = factories.ProductionLineFactory(plant=plant_sy, code="L2", shifts=1)
    hv = factories.CourseFactory(code="HV-001", title="High-voltage safety", validity_months=12, safety_critical=True)
    pk = factories.CourseFactory(code="PK-002", title="Pack assembly", validity_months=24)
    factories.RequirementFactory(course=hv, scope="plant", plant=plant_sy)
    people = {}
    for username, role, language in (
        ("sup-l1", "supervisor", "zh-hans"),
        ("sup-all", "supervisor", "en"),
        ("trainer-hv", "trainer", "hu"),
        ("manager-sy", "manager", "de"),
    ):
        user = factories.UserFactory(username=username)
        factories.PlantMembershipFactory(user=user, plant=plant_sy, role=role)
        language_set(user=user, language=language)
        people[username] = user
    SupervisedLine.objects.create(user=people["sup-l1"], line=l1)
    factories.TrainerAuthorisationFactory(user=people["trainer-hv"], course=hv, plant=plant_sy)
    outsider = factories.UserFactory(username="sup-de")
    factories.PlantMembershipFactory(user=outsider, plant=plant_de, role="supervisor")
    ann = factories.EmployeeFactory(employee_no="E001", name="Ann", plant=plant_sy, line=l1)
    bob = factories.EmployeeFactory(employee_no="E002", name="Bob", plant=plant_sy, line=l2)
    cat = factories.EmployeeFactory(employee_no="E003", name="Cat", plant=plant_sy, line=l1)
    de_person = factories.EmployeeFactory(employee_no="D001", plant=plant_de)

    def certify(employee, course, expires_on):
        return factories.CertificationFactory(
            employee=employee,
            course=course,
            certified_on=expires_on - datetime.timedelta(days=365),
            expires_on=expires_on,
            attempts=1,
        )

    certs = {
        "ann-hv-30": certify(ann, hv, D + datetime.timedelta(days=30)),  # rung 30
        "bob-pk-0": certify(bob, pk, D),  # on expiry, not critical: supervisors only
        "cat-hv-0": certify(cat, hv, D),  # on expiry, required and safety-critical: the manager too
        "cat-pk-45": certify(cat, pk, D + datetime.timedelta(days=45)),  # no rung
        "de-hv-30": certify(de_person, hv, D + datetime.timedelta(days=30)),  # another plant's run
    }
    return {"plant": plant_sy, "l1": l1, "l2": l2, "hv": hv, "pk": pk, "certs": certs, **people, "sup-de": outsider}
