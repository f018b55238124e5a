"""The signed-in user's own pages: the home page by role and the profile (roles, trainer authorisations)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from employees.access import plants_for_user, user_roles
from employees.models import PlantMembership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(user=request.user)
    plants = plants_for_user(user=request.user)
    return render(request, "home.html", {"roles": roles, "plants": plants})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    memberships = PlantMembership.objects.filter(user=request.user).select_related("plant")
    authorisations = request.user.trainer_authorisations.select_related("course", "plant").order_by(
        "plant__code", "course__code"
    )
    return render(
        request,
        "profile.html",
        {"memberships": memberships, "authorisations": authorisations, "roles": user_roles(user=request.user)},
    )
