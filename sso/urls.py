from __future__ import annotations

from django.urls import path

from sso import oidc, views

app_name = "sso"
urlpatterns = [
    path("oidc/start/", oidc.OidcStartView.as_view(), name="oidc-start"),
    path("oidc/callback/", oidc.OidcCallbackView.as_view(), name="oidc-callback"),
    path("refused/", views.refused, name="refused"),
]
