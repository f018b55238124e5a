"""The organisation import sets a plant's default language (issue #19): audited, checked, no roll-up."""

from __future__ import annotations

import pytest

from assessments.models import AuditEvent
from employees.models import Plant
from spreadsheets.engine import import_run
from tests.spreadsheets.helpers import make_xlsx

pytestmark = pytest.mark.django_db

HEADERS = ["plant", "line_code", "line_name", "shifts", "default_language"]


def _import(tmp_path, user, rows, commit=True):
    path = make_xlsx(tmp_path / "organisation.xlsx", {"Organisation": [HEADERS, *rows]})
    return import_run(kind="organisation", path=path, user=user, commit=commit, filename=path.name)


def test_it_sets_the_plants_default_language(tmp_path, org, admin_user) -> None:
    result = _import(tmp_path, admin_user, [["SY", "L1", "Module line 1", 3, "zh-Hans"]])
    assert result.committed, result.as_text()
    assert Plant.objects.get(code="SY").default_language == "zh-hans"
    event = AuditEvent.objects.filter(object_type="Plant").latest("occurred_at")
    assert event.changes["fields"] == ["default_language"]
    # Empty: unchanged.
    assert _import(tmp_path, admin_user, [["SY", "L1", "Module line 1", 3, ""]]).committed
    assert Plant.objects.get(code="SY").default_language == "zh-hans"


def test_it_refuses_an_unknown_language_and_writes_nothing(tmp_path, org, admin_user) -> None:
    result = _import(tmp_path, admin_user, [["SY", "L1", "Module line 1", 3, "fr"]])
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(2, "default_language")]
    assert "Unknown language fr" in str(result.errors[0])
    assert Plant.objects.get(code="SY").default_language == "en"
