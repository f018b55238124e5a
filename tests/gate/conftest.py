"""The gate's tests use worked example 2's plant (tests/assessments/conftest.py)."""

from __future__ import annotations

from tests.assessments.conftest import worked_example_2  # noqa: F401 (a fixture, offered to tests/gate/)
from tests.sso.test_ldap import slapd  # noqa: F401 (a real OpenLDAP, for the override form's LDAP re-check)
