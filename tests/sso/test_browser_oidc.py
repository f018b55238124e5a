"""In Chromium: the login page's "Sign in with ..." button, the real provider's own login page, and back
to certtrack on the trainer's home; a second sign-in after a group change at the provider lands on the
plant manager's home instead."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent
from sso.models import SsoGroupMapping
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.chromium, pytest.mark.oidc_provider, pytest.mark.django_db(transaction=True)]


def _sign_in(browser, live_server, login: str, password: str):
    context = browser.new_context()  # a fresh browser: no certtrack or provider session
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.click("#sso-sign-in")
    page.wait_for_selector("text=Test identity provider: sign in")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(live_server.url + "/")
    return context, page


def test_it_signs_in_through_the_providers_page_and_lands_on_the_roles_home(
    live_server, browser, oidc_provider, plant_sy
) -> None:
    SsoGroupMapping.objects.create(source="oidc", group="certtrack-sy-trainers", plant=plant_sy, role="trainer")
    SsoGroupMapping.objects.create(source="oidc", group="certtrack-sy-managers", plant=plant_sy, role="manager")

    context, page = _sign_in(browser, live_server, "li.wei", "trainer-pass-1")
    assert page.locator("text=Sign in with Test IdP").count() == 0  # on certtrack's home, signed in
    assert page.locator("h2", has_text="Training and results").count() == 1
    assert page.locator("h2", has_text="Audit log").count() == 0  # not a manager
    page.screenshot(path=str(SCREENSHOTS / "sso-trainer-home.png"), full_page=True)
    context.close()

    oidc_provider.set_account("li.wei", groups=["certtrack-sy-managers"])
    context, page = _sign_in(browser, live_server, "li.wei", "trainer-pass-1")

    assert page.locator("h2", has_text="Audit log").count() == 1  # the manager's card
    assert page.locator("h2", has_text="Training and results").count() == 0
    context.close()
    assert AuditEvent.objects.filter(action=AuditAction.SSO_ROLE_REVOKED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SSO_SIGNED_IN).count() == 2
