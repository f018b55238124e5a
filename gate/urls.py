"""The gate's pages: the `gate` URL namespace (kiosk, pairing, overrides)."""

from __future__ import annotations

from django.urls import path

from gate import views

app_name = "gate"

urlpatterns = [
    path("gate/pair/<str:token>/", views.terminal_pair, name="terminal-pair"),
    path("gate/overrides/", views.overrides_home, name="overrides-home"),
    # Before the kiosk's pattern: "SY/overrides/new" would otherwise read as line "overrides", station "new".
    path("gate/<str:plant>/overrides/", views.overrides, name="overrides"),
    path("gate/<str:plant>/overrides/new/", views.override_new, name="override-new"),
    path("gate/<str:plant>/overrides/<int:pk>/end/", views.override_end, name="override-end"),
    path("gate/<str:plant>/<str:line>/<str:station>/", views.kiosk, name="kiosk"),
    # The kiosk script's check (JSON, no trailing slash).
    path("gate/<str:plant>/<str:line>/<str:station>/check", views.kiosk_check, name="kiosk-check"),
]
