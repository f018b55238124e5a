"""Switching a test client's language the way a user does: the language switch (employees.views.language_switch).

A signed-in user's pages follow their session's language, their preferred language or their plant's default,
never the language cookie (employees.middleware.UserLanguageMiddleware), so setting the cookie is not enough.
"""

from __future__ import annotations

from django.urls import reverse


def switch_language(client: object, language: str) -> None:
    """Switch the client's pages to `language` for its session (and, when signed in, as the user's preference)."""
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302, response.status_code
