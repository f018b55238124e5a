"""The API's tests share the assessments tests' worlds (DOMAIN.md's worked examples) and add tokens."""

from __future__ import annotations

from tests.assessments.conftest import (  # noqa: F401 - pytest fixtures
    hv_course,
    line_sy,
    stations_sy,
    team,
    today,
    worked_example,
    worked_example_2,
)
