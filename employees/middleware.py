"""The language of a signed-in user's pages (issue #19)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from employees.languages import LANGUAGE_CODES, SESSION_LANGUAGE_KEY, language_for

# The API is a machine interface: its clients say which language they want with Accept-Language.
API_PREFIX = "/api/"
_FOLLOWS_BROWSER = "follows_browser_language"


def follow_browser_language(request: HttpRequest) -> None:
    """Mark a signed-in request whose pages follow the browser, as anonymous ones do: a shared device's (the
    line-side terminal's, gate.middleware), which many people use in turn with its own language buttons."""
    setattr(request, _FOLLOWS_BROWSER, True)


def follows_browser_language(request: HttpRequest) -> bool:
    return getattr(request, _FOLLOWS_BROWSER, False)


def session_language_at_sign_in(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    """At sign-in (Django's user_logged_in), keep the session's language: a language switched to before signing
    in holds, else the user's own (language_for). Its two queries are then paid once per sign-in, not by a page."""
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_LANGUAGE_KEY) not in LANGUAGE_CODES:
        session[SESSION_LANGUAGE_KEY] = language_for(user)


class UserLanguageMiddleware:
    """A signed-in user reads their pages in the language they switched to in this session, else in their
    preferred language, else in their plant's default (employees.languages.language_for). Anonymous pages,
    the API and a shared device's pages (follow_browser_language) keep Django's LocaleMiddleware choice
    (the language cookie, then Accept-Language).

    The language cookie is not read for a signed-in user on purpose: it outlives a sign-out, and on a
    shared shop-floor PC it would give the next person the previous one's language. language_for costs two
    queries, so its answer is kept in the session, written at sign-in (session_language_at_sign_in; here
    only for a session without one); the profile form and the language switch update it there. Goes after
    AuthenticationMiddleware and the gate's terminal guard (and after LocaleMiddleware, whose response step
    then sends the Content-Language chosen here).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not follows_browser_language(request)
            and not request.path_info.startswith(API_PREFIX)
        ):
            language = request.session.get(SESSION_LANGUAGE_KEY)
            if language not in LANGUAGE_CODES:
                language = language_for(user)
                request.session[SESSION_LANGUAGE_KEY] = language
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
