"""The language a user reads in (issue #19): their own choice, else their plant's default, else English.

Pages follow the language switcher (which also stores the choice here); emails and notifications are
rendered in language_for(user) with django.utils.translation.override.
"""

from __future__ import annotations

from django.conf import settings

from employees.access import User
from employees.models import PlantMembership, UserProfile

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
# Each language in its own name, as the language switcher and the profile offer them (a reader who does not
# understand the current page's language must still find their own). Not translated, on purpose.
NATIVE_NAMES = {"en": "English", "zh-hans": "中文", "de": "Deutsch", "hu": "Magyar", "es": "Español"}
# The session's language: set by the language switch (for this session, signed in or not, and kept through
# the sign-in) or, on a signed-in session's first request, from language_for (employees.middleware).
SESSION_LANGUAGE_KEY = "_certtrack_language"


def native_languages() -> list[tuple[str, str]]:
    """(code, the language's own name) for every language of settings.LANGUAGES, in their order."""
    return [(code, NATIVE_NAMES.get(code, str(name))) for code, name in settings.LANGUAGES]


def language_for(user: User) -> str:
    """The language code (one of settings.LANGUAGES) to write to this user in."""
    chosen = UserProfile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    if chosen in LANGUAGE_CODES:
        return chosen
    return plant_language_for(user)


def plant_language_for(user: User) -> str:
    """The default language of the user's plant (the first by code of several), else English."""
    plant_default = (
        PlantMembership.objects.filter(user_id=user.pk, plant__is_active=True)
        .order_by("plant__code")
        .values_list("plant__default_language", flat=True)
        .first()
    )
    if plant_default in LANGUAGE_CODES:
        return plant_default
    return settings.LANGUAGE_CODE


def preferred_language(user: User) -> str:
    """The user's own choice, "" when they follow their plant's default."""
    return UserProfile.objects.filter(user_id=user.pk).values_list("language", flat=True).first() or ""


def language_set(*, user: User, language: str) -> None:
    """Store the user's preferred language ("" goes back to the plant's default)."""
    if language and language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {language!r}")
    UserProfile.objects.update_or_create(user_id=user.pk, defaults={"language": language})
