"""The language switch, at Django's own name and path (set_language, /i18n/setlang/): certtrack/urls.py
includes this module in place of django.conf.urls.i18n."""

from __future__ import annotations

from django.urls import path

from employees import views

urlpatterns = [
    path("setlang/", views.language_switch, name="set_language"),
]
