FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
# python-ldap (django-auth-ldap, sso/) compiles against OpenLDAP and SASL; the compiler goes after the build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
 && pip install --no-cache-dir -r requirements.txt \
 && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

COPY . .
# Static files are collected at build time (WhiteNoise serves them); the build needs no real secret.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000000 REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 certtrack \
 && mkdir -p /app/var/media && chown -R certtrack /app/var

USER certtrack
EXPOSE 8000
CMD ["gunicorn", "certtrack.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
