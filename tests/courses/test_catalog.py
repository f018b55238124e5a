"""The company catalog file and its idempotent loader."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from courses.models import Checklist, ChecklistItem, Course, ProcessArea, Requirement
from courses.services import catalog_load
from employees.models import JobRole

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        ProcessArea.objects.count(),
        Course.objects.count(),
        Course.prerequisites.through.objects.count(),
        JobRole.objects.count(),
        Requirement.objects.count(),
        Checklist.objects.count(),
        ChecklistItem.objects.count(),
    )


def test_it_loads_a_realistic_catalog_of_at_least_150_courses() -> None:
    catalog_load()
    assert Course.objects.filter(is_active=True, owner_plant__isnull=True).count() >= 150
    assert ProcessArea.objects.filter(courses__isnull=False).distinct().count() >= 12
    assert Course.objects.filter(delivery_mode="virtual").count() >= 15
    assert Course.objects.filter(needs_theory=True, needs_practical=False).exists()
    assert Course.objects.filter(needs_theory=False, needs_practical=True).exists()
    assert Course.objects.filter(needs_theory=True, needs_practical=True).exists()
    hv1, hv2, hv3 = (Course.objects.get(code=f"HV-00{n}") for n in (1, 2, 3))
    assert (hv1.validity_months, hv1.pass_mark, hv1.safety_critical, hv1.needed_kinds) == (
        12,
        80,
        True,
        ("theory", "practical"),
    )
    assert list(hv2.prerequisites.values_list("code", flat=True)) == ["HV-001"]
    assert list(hv3.prerequisites.values_list("code", flat=True)) == ["HV-002"]
    assert hv1.title_zh


def test_safety_critical_courses_expire_within_12_to_24_months() -> None:
    catalog_load()
    months = set(Course.objects.filter(safety_critical=True).values_list("validity_months", flat=True))
    assert months and months <= set(range(12, 25))


def test_live_hv_pack_work_requires_hv_level_2() -> None:
    catalog_load()
    hv_work = Course.objects.filter(code__in=["BAT-PACK-007", "EOL-003"])
    for course in hv_work:
        chain = set(course.prerequisites.values_list("code", flat=True))
        assert chain & {"HV-002", "HV-003"}, course.code


def test_loading_twice_changes_nothing() -> None:
    call_command("load_catalog")
    first = _counts()
    updated_at = dict(Course.objects.values_list("code", "updated_at"))
    call_command("load_catalog")
    assert _counts() == first
    assert dict(Course.objects.values_list("code", "updated_at")) == updated_at


def test_a_changed_validity_in_the_file_updates_the_course(tmp_path) -> None:
    from courses.services import CATALOG_PATH

    catalog_load()
    text = CATALOG_PATH.read_text(encoding="utf-8").replace(
        'code = "HV-001"\ntitle = "High-voltage safety level 1"',
        'code = "HV-001"\ntitle = "High-voltage safety level 1 (new)"',
    )
    changed = tmp_path / "catalog.toml"
    changed.write_text(text, encoding="utf-8")
    result = catalog_load(path=changed)
    assert result.courses.updated == 1
    assert Course.objects.get(code="HV-001").title == "High-voltage safety level 1 (new)"


def test_it_grades_the_practical_station_courses_in_levels_and_not_the_theory_ones() -> None:
    catalog_load()
    graded = set(Course.objects.filter(uses_levels=True).values_list("code", flat=True))
    assert {"BAT-PACK-007", "JOIN-003", "EOL-004", "MNT-005", "LEAK-003", "MOD-002"} <= graded
    assert not Course.objects.filter(uses_levels=True, needs_practical=False).exists()
    assert not graded & {"HV-001", "HV-002", "EHS-004"}  # safety sign-offs stay pass or fail


def test_it_publishes_checklists_on_the_safety_critical_practicals() -> None:
    result = catalog_load()
    checklists = Checklist.objects.select_related("course").prefetch_related("items")
    assert result.checklists_published == checklists.count() >= 10
    by_code = {c.course.code: c for c in checklists}
    assert {"HV-002", "HV-004", "HV-005", "HV-007", "BAT-PACK-007", "JOIN-003"} <= set(by_code)
    for checklist in checklists:
        items = list(checklist.items.all())
        assert checklist.revision == 1 and checklist.course.needs_practical
        assert 3 <= len(items) <= 6 and [i.position for i in items] == list(range(1, len(items) + 1))
        assert all(i.text and i.text_zh for i in items)
        assert any(i.critical for i in items), checklist
    assert by_code["HV-009"].threshold_pct == 75
    first = [(i.text, i.text_zh, i.critical) for i in by_code["BAT-PACK-007"].items.all()]
    assert first[1] == ("Mates the connector until the primary lock clicks", "插合连接器直至一级锁止咔嗒到位", True)


def test_loading_twice_publishes_no_checklist_and_a_changed_item_list_the_next_revision(tmp_path) -> None:
    from courses.services import CATALOG_PATH

    catalog_load()
    assert catalog_load().checklists_published == 0
    text = CATALOG_PATH.read_text(encoding="utf-8").replace(
        '{ text = "Performs the pull test", text_zh = "进行拉拔测试", critical = true },',
        '{ text = "Performs the pull test (50 N)", text_zh = "进行拉拔测试（50 N）", critical = true },',
    )
    changed = tmp_path / "catalog.toml"
    changed.write_text(text, encoding="utf-8")
    assert catalog_load(path=changed).checklists_published == 1
    revisions = Checklist.objects.filter(course__code="BAT-PACK-007").order_by("revision")
    assert [c.revision for c in revisions] == [1, 2]
    assert revisions[0].items.get(position=4).text == "Performs the pull test"  # the old revision is kept
    assert revisions[1].items.get(position=4).text == "Performs the pull test (50 N)"
    assert catalog_load(path=changed).checklists_published == 0
