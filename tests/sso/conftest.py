"""The real OIDC provider for the SSO tests, pointed at the live server and stopped after each test."""

from __future__ import annotations

import pytest

from tests.sso.servers import CLIENT_ID, CLIENT_SECRET, oidc_provider_start, stop

ACCOUNTS = [
    {
        "login": "li.wei",
        "password": "trainer-pass-1",
        "sub": "emp-10001",
        "employee_number": "10001",
        "name": "Li Wei",
        "given_name": "Wei",
        "family_name": "Li",
        "email": "li.wei@plant.example",
        "groups": ["certtrack-sy-trainers"],
        "disabled": False,
    },
    {
        "login": "anna.nagy",
        "password": "manager-pass-1",
        "sub": "emp-20001",
        "employee_number": "20001",
        "name": "Anna Nagy",
        "email": "anna.nagy@plant.example",
        # Plant DE's trainer, with groups that look like plant SY's: no mapping grants them.
        "groups": ["certtrack-de-trainers", "SY", "certtrack-sy", "plant:SY:trainer"],
        "disabled": False,
    },
]


@pytest.fixture
def oidc_provider(live_server, tmp_path, settings):
    callback = "/sso/oidc/callback/"
    host, port = live_server.url.rsplit(":", 1)
    provider = oidc_provider_start(
        redirect_uris=[f"http://localhost:{port}{callback}", f"http://127.0.0.1:{port}{callback}"],
        accounts=[dict(account) for account in ACCOUNTS],
        folder=tmp_path,
    )
    try:
        settings.OIDC_ISSUER = provider.issuer
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_ENABLED = True
        settings.OIDC_PROVIDER_NAME = "Test IdP"
        settings.OIDC_RP_SCOPES = "openid profile email groups"
        settings.OIDC_CREATE_USER = True
        settings.AUTHENTICATION_BACKENDS = [
            "axes.backends.AxesStandaloneBackend",
            "sso.backends.LocalPasswordBackend",
            "sso.oidc.OidcBackend",
            "django.contrib.auth.backends.ModelBackend",
        ]
        yield provider
    finally:
        stop(provider.process)
