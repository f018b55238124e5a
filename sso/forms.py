from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form; with LOCAL_PASSWORDS=breakglass a refusal points to the company sign-in.

    The message is the same whether the user exists, the password was wrong or the password was right
    but the user is not break-glass: the form tells nobody which accounts exist.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if settings.LOCAL_PASSWORDS == "breakglass":
            self.error_messages = {
                **self.error_messages,
                "invalid_login": _(
                    "Your user name and password were not accepted. Passwords in certtrack are kept for "
                    "break-glass administrators: please use the company sign-in."
                ),
            }
