"""The links a plant manager follows from an at-risk line to a promoted suggestion: the menu's "Plan" entry and
the plan's home, the line page's "Suggest a plan", the suggestion's review/compare/promote buttons, the
comparison's "Promote…", the scenario's way back to its suggestion's figures; each shown only to who may use it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planning.models import Scenario
from planning.services.suggestions import suggestion_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(w2, manager) -> Scenario:
    return suggestion_create(plant=w2["plant"], line=w2["line"], buffer_days=14, confirm=False, actor=manager)


def test_the_menu_links_the_plans_home_for_who_may_view_the_plan(w2, client, manager, trainer, hr) -> None:
    home = reverse("planning:home")
    for user, shown in ((manager, True), (trainer, True), (hr, False)):
        client.force_login(user)
        assert (f'href="{home}"' in client.get(reverse("employees:home")).content.decode()) is shown


def test_the_plans_home_links_each_page_by_capability(w2, client, manager, trainer) -> None:
    client.force_login(manager)
    text = client.get(reverse("planning:home")).content.decode()
    for name in ("session-list", "plant-forecast", "scenario_list", "suggest"):
        assert f'href="{reverse(f"planning:{name}", kwargs={"plant_code": "SY"})}"' in text
    client.force_login(trainer)
    text = client.get(reverse("planning:home")).content.decode()
    assert f'href="{reverse("planning:session-list", kwargs={"plant_code": "SY"})}"' in text
    assert 'data-link="scenarios"' not in text and 'data-link="suggest"' not in text


def test_the_line_page_links_the_suggest_form_with_its_line_chosen(w2, client, manager, auditor) -> None:
    client.force_login(manager)
    line = w2["line"]
    text = client.get(reverse("readiness:line", kwargs={"code": "SY", "line_code": "L2"})).content.decode()
    url = f"{reverse('planning:suggest', kwargs={'plant_code': 'SY'})}?line={line.pk}"
    assert f'id="link-suggest-plan" href="{url}"' in text
    form = client.get(url).content.decode()
    assert f'<option value="{line.pk}" selected>' in form
    client.force_login(auditor)  # sees the line, may not manage scenarios
    text = client.get(reverse("readiness:line", kwargs={"code": "SY", "line_code": "L2"})).content.decode()
    assert 'id="link-suggest-plan"' not in text


def test_the_suggestion_links_its_scenario_comparison_and_promotion(suggestion, client, manager) -> None:
    client.force_login(manager)
    text = client.get(reverse("planning:suggestion_detail", kwargs={"pk": suggestion.pk})).content.decode()
    pk = {"pk": suggestion.pk}
    assert f'id="suggestion-scenario" href="{reverse("planning:scenario_detail", kwargs=pk)}"' in text
    assert f'id="suggestion-compare" href="{reverse("planning:scenario_compare", kwargs=pk)}"' in text
    assert f'id="suggestion-promote" href="{reverse("planning:scenario_promote", kwargs=pk)}"' in text
    detail = client.get(reverse("planning:scenario_detail", kwargs=pk)).content.decode()
    assert f'id="scenario-suggestion" href="{reverse("planning:suggestion_detail", kwargs=pk)}"' in detail
    compare = client.get(reverse("planning:scenario_compare", kwargs=pk)).content.decode()
    assert f'id="compare-promote" href="{reverse("planning:scenario_promote", kwargs=pk)}"' in compare
    scenarios = client.get(reverse("planning:scenario_list", kwargs={"plant_code": "SY"})).content.decode()
    assert f'id="scenario-suggest" href="{reverse("planning:suggest", kwargs={"plant_code": "SY"})}"' in scenarios


def test_an_auditor_compares_but_is_not_offered_promotion(suggestion, client, auditor) -> None:
    client.force_login(auditor)
    detail = client.get(reverse("planning:scenario_detail", kwargs={"pk": suggestion.pk}))
    # The suggestion's page is the managers': no link to a 403.
    assert detail.status_code == 200 and b'id="scenario-suggestion"' not in detail.content
    assert client.get(reverse("planning:suggestion_detail", kwargs={"pk": suggestion.pk})).status_code == 403
    compare = client.get(reverse("planning:scenario_compare", kwargs={"pk": suggestion.pk}))
    assert compare.status_code == 200 and b'id="compare-promote"' not in compare.content
    scenarios = client.get(reverse("planning:scenario_list", kwargs={"plant_code": "SY"}))
    assert b'id="scenario-suggest"' not in scenarios.content


def test_a_promoted_suggestion_offers_no_promotion(suggestion, client, manager) -> None:
    client.force_login(manager)
    client.post(reverse("planning:scenario_promote", kwargs={"pk": suggestion.pk}))
    suggestion.refresh_from_db()
    assert suggestion.status == "promoted"
    text = client.get(reverse("planning:suggestion_detail", kwargs={"pk": suggestion.pk})).content.decode()
    assert 'id="suggestion-compare"' in text and 'id="suggestion-promote"' not in text
    detail = client.get(reverse("planning:scenario_detail", kwargs={"pk": suggestion.pk})).content.decode()
    assert 'id="scenario-suggestion"' in detail and 'id="scenario-promote"' not in detail
    compare = client.get(reverse("planning:scenario_compare", kwargs={"pk": suggestion.pk})).content.decode()
    assert 'id="compare-promote"' not in compare


def test_the_plan_lists_filters_are_bootstrap_controls(w2, client, manager) -> None:
    """Bare selects took their widest option's width and pushed a phone's page sideways."""
    client.force_login(manager)
    text = client.get(reverse("planning:session-list", kwargs={"plant_code": "SY"})).content.decode()
    for name in ("line", "course", "trainer", "status"):
        assert f'<select name="{name}" class="form-select"' in text
    assert '<input type="month" name="month" placeholder="YYYY-MM" class="form-control"' in text


def test_the_promotion_message_counts_one_session_in_the_singular(full_scenario, client, manager) -> None:
    client.force_login(manager)
    response = client.post(reverse("planning:scenario_promote", kwargs={"pk": full_scenario.pk}), follow=True)
    full_scenario.refresh_from_db()
    assert full_scenario.status == "promoted"
    assert "Scenario promoted: 1 session planned, 1 moved, 1 cancelled." in response.content.decode()


def test_the_comparison_never_shows_minus_zero() -> None:
    """A sum of pass-rate weights lands a hair below zero (the demo's FORM1 at SOP + window read "-0.0")."""
    from planning.selectors.scenarios import _rounded

    assert str(_rounded(0.1 + 0.2 - 0.3 - 1e-16 - 0.0000000000000001)) == "0.0"
    assert str(_rounded(-1e-17)) == "0.0" and _rounded(2.345678) == 2.35


def test_a_suggestions_name_tells_the_plants_local_time(w2, manager, settings) -> None:
    """SY is Asia/Shanghai (UTC+8): the demo's suggestion at 01:06 UTC read "01:06" beside "as of 09:06"."""
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    settings.TIME_ZONE = "UTC"
    at = dt.datetime(2026, 12, 2, 1, 6, tzinfo=dt.UTC)
    with mock.patch.object(timezone, "now", return_value=at):
        scenario = suggestion_create(plant=w2["plant"], line=w2["line"], buffer_days=14, confirm=False, actor=manager)
    assert scenario.name == "Suggested plan for L2, 2026-12-02 09:06"
