from __future__ import annotations

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
application = get_wsgi_application()

# gunicorn does not run Django's system checks: refuse to serve with development defaults
# (DEBUG off with the default SECRET_KEY, or with Celery tasks running eagerly in the web process).
_serious = [message for message in checks.run_checks(tags=[checks.Tags.security]) if message.is_serious()]
if _serious:
    raise ImproperlyConfigured("; ".join(f"{message.id}: {message.msg}" for message in _serious))
