"""The read replica tests use the assessments tests' worlds (DOMAIN.md's worked example, a small SY plant)."""

from __future__ import annotations

from tests.assessments.conftest import (  # noqa: F401 - pytest fixtures
    hv_course,
    line_sy,
    stations_sy,
    team,
    today,
    worked_example,
)
