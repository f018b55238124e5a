from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from sso.forms import LoginForm
from sso.oidc import REFUSAL_SESSION_KEY

REFUSALS = {
    "unknown": _(
        "Your company account is not known to certtrack, and certtrack does not create accounts at the first "
        "sign-in here. Ask an administrator to add you."
    ),
    "inactive": _("Your certtrack account is disabled. Ask an administrator."),
    "claim": _("The company sign-in did not send the identifier certtrack matches users by. Ask an administrator."),
    "cancelled": _("The company sign-in was cancelled or refused."),
    "provider": _("The company sign-in could not be completed. Try again, or ask an administrator."),
}


class LoginView(auth_views.LoginView):
    """The password form, and the company sign-in button when OIDC is configured."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME
        context["break_glass_only"] = settings.LOCAL_PASSWORDS == "breakglass"
        return context


def refused(request: HttpRequest) -> HttpResponse:
    """Where a refused single sign-on lands: why, in the reader's language, and the way back."""
    code = request.session.pop(REFUSAL_SESSION_KEY, "provider")
    return render(
        request,
        "sso/refused.html",
        {"reason": REFUSALS.get(code, REFUSALS["provider"]), "oidc_provider_name": settings.OIDC_PROVIDER_NAME},
        status=403,
    )
