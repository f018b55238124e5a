"""The language of a user's pages (issue #19): the switch, the preferred language, the plant's default.

A signed-in user reads their pages in the language they switched to in this session, else their preferred
language, else their plant's default; anonymous pages follow the cookie and the browser as before.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from employees.languages import language_for
from employees.models import Plant, UserProfile
from tests import factories
from tests.languages import switch_language

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_switch_lists_the_five_languages_each_in_its_own_name(client) -> None:
    html = client.get(reverse("login")).content.decode()
    switch = html.split('id="language-switch"', 1)[1].split("</form>", 1)[0]
    for code, name in [("en", "English"), ("zh-hans", "中文"), ("de", "Deutsch"), ("hu", "Magyar"), ("es", "Español")]:
        assert f'value="{code}" lang="{code}"' in switch
        assert f">{name}</button>" in switch


def test_a_signed_in_users_pages_come_in_their_plants_default(client, trainer, plant_sy) -> None:
    Plant.objects.filter(pk=plant_sy.pk).update(default_language="hu")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"  # left by someone else: not read when signed in
    client.force_login(trainer)
    assert _lang(client.get(reverse("employees:home"), HTTP_ACCEPT_LANGUAGE="de")) == "hu"


def test_a_preferred_language_wins_over_the_plants(client, trainer, plant_sy) -> None:
    Plant.objects.filter(pk=plant_sy.pk).update(default_language="hu")
    UserProfile.objects.create(user=trainer, language="es")
    client.force_login(trainer)
    assert _lang(client.get(reverse("employees:home"))) == "es"


def test_switching_while_signed_in_stores_the_preferred_language(client, trainer) -> None:
    client.force_login(trainer)
    assert _lang(client.get(reverse("employees:home"))) == "en"
    switch_language(client, "de")
    assert UserProfile.objects.get(user=trainer).language == "de"
    assert language_for(trainer) == "de"  # emails and notifications follow it too
    assert _lang(client.get(reverse("employees:home"))) == "de"
    # A new session on another PC starts in the stored language.
    other = Client()
    other.force_login(trainer)
    assert _lang(other.get(reverse("employees:home"))) == "de"


def test_a_switch_before_signing_in_holds_for_the_session_but_is_not_stored(client, trainer, plant_sy) -> None:
    Plant.objects.filter(pk=plant_sy.pk).update(default_language="hu")
    switch_language(client, "es")
    assert _lang(client.get(reverse("login"))) == "es"
    response = client.post(reverse("login"), {"username": "trainer", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert _lang(client.get(reverse("employees:home"))) == "es"
    assert not UserProfile.objects.filter(user=trainer).exists()


def test_the_next_person_on_a_shared_pc_gets_their_own_language(client, trainer, manager) -> None:
    client.force_login(trainer)
    switch_language(client, "zh-hans")
    client.post(reverse("logout"))
    assert _lang(client.get(reverse("login"))) == "zh-hans"  # anonymous: the cookie, as before
    UserProfile.objects.create(user=manager, language="de")
    client.post(reverse("login"), {"username": "manager", "password": factories.PASSWORD})
    assert _lang(client.get(reverse("employees:home"))) == "de"


def test_anonymous_pages_follow_the_browser(client) -> None:
    assert _lang(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="hu-HU,hu;q=0.9")) == "hu"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert _lang(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="hu")) == "es"


def test_the_api_follows_accept_language(client, manager) -> None:
    UserProfile.objects.create(user=manager, language="de")
    client.force_login(manager)
    assert client.get(reverse("api:plants"), HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "es"


def test_the_profile_shows_and_edits_the_preferred_language(client, trainer, plant_sy) -> None:
    Plant.objects.filter(pk=plant_sy.pk).update(default_language="hu")
    client.force_login(trainer)
    page = client.get(reverse("employees:profile")).content.decode()
    form = page.split('id="language-form"', 1)[1].split("</form>", 1)[0]
    with translation.override("hu"):  # the trainer's page is in the plant's default language
        plant_default = translation.gettext("Plant default (%(language)s)") % {"language": "Magyar"}
    assert plant_default != "Plant default (Magyar)"
    assert f'<option value="" selected>{plant_default}</option>' in form
    assert '<option value="es">Español</option>' in form

    response = client.post(reverse("employees:profile"), {"language": "es"})
    assert response.status_code == 302
    assert UserProfile.objects.get(user=trainer).language == "es"
    page = client.get(reverse("employees:profile"))
    assert _lang(page) == "es"
    assert '<option value="es" selected>Español</option>' in page.content.decode()

    client.post(reverse("employees:profile"), {"language": ""})  # back to the plant's default
    assert UserProfile.objects.get(user=trainer).language == ""
    assert _lang(client.get(reverse("employees:profile"))) == "hu"


def test_the_profile_refuses_an_unknown_language_and_writes_nothing(client, trainer) -> None:
    client.force_login(trainer)
    response = client.post(reverse("employees:profile"), {"language": "xx"})
    assert response.status_code == 200
    assert "xx" in response.content.decode() and "invalid-feedback" in response.content.decode()
    assert not UserProfile.objects.filter(user=trainer).exists()


def test_the_switch_ignores_an_unknown_language(client, trainer) -> None:
    client.force_login(trainer)
    assert client.post(reverse("set_language"), {"language": "xx", "next": "/"}).status_code == 302
    assert not UserProfile.objects.filter(user=trainer).exists()
    assert _lang(client.get(reverse("employees:home"))) == "en"


def test_the_admin_edits_a_plants_default_and_a_users_language(client, admin_user, trainer, plant_sy) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("admin:employees_plant_change", args=[plant_sy.pk])).content.decode()
    assert 'name="default_language"' in page
    page = client.get(reverse("admin:auth_user_change", args=[trainer.pk])).content.decode()
    assert 'name="profile-0-language"' in page
