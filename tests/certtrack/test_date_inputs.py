"""Every date input carries an ISO value (YYYY-MM-DD) in every language (issue #14 item 3).

`<input type="date">` accepts nothing else: in zh-hans Django's own format ("2026/12/01") left
the field empty and the form came back "这个字段是必填项".
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.forms.filters import AuditFilterForm
from assessments.forms.results import GridHeaderForm, SingleResultForm
from assessments.forms.sessions import SessionCreateForm
from tests import factories
from tests.languages import switch_language

DAY = datetime.date(2026, 12, 1)


def _date_values(html: str) -> dict[str, str]:
    """name -> value of every <input type="date"> in the HTML."""
    values = {}
    for tag in re.findall(r"<input[^>]*>", str(html)):
        if 'type="date"' in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            value = re.search(r'value="([^"]*)"', tag)
            values[name] = value.group(1) if value else ""
    return values


@pytest.fixture
def employee(plant_sy):
    return factories.EmployeeFactory(employee_no="SY001", plant=plant_sy)


def test_it_renders_every_date_form_with_iso_values_in_chinese(trainer, employee) -> None:
    with translation.override("zh-hans"):
        forms = {
            "session": SessionCreateForm(user=trainer, initial={"held_on": DAY}),
            "single": SingleResultForm(user=trainer, employee=employee, initial={"assessed_on": DAY}),
            "grid": GridHeaderForm(initial={"assessed_on": DAY}),
            "audit": AuditFilterForm(initial={"date_from": DAY, "date_to": DAY}),
        }
        rendered = {name: _date_values(form.as_p()) for name, form in forms.items()}
    assert rendered == {
        "session": {"held_on": "2026-12-01"},
        "single": {"assessed_on": "2026-12-01"},
        "grid": {"assessed_on": "2026-12-01"},
        "audit": {"date_from": "2026-12-01", "date_to": "2026-12-01"},
    }


def test_it_keeps_the_date_iso_when_the_form_comes_back_with_an_error(trainer, employee) -> None:
    """A date typed the Chinese way (a browser without a date picker) comes back ISO, with the other errors."""
    with translation.override("zh-hans"):
        form = SingleResultForm({"assessed_on": "2026/12/01", "kind": "theory"}, user=trainer, employee=employee)
        assert not form.is_valid()
        assert "course" in form.errors and "assessed_on" not in form.errors
        assert form.cleaned_data["assessed_on"] == DAY
        assert _date_values(form.as_p()) == {"assessed_on": "2026-12-01"}
        session_form = SessionCreateForm({"held_on": "2026-12-01"}, user=trainer)
        assert not session_form.is_valid()
        assert _date_values(session_form.as_p()) == {"held_on": "2026-12-01"}


def test_it_serves_the_new_session_page_with_todays_iso_date_in_chinese(client, trainer, plant_sy) -> None:
    client.force_login(trainer)
    switch_language(client, "zh-hans")
    response = client.get(reverse("assessments:session-create"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert _date_values(response.content.decode()) == {"held_on": plant_sy.local_today().isoformat()}
