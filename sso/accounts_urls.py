"""The sign-in page, under the shell's own un-namespaced name "login" (settings.LOGIN_URL)."""

from __future__ import annotations

from django.urls import path

from sso import views

urlpatterns = [path("login/", views.LoginView.as_view(), name="login")]
