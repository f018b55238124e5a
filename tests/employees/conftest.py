"""The employee pages use the trainer's small SY plant (tests/assessments/conftest.py)."""

from __future__ import annotations

from tests.assessments.conftest import employee_de, hv_course, line_sy, stations_sy, team, today  # noqa: F401
