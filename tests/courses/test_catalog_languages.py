"""Course titles and process area names in every language (issue #19): title_<lang> / name_<lang> per language,
falling back to English; the catalog file carries them for the company templates; the catalog workbook too."""

from __future__ import annotations

import pytest
from django.utils import translation

from courses.models import Course, ProcessArea, localised, localised_value, text_language, translated_fields
from courses.services import catalog_load
from spreadsheets.engine import import_run
from spreadsheets.exports.catalog import catalog_workbook_write
from tests import factories
from tests.spreadsheets.helpers import make_xlsx, open_back

pytestmark = pytest.mark.django_db

LANGUAGES = {"en": None, "zh-hans": "zh", "de": "de", "hu": "hu", "es": "es"}


@pytest.mark.parametrize(("language", "suffix"), LANGUAGES.items())
def test_each_language_has_its_field_suffix(language: str, suffix: str | None) -> None:
    assert text_language(language) == suffix
    assert translated_fields("title") == ["title_zh", "title_de", "title_hu", "title_es"]


def test_a_title_shows_in_the_pages_language_and_falls_back_to_english() -> None:
    course = factories.CourseFactory(
        code="HV-001",
        title="High-voltage safety level 1",
        title_zh="高压安全一级",
        title_de="Hochvoltsicherheit Stufe 1",
    )
    seen = {}
    for language in LANGUAGES:
        with translation.override(language):
            seen[language] = (course.display_title, str(course))
    assert seen == {
        "en": ("High-voltage safety level 1", "HV-001 High-voltage safety level 1"),
        "zh-hans": ("高压安全一级", "HV-001 高压安全一级"),
        "de": ("Hochvoltsicherheit Stufe 1", "HV-001 Hochvoltsicherheit Stufe 1"),
        "hu": ("High-voltage safety level 1", "HV-001 High-voltage safety level 1"),  # no Hungarian title
        "es": ("High-voltage safety level 1", "HV-001 High-voltage safety level 1"),
    }
    row = {"course__title": "English", "course__title_hu": "Magyar cím", "course__title_es": ""}
    with translation.override("hu"):
        assert localised_value(row, "course__title") == "Magyar cím"
        assert localised("English", hu="Magyar") == "Magyar"
    with translation.override("es"):
        assert localised_value(row, "course__title") == "English"
        assert localised("English", "中文") == "English"


def test_the_catalog_file_gives_every_template_and_area_a_title_in_every_language() -> None:
    catalog_load()
    templates = Course.objects.filter(owner_plant__isnull=True)
    assert templates.count() >= 150
    for field in translated_fields("title"):
        assert not templates.filter(**{field: ""}).exists(), field
    for field in translated_fields("name"):
        assert not ProcessArea.objects.filter(**{field: ""}).exists(), field
    hv1 = Course.objects.get(code="HV-001")
    assert (hv1.title_de, hv1.title_hu, hv1.title_es) == (
        "Hochvoltsicherheit Stufe 1",
        "Nagyfeszültségű biztonság, 1. szint",
        "Seguridad en alto voltaje nivel 1",
    )
    with translation.override("es"):
        assert ProcessArea.objects.get(code="HV").display_name == "Seguridad en alto voltaje"
    catalog_load()  # idempotent: the titles stay
    assert Course.objects.get(code="HV-001").title_hu == "Nagyfeszültségű biztonság, 1. szint"


def test_the_catalog_workbook_carries_the_titles_there_and_back(tmp_path, admin_user) -> None:
    area = factories.ProcessAreaFactory(code="HV")
    factories.CourseFactory(
        code="HV-001", process_area=area, title="HV 1", title_zh="高压", title_de="HV de", title_hu="NF", title_es="AV"
    )
    path = tmp_path / "catalog.xlsx"
    catalog_workbook_write(target=path)
    sheet = open_back(path)["Courses"]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["code", "title", "title_zh", "title_de", "title_hu", "title_es"]
    assert [c.value for c in sheet[2]][:6] == ["HV-001", "HV 1", "高压", "HV de", "NF", "AV"]

    changed = make_xlsx(
        tmp_path / "titles.xlsx",
        {
            "Courses": [
                ["code", "title", "title_de", "title_hu", "title_es", "process_area", "needs"],
                ["HV-001", "HV 1", "Hochvolt 1", "Nagyfeszültség 1", "Alto voltaje 1", "HV", "theory;practical"],
            ]
        },
    )
    result = import_run(kind="catalog", path=changed, user=admin_user, commit=True, filename="titles.xlsx")
    assert result.committed, result.as_text()
    course = Course.objects.get(code="HV-001")
    assert (course.title_de, course.title_hu, course.title_es) == ("Hochvolt 1", "Nagyfeszültség 1", "Alto voltaje 1")
