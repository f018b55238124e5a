"""The bell's page, mark-read, preferences and the signed one-click digest unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from certtrack.forms import id_param
from employees.languages import language_for
from notifications.forms import PreferenceForm
from notifications.links import unsubscribe_user_id
from notifications.selectors import notifications_for_user, preference_of
from notifications.services.preferences import notifications_mark_read, preference_set


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for_user(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (`id`), or all with none; someone else's id changes nothing."""
    raw = request.POST.get("id", "")
    notification_id = id_param(raw)
    if raw and notification_id is None:
        messages.error(request, _("That notification does not exist."))
        return redirect("notifications:list")
    notifications_mark_read(user=request.user, notification_id=notification_id)
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = preference_of(user=request.user)
    form = PreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        preference_set(
            user_id=request.user.pk, channel=form.cleaned_data["channel"], digest=form.cleaned_data["digest"]
        )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058 one-click unsubscribe: the mail client POSTs without a session; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The digest email's link: the signed token names the user; no login needed. A GET (a person, or a mail
    scanner opening links) only shows a one-button confirmation; the POST (that button, or the mail client's
    List-Unsubscribe-Post one click) unsubscribes. The pages are in the recipient's language."""
    try:
        user_id = unsubscribe_user_id(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe_bad.html", status=400)
    user = get_user_model().objects.filter(id=user_id).first()
    if user is None:
        return render(request, "notifications/unsubscribe_bad.html", status=400)
    with translation.override(language_for(user)):
        if request.method == "POST":
            preference_set(user_id=user.pk, digest=False)
            return render(request, "notifications/unsubscribed.html")
        return render(request, "notifications/unsubscribe_confirm.html", {"token": token})
