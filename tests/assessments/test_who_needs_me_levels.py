"""Who needs me counts a required course not met (DOMAIN.md "Gap"): Worked example 2's Q holds BAT-MOD-010
at L where U is needed (valid, yet a gap: "level below"), S failed it (in progress), and from 2027-03-31
R's virtual-model pass no longer counts (provisional lapsed). P is met and never a gap."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.selectors.gaps import LEVEL_BELOW, trainer_gaps
from employees.models import Plant
from tests.assessments.conftest import W2_TODAY, W2_WINDOW_CLOSED

pytestmark = pytest.mark.django_db


def _gaps(trainer) -> dict[tuple[str, str], tuple]:
    return {
        (g.employee.employee_no, g.course.code): (g.status, g.level, g.min_level) for g in trainer_gaps(user=trainer)
    }


def test_it_counts_a_level_below_the_minimum_as_a_gap(worked_example_2, trainer, monkeypatch) -> None:
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)

    assert _gaps(trainer) == {
        ("Q", "BAT-MOD-010"): (LEVEL_BELOW, "L", "U"),
        ("S", "BAT-MOD-010"): ("in_progress", None, "U"),
    }


def test_it_counts_a_lapsed_provisional_pass_once_the_window_closes(worked_example_2, trainer, monkeypatch) -> None:
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_WINDOW_CLOSED)

    assert _gaps(trainer) == {
        ("Q", "BAT-MOD-010"): (LEVEL_BELOW, "L", "U"),
        ("R", "BAT-MOD-010"): ("provisional_lapsed", None, "U"),
        ("S", "BAT-MOD-010"): ("in_progress", None, "U"),
    }


def test_the_home_page_says_level_below_in_the_row(worked_example_2, trainer, client, monkeypatch) -> None:
    monkeypatch.setattr(Plant, "local_today", lambda self: W2_TODAY)
    client.force_login(trainer)

    response = client.get(reverse("assessments:trainer-home"))

    assert response.status_code == 200
    assert (response.context["gap_count"], response.context["people_count"]) == (2, 2)
    html = response.content.decode()
    row = html[html.index('data-employee="Q"') :]
    row = row[: row.index("</tr>")]
    assert "Level below" in row
    assert "L, needs U" in row
    summary = html[html.index('data-course="BAT-MOD-010" data-plant="SY"') :]
    assert summary[summary.index("data-level-below>") :].startswith("data-level-below>1<")
    # The state filter offers it, and keeps only those rows.
    filtered = client.get(reverse("assessments:trainer-home"), {"status": LEVEL_BELOW})
    assert [g.employee.employee_no for g in filtered.context["page"]] == ["Q"]
