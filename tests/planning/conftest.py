"""The planning tests use worked example 2's plant (tests/assessments/conftest.py)."""

from __future__ import annotations

from tests.assessments.conftest import worked_example_2  # noqa: F401 (a fixture, offered to tests/planning/)
from tests.planning.forecast_fixtures import (  # noqa: F401 (fixtures of the forecast's tests)
    pass_rate_recorded,
    pass_rate_scenario,
    planned,
)
from tests.planning.scenario_fixtures import full_scenario, live_session, w2  # noqa: F401 (fixtures of the scenario tests)
