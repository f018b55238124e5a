from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployeesConfig(AppConfig):
    name = "employees"
    verbose_name = _("Organisation and employees")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from employees.middleware import session_language_at_sign_in

        # The session's language is chosen once, at sign-in (employees/middleware.py).
        user_logged_in.connect(session_language_at_sign_in, dispatch_uid="employees-session-language")
