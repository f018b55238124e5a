"""Audit summaries stored as a code and parameters, shown in the reader's language (issue #14 item 5),
and the audit export's layout (item 17: widths, autofilter, frozen header, readable event names)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from assessments.audit_messages import audit_message, audit_summary_render
from assessments.models import AuditAction, AuditEvent
from assessments.services.audit import audit_event_create
from assessments.services.certifications import certification_revoke
from assessments.services.results import assessment_record, assessment_void, assessments_record
from assessments.services.sessions import training_session_create
from spreadsheets.services import roster_export_write
from tests.assessments.helpers import result
from tests.languages import switch_language


def _zh(event: AuditEvent) -> str:
    with translation.override("zh-hans"):
        return event.display_summary


def _en(event: AuditEvent) -> str:
    with translation.override("en"):
        return event.display_summary


@pytest.fixture
def recorded(trainer, hv_course, team, today):
    assessments_record(
        rows=[
            result(team[0], hv_course, "theory", today, trainer, score=85),
            result(team[0], hv_course, "practical", today, trainer, passed=False),
        ],
        recorded_by=trainer,
    )
    return AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_RECORDED).order_by("id")


def test_it_stores_a_recorded_result_as_a_code_and_parameters(recorded, today) -> None:
    theory, practical = recorded
    day = today.isoformat()
    assert (theory.message_code, theory.message_params) == (
        "assessment.recorded",
        {"employee": "SY001", "course": "HV-001", "kind": "theory", "score": 85, "passed": True, "date": day},
    )
    assert theory.summary == f"SY001 HV-001 Theory test: 85, pass, assessed on {day}"  # English, for the raw table
    assert _en(theory) == theory.summary
    assert _zh(theory) == f"SY001 HV-001 理论考试：85 分，通过，考核日期 {day}"
    assert _zh(practical) == f"SY001 HV-001 实操评估：未通过，考核日期 {day}"


def test_it_renders_voids_revocations_and_sessions_in_chinese(trainer, manager, hv_course, team, today) -> None:
    day = today.isoformat()
    assessment = assessment_record(
        row=result(team[1], hv_course, "theory", today, trainer, score=90), recorded_by=trainer
    )
    assessment_void(assessment=assessment, actor=trainer, reason="错误的员工")
    assessments_record(
        rows=[
            result(team[2], hv_course, "theory", today - dt.timedelta(days=1), trainer, score=95),
            result(team[2], hv_course, "practical", today - dt.timedelta(days=1), trainer, passed=True),
        ],
        recorded_by=trainer,
    )
    certification = team[2].certifications.get(course=hv_course)
    certification_revoke(certification=certification, actor=manager, reason="quality incident")
    session = training_session_create(
        trainer=trainer, course=hv_course, plant=team[0].plant, held_on=today, delivery_mode="classroom", location=""
    )
    events = {e.action: e for e in AuditEvent.objects.exclude(action=AuditAction.ASSESSMENT_RECORDED)}
    assert _zh(events[AuditAction.ASSESSMENT_VOIDED]) == (
        f"SY002 HV-001 理论考试：90 分，通过，考核日期 {day}；已作废：错误的员工"
    )
    assert _zh(events[AuditAction.CERTIFICATION_REVOKED]) == f"SY003 HV-001 自 {day} 起撤销：quality incident"
    assert _en(events[AuditAction.CERTIFICATION_REVOKED]) == f"SY003 HV-001 revoked from {day}: quality incident"
    assert _zh(events[AuditAction.SESSION_CREATED]) == f"HV-001 培训场次，{day}，SY"  # no location: the short form
    assert events[AuditAction.SESSION_CREATED].object_id == str(session.pk)


def test_it_keeps_showing_old_rows_and_plain_summaries_as_written(trainer, plant_sy) -> None:
    old = AuditEvent.objects.create(
        occurred_at=timezone.now(), action=AuditAction.ASSESSMENT_RECORDED, summary="SY001 HV-001 theory 85 pass"
    )
    plain = audit_event_create(
        actor=trainer,
        action=AuditAction.SESSION_CANCELLED,
        summary="HV-001 cancelled: trainer ill",
        plant_id=plant_sy.id,
    )
    assert (plain.message_code, plain.message_params) == ("", {})
    for event in (old, plain):
        assert _zh(event) == _en(event) == event.summary


@pytest.mark.parametrize(
    ("action", "params", "english", "chinese"),
    [
        (
            AuditAction.SESSION_CHANGED,
            {"course": "HV-001", "date": dt.date(2026, 12, 3), "plant": "SY", "fields": ["held_on", "location"]},
            "HV-001 session on 2026-12-03 at SY changed: date, location",
            "HV-001 培训场次（2026-12-03，SY）已修改：日期, 地点",
        ),
        (
            AuditAction.SESSION_CHANGED,
            {"course": "HV-001", "date": "2026-12-03", "plant": "SY", "fields": ["trainer"], "reason": "trainer ill"},
            "HV-001 session on 2026-12-03 at SY changed (trainer): trainer ill",
            "HV-001 培训场次（2026-12-03，SY）已修改（培训师）：trainer ill",
        ),
        (
            AuditAction.SESSION_CANCELLED,
            {"course": "HV-001", "date": "2026-12-03", "plant": "SY", "reason": "line stop"},
            "HV-001 session on 2026-12-03 at SY cancelled: line stop",
            "HV-001 培训场次（2026-12-03，SY）已取消：line stop",
        ),
        (
            AuditAction.SESSION_ATTENDEES_ADDED,
            {"course": "HV-001", "date": "2026-12-03", "plant": "SY", "employees": ["SY001", "SY002"]},
            "Added to the HV-001 session on 2026-12-03 at SY: SY001, SY002",
            "已添加到 HV-001 培训场次（2026-12-03，SY）：SY001, SY002",
        ),
        (
            AuditAction.SESSION_ATTENDEE_REMOVED,
            {"course": "HV-001", "date": "2026-12-03", "plant": "SY", "employee": "SY007"},
            "Removed from the HV-001 session on 2026-12-03 at SY: SY007",
            "已从 HV-001 培训场次（2026-12-03，SY）移除：SY007",
        ),
        (
            AuditAction.SESSION_ATTENDEE_REMOVED,
            {"course": "HV-001", "date": "2026-12-03", "plant": "SY", "employees": ["SY007"], "reason": "sick"},
            "Removed from the HV-001 session on 2026-12-03 at SY: SY007 (sick)",
            "已从 HV-001 培训场次（2026-12-03，SY）移除：SY007（sick）",
        ),
        (
            AuditAction.IMPORT_COMMITTED,
            {"import_kind": "employees", "created": 2, "updated": 0, "unchanged": 5, "skipped": 0},
            "Employees import: 2 created, 0 updated, 5 unchanged, 0 skipped",
            "员工导入：新建 2，更新 0，未变 5，跳过 0",
        ),
    ],
)
def test_it_renders_the_session_change_actions_from_their_parameters(
    trainer,
    plant_sy,
    action: str,
    params: dict,
    english: str,
    chinese: str,
) -> None:
    event = audit_event_create(actor=trainer, action=action, params=params, plant_id=plant_sy.id)
    event.refresh_from_db()
    assert event.message_code == action
    assert event.summary == english
    assert (_en(event), _zh(event)) == (english, chinese)


def test_it_shortens_long_lists_of_people() -> None:
    params = {"course": "HV-001", "date": "2026-12-03", "plant": "SY", "employees": [f"SY{n:03d}" for n in range(25)]}
    message = audit_message(AuditAction.SESSION_ATTENDEES_ADDED, **params)
    assert message["summary"].endswith("SY018, SY019 and 5 more")
    with translation.override("zh-hans"):
        text = audit_summary_render(code=message["message_code"], params=message["message_params"])
    assert text.endswith("SY019 及另外 5 个")


def test_it_falls_back_to_the_stored_text_for_what_it_cannot_render() -> None:
    assert audit_summary_render(code="session.renamed", params={"course": "X"}) is None  # an unknown code
    assert audit_summary_render(code=AuditAction.SESSION_CANCELLED, params={"course": "X"}) is None  # too few
    event = AuditEvent(summary="as written", message_code="session.cancelled", message_params={"course": "X"})
    assert _zh(event) == "as written"


def test_it_lets_a_caller_choose_a_code_other_than_the_action(trainer) -> None:
    event = audit_event_create(
        actor=trainer,
        action=AuditAction.EMPLOYEE_CHANGED,
        message="employee.created_by_import",
        params={"employee": "E1"},
    )
    assert (event.message_code, event.summary, _zh(event)) == (
        "employee.created_by_import",
        "E1 created by Excel import",
        "E1 已通过 Excel 导入创建",
    )


def test_it_stores_the_roster_export_as_a_message(hr, plant_sy) -> None:
    roster_export_write(plant=plant_sy, line=None, requester=hr, target=io.BytesIO())
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_CREATED)
    assert (event.summary, _zh(event)) == ("Roster export of SY, employees: 0", "SY 花名册导出，员工数：0")


# --- The pages and the export -------------------------------------------------------------------


def test_it_shows_summaries_in_the_readers_language_on_the_log_and_the_employee_page(client, manager, recorded) -> None:
    client.force_login(manager)
    switch_language(client, "zh-hans")
    log = client.get(reverse("assessments:audit-log")).content.decode()
    employee_page = client.get(reverse("assessments:employee-detail", args=["SY001"])).content.decode()
    for page in (log, employee_page):
        assert "SY001 HV-001 理论考试：85 分，通过" in page
        assert "Theory test: 85" not in page
    assert "HV-001</span> High-voltage safety" in log  # the course column names the course


def test_it_exports_a_laid_out_log_in_the_readers_language_and_zone(client, manager, recorded, today) -> None:
    client.force_login(manager)
    switch_language(client, "zh-hans")
    response = client.get(reverse("assessments:audit-export"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    with translation.override("zh-hans"):
        assert book.sheetnames == [translation.pgettext("sheet name", "Audit log")]  # named in the reader's language
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "时间（Asia/Shanghai）"
    assert header[4] == "事件" and header[10] == "摘要"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    theory = next(row for row in rows if "理论考试" in row[10])
    assert theory[4] == "已录入考核"  # the event's label, not "assessment.recorded"
    assert theory[10] == f"SY001 HV-001 理论考试：85 分，通过，考核日期 {today.isoformat()}"
    assert theory[6] == "SY001" and theory[8] == "HV-001" and theory[9] == "High-voltage safety"
    event = AuditEvent.objects.filter(summary__contains="85").get()
    expected = timezone.localtime(event.occurred_at, dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    assert abs(theory[0] - expected) < dt.timedelta(seconds=1)  # Shanghai time, not UTC
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L3"
    assert sheet.column_dimensions["K"].width == 70  # the summary
    assert all(sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKL")
