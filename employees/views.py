"""The signed-in user's own pages: the home page by role, the profile (roles, trainer authorisations, the
preferred language) and the language switch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.i18n import set_language

from employees.access import plants_for_user, user_roles
from employees.forms import PreferredLanguageForm
from employees.languages import (
    LANGUAGE_CODES,
    SESSION_LANGUAGE_KEY,
    language_for,
    language_set,
    plant_language_for,
    preferred_language,
)
from employees.middleware import follows_browser_language
from employees.models import PlantMembership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(user=request.user)
    plants = plants_for_user(user=request.user)
    return render(request, "home.html", {"roles": roles, "plants": plants})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = PreferredLanguageForm(
        request.POST or None,
        initial={"language": preferred_language(request.user)},
        plant_default=plant_language_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        language_set(user=request.user, language=form.cleaned_data["language"])
        # The pages follow the new choice from now on (the session keeps the page language).
        language = language_for(request.user)
        request.session[SESSION_LANGUAGE_KEY] = language
        translation.activate(language)
        messages.success(request, _("Your preferred language is saved."))  # said in the new language
        return redirect("employees:profile")
    memberships = PlantMembership.objects.filter(user=request.user).select_related("plant")
    authorisations = request.user.trainer_authorisations.select_related("course", "plant").order_by(
        "plant__code", "course__code"
    )
    return render(
        request,
        "profile.html",
        {
            "memberships": memberships,
            "authorisations": authorisations,
            "roles": user_roles(user=request.user),
            "language_form": form,
        },
    )


def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, the safe `next` redirect), plus: the choice holds for this session,
    through a sign-in, and a signed-in user's choice becomes their preferred language (emails too)."""
    response = set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if language in LANGUAGE_CODES:
        request.session[SESSION_LANGUAGE_KEY] = language
        if request.user.is_authenticated and not follows_browser_language(request):
            language_set(user=request.user, language=language)
    return response
