"""Excel import of assessment results (e.g. from the virtual-model training system or a paper session).

Every row becomes a ResultInput and goes through assessments_validate, so the
trainer rules (authorisation, prerequisites, dates, kinds) apply row by row
exactly as in the browser; the write is assessments_record (all or nothing).
A row with a bad cell cannot go through them all (they need a whole row), but
every rule whose cells are good still speaks: the cells' own checks (the score's
range), the look-ups, and the date rules of the services (assessment_date_refusals).
A result already recorded is reported as a duplicate and skipped, never doubled.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from assessments.models import AssessmentSource
from assessments.services.result_rules import (
    ResultInput,
    assessment_date_refusals,
    assessments_duplicates,
    assessments_revocation_notices,
    assessments_validate,
    checklist_resolve,
    checklists_current,
)
from assessments.services.results import BatchRejected, assessments_record
from certtrack.translatable import gettext as _
from courses.models import AssessmentKind, Course, DeliveryMode, Level
from courses.selectors import courses_authorised_for, courses_available_to_plant
from employees.access import Capability, plant_ids_for_user, plants_for_user
from employees.models import Employee, Plant
from spreadsheets.engine import (
    CellError,
    Column,
    Importer,
    Preview,
    PreviewRow,
    SheetSpec,
    SpreadsheetRejected,
    User,
    WorkbookReader,
)
from spreadsheets.engine.cells import FALSE_WORDS, TRUE_WORDS
from spreadsheets.importers.courses import delivery_mode_from
from spreadsheets.importers.employees import CHUNK
from spreadsheets.importers.plants import EXAMPLE_EMPLOYEE_NO, allowed_plant_ids, example_employee_no

RESULT_SHEET = SheetSpec(
    name="Results",
    columns=(
        Column(
            "employee_no",
            "code",
            required=True,
            aliases=("employee_number",),
            example=EXAMPLE_EMPLOYEE_NO,
            help=gettext_lazy("Employee number."),
        ),
        Column(
            "course_code",
            "code",
            required=True,
            aliases=("course",),
            example="HV-001",
            help=gettext_lazy("Course code."),
        ),
        Column(
            "kind",
            "code",
            required=True,
            choices=tuple(AssessmentKind.values),
            example=AssessmentKind.THEORY.value,
            help=gettext_lazy("theory or practical."),
        ),
        Column(
            "assessed_on",
            "date",
            required=True,
            aliases=("date",),
            example=datetime.date(2026, 3, 1),
            help=gettext_lazy("Date of the assessment (not in the future, not before the hire date)."),
        ),
        Column(
            "score",
            "int",
            min_value=0,
            max_value=100,
            example=86,
            help=gettext_lazy("Theory score 0-100 (pass = score >= the course's pass mark)."),
        ),
        Column(
            "passed",
            "bool",
            example="",
            help=gettext_lazy("Practical: yes / no (pass / fail); may be empty when the checklist is marked."),
        ),
        Column(
            "level",
            "code",
            choices=tuple(Level.values),
            example="",
            help=gettext_lazy(
                "Practical pass: L, U or O (L and O only for courses that use levels); empty = U. "
                "Leave empty on a fail and on a theory test."
            ),
        ),
        Column(
            "delivery_mode",
            "text",
            choices=tuple(DeliveryMode.values),
            example="",
            help=gettext_lazy(
                "classroom, virtual, on_the_job or elearning (or its name); empty = the course's. "
                "A practical pass on the virtual model is provisional."
            ),
        ),
        Column(
            "checklist",
            "text",
            max_length=2000,
            aliases=("checklist_marks",),
            example="",
            help=gettext_lazy(
                "Practical of a course with a checklist: every item of its current revision, e.g. "
                "1:ok;2:ok;3:no;4:ok (ok / no, also yes / no, 1 / 0, 是 / 否). The outcome follows from the marks."
            ),
        ),
        Column(
            "assessor",
            "text",
            example="",
            help=gettext_lazy("User name of the authorised trainer who assessed; empty = you."),
        ),
        Column("notes", "text", max_length=4000, example="Virtual model", help=gettext_lazy("Notes; may be empty.")),
    ),
    key=("employee_no", "course_code", "kind", "assessed_on", "score", "passed"),
)

# The column each of the trainer rules (assessments.services.result_rules.assessments_validate) is about, by the code
# (msgid) of its message: the preview names the column ("score", not "-"). A message not listed here
# (a rule added later) is shown without a column; tests/spreadsheets/test_import_errors.py covers every rule listed.
SERVICE_MESSAGE_COLUMNS = {
    "You may not record results at plant %(plant)s.": "employee_no",
    "%(employee)s is not active (%(status)s).": "employee_no",
    "Course %(course)s is not active.": "course_code",
    "Course %(course)s belongs to another plant.": "course_code",
    "Course %(course)s does not use a %(kind)s assessment.": "kind",
    "The assessment date may not be in the future.": "assessed_on",
    "The assessment date is before the hire date (%(hire_date)s).": "assessed_on",
    "A theory test needs a score.": "score",
    "The score must be between 0 and 100.": "score",
    "A practical evaluation needs pass or fail.": "passed",
    "%(assessor)s is not authorised to assess %(course)s at plant %(plant)s.": "assessor",
    "Prerequisite not valid on %(date)s: %(courses)s.": "course_code",
    "Course %(course)s has no checklist for this result: leave the checklist marks empty.": "checklist",
    "%(course)s is marked against checklist revision %(revision)s: mark each of its %(items)s items.": "checklist",
    "Checklist revision %(revision)s of %(course)s has %(items)s items; %(marked)s were marked.": "checklist",
    "The checklist marks give %(outcome)s, not the outcome stated.": "checklist",
    "The level must be L, U or O.": "level",
    "A level is given only on a passing practical evaluation.": "level",
    "Course %(course)s does not use levels: its practical passes are recorded as U.": "level",
    "Unknown delivery mode %(mode)s: use one of %(modes)s.": "delivery_mode",
}


def service_message_column(message: str) -> str:
    return SERVICE_MESSAGE_COLUMNS.get(getattr(message, "msgid", ""), "")


def checklist_marks_parse(text: str) -> list[bool] | None:
    """Checklist marks from a cell: "1:ok;2:ok;3:no;4:ok" (item numbers in any order, each once, from 1 with
    none left out) or the marks alone in item order ("ok;ok;no;ok"); ok / no, yes / no, 1 / 0, 是 / 否 ...
    (the yes-no words of every bool cell). None for an empty cell; CellError saying what is wrong."""
    parts = [p.strip() for p in text.replace("\n", ";").replace(",", ";").replace("；", ";").split(";") if p.strip()]
    if not parts:
        return None
    numbered = [":" in p or "：" in p for p in parts]
    if any(numbered) and not all(numbered):
        raise CellError(_("number every item (1:ok;2:no;...) or none of them (ok;no;...)"))
    marks: dict[int, bool] = {}
    for position, part in enumerate(parts, start=1):
        if ":" in part or "：" in part:
            number_text, mark_text = part.replace("：", ":").split(":", 1)
            number_text = number_text.strip()
            if not number_text.isdigit() or int(number_text) < 1:
                raise CellError(_("%(item)r is not an item number") % {"item": number_text})
            number = int(number_text)
        else:
            number, mark_text = position, part
        word = mark_text.strip().lower()
        if word in TRUE_WORDS:
            ok = True
        elif word in FALSE_WORDS:
            ok = False
        else:
            raise CellError(_("item %(item)s: mark it ok or no, not %(mark)r") % {"item": number, "mark": mark_text})
        if number in marks:
            raise CellError(_("item %(item)s is marked twice") % {"item": number})
        marks[number] = ok
    missing = [n for n in range(1, max(marks) + 1) if n not in marks]
    if missing:
        raise CellError(
            _("item(s) %(items)s not marked: mark every item") % {"items": ", ".join(str(n) for n in missing)}
        )
    return [marks[n] for n in range(1, len(marks) + 1)]


def checklist_marks_text(marks: list[bool]) -> str:
    """Marks as the import reads them: "1:ok;2:ok;3:no;4:ok"."""
    return ";".join(f"{n}:{'ok' if ok else 'no'}" for n, ok in enumerate(marks, start=1))


KIND_WORDS = {
    "theory": AssessmentKind.THEORY,
    "theory test": AssessmentKind.THEORY,
    "practical": AssessmentKind.PRACTICAL,
    "practical evaluation": AssessmentKind.PRACTICAL,
}


class ResultImporter(Importer):
    kind = "results"
    title = gettext_lazy("Assessment results")
    sheets = (RESULT_SHEET,)

    @classmethod
    def allowed(cls, *, user: User) -> bool:
        return user is not None and plant_ids_for_user(user=user, capability=Capability.IMPORT_RESULTS) != frozenset()

    @classmethod
    def plants(cls, *, user: User) -> QuerySet[Plant]:
        return plants_for_user(user=user, capability=Capability.IMPORT_RESULTS)

    @classmethod
    def template_examples(cls, *, user: User, plant: Plant) -> dict[tuple[str, str], object]:
        # A made-up person (the employee template's example, so the two examples go together) and a course the
        # user may assess at the plant, a theory test where there is one (the example row shows a score).
        courses = courses_available_to_plant(plant=plant)
        if user is not None and courses_authorised_for(user=user, plant_ids=[plant.id]).exists():
            courses = courses.filter(id__in=courses_authorised_for(user=user, plant_ids=[plant.id]).values("id"))
        course = courses.order_by("-needs_theory", "code").first()
        sheet = RESULT_SHEET.name
        examples: dict[tuple[str, str], object] = {(sheet, "employee_no"): example_employee_no(plant=plant)}
        if course is not None:
            examples[(sheet, "course_code")] = course.code
            if not course.needs_theory:
                # A practical pass at U, delivered as the course is; marked item by item where it has a checklist.
                checklist = checklists_current(course_ids=[course.id]).get(course.id)
                marks = checklist_marks_text([True] * len(checklist.items.all())) if checklist else ""
                examples |= {
                    (sheet, "kind"): AssessmentKind.PRACTICAL.value,
                    (sheet, "score"): None,
                    (sheet, "passed"): "" if checklist else "yes",
                    (sheet, "level"): Level.U.value,
                    (sheet, "delivery_mode"): course.delivery_mode,
                    (sheet, "checklist"): marks,
                }
        return examples

    def plan(self, reader: WorkbookReader, *, user: User, plant: Plant | None, preview: Preview) -> Callable[[], None]:
        # Every row, also one with a bad cell: its other cells are still looked up and reported.
        rows = reader.read(RESULT_SHEET, preview)
        if user is None:
            preview.error("", 0, "", _("Results are recorded in someone's name: give --user."))
            return lambda: None
        allowed = allowed_plant_ids(user=user, capability=Capability.IMPORT_RESULTS, plant=plant)
        employees: dict[str, Employee] = {}
        numbers = sorted({r.values["employee_no"] for r in rows if r.values.get("employee_no")})
        for start in range(0, len(numbers), CHUNK):
            found = Employee.objects.filter(employee_no__in=numbers[start : start + CHUNK]).select_related("plant")
            if allowed is not None:
                found = found.filter(plant_id__in=allowed)
            employees.update({e.employee_no: e for e in found})
        courses = {
            c.code: c
            for c in Course.objects.filter(
                code__in={r.values["course_code"] for r in rows if r.values.get("course_code")}
            )
        }
        usernames = {r.values.get("assessor") for r in rows if r.values.get("assessor")}
        assessors = {
            u.get_username(): u
            for u in get_user_model().objects.filter(**{f"{get_user_model().USERNAME_FIELD}__in": usernames})
        }
        inputs: list[ResultInput] = []
        input_rows: list[tuple[str, int, str]] = []
        plant_today: dict[int, datetime.date] = {}
        for row in rows:
            v, sheet = row.values, row.sheet
            errors_before = len(preview.errors)
            employee = employees.get(v["employee_no"]) if v.get("employee_no") else None
            if v.get("employee_no") and employee is None:
                # Same words whether the number is unknown or at a plant the user may not see.
                preview.error(sheet, row.row, "employee_no", _("Unknown employee %(no)s.") % {"no": v["employee_no"]})
            course = courses.get(v["course_code"]) if v.get("course_code") else None
            if v.get("course_code") and course is None:
                preview.error(sheet, row.row, "course_code", _("Unknown course %(code)s.") % {"code": v["course_code"]})
            kind = KIND_WORDS.get(v["kind"].lower()) if v.get("kind") else None
            if v.get("kind") and kind is None:
                preview.error(sheet, row.row, "kind", _("The kind must be theory or practical."))
            assessor = user
            if v.get("assessor"):
                assessor = assessors.get(v["assessor"])
                if assessor is None:
                    preview.error(sheet, row.row, "assessor", _("Unknown user %(name)s.") % {"name": v["assessor"]})
            if kind == AssessmentKind.PRACTICAL and row.has("score") and not row.has("passed"):
                preview.error(sheet, row.row, "passed", _("A practical evaluation needs pass or fail."))
            level = (v.get("level") or "").upper() or None
            if level is not None and level not in Level.values:
                preview.error(sheet, row.row, "level", _("The level must be L, U or O."))
            mode = delivery_mode_from(v["delivery_mode"]) if v.get("delivery_mode") else None
            if v.get("delivery_mode") and mode is None:
                preview.error(
                    sheet,
                    row.row,
                    "delivery_mode",
                    _("Unknown delivery mode %(mode)s: use one of %(modes)s.")
                    % {"mode": v["delivery_mode"], "modes": ", ".join(DeliveryMode.values)},
                )
            marks = None
            if v.get("checklist"):
                try:
                    marks = checklist_marks_parse(v["checklist"])
                except CellError as exc:
                    preview.error(sheet, row.row, "checklist", exc.args[0])
            if len(preview.errors) > errors_before or not row.ok:
                # The row cannot go through every rule (they need a whole row); the rules of its date, which
                # need only the employee, still apply: the preview lists every problem of the row at once.
                if employee is not None and "assessed_on" not in row.bad:
                    if employee.plant_id not in plant_today:
                        plant_today[employee.plant_id] = employee.plant.local_today()
                    today = plant_today[employee.plant_id]
                    for message in assessment_date_refusals(
                        employee=employee, assessed_on=v["assessed_on"], today=today
                    ):
                        preview.error(sheet, row.row, service_message_column(message), message)
                continue
            inputs.append(
                ResultInput(
                    employee=employee,
                    course=course,
                    kind=kind,
                    assessed_on=v["assessed_on"],
                    assessor=assessor,
                    score=v.get("score"),
                    passed=v.get("passed"),
                    notes=v.get("notes", ""),
                    level=level,
                    delivery_mode=mode,
                    checklist_marks=marks,
                )
            )
            # Stored as its code, shown in the reader's language: the kind is a word ("Theory test", "理论考试").
            label = _("%(employee)s %(course)s %(kind)s %(date)s") % {
                "employee": employee.employee_no,
                "course": course.code,
                "kind": AssessmentKind(kind).label,
                "date": v["assessed_on"].isoformat(),
            }
            input_rows.append((sheet, row.row, label))

        # The outcome of a checklist-marked practical follows from its marks: known before looking for duplicates
        # (a file imported again with marks and no "passed" is skipped, not refused). assessments_validate
        # resolves them again and reports any refusal.
        if inputs:
            checklist_resolve(rows=inputs)
        # A result already recorded is skipped, not refused: importing the same file again changes nothing.
        # The rule (and its words) is the services', the one every entry path is held to.
        duplicates = assessments_duplicates(rows=inputs)
        for index, note in duplicates.items():
            sheet, row_number, label = input_rows[index]
            preview.skipped.append(PreviewRow(sheet, row_number, label, note=note))
        inputs = [r for i, r in enumerate(inputs) if i not in duplicates]
        input_rows = [r for i, r in enumerate(input_rows) if i not in duplicates]

        refused = assessments_validate(rows=inputs, recorded_by=user) if inputs else {}
        for index, (sheet, row_number, label) in enumerate(input_rows):
            for message in refused.get(index, []):
                preview.error(sheet, row_number, service_message_column(message), message)
            if index not in refused:
                preview.created.append(PreviewRow(sheet, row_number, label))
        if inputs and not refused:
            for index, notice in assessments_revocation_notices(rows=inputs).items():
                notice_sheet, notice_row, _label = input_rows[index]
                preview.warnings.append(
                    _("%(sheet)s row %(row)d: %(message)s")
                    % {"sheet": notice_sheet, "row": notice_row, "message": notice}
                )

        def apply() -> None:
            try:
                assessments_record(rows=inputs, recorded_by=user, source=AssessmentSource.IMPORT)
            except BatchRejected as rejected:
                # Recorded by someone else between this plan's checks and the insert (assessments_record asks
                # again under the employees' locks): imports write all or nothing, so nothing is written, every
                # row is reported, and the file uploaded again skips what is now recorded.
                for index, messages in sorted(rejected.errors.items()):
                    sheet, row_number, _label = input_rows[index]
                    for message in messages:
                        preview.error(sheet, row_number, service_message_column(message), message)
                preview.created.clear()
                codes = {getattr(m, "code", "") for messages in rejected.errors.values() for m in messages}
                raise SpreadsheetRejected(
                    _(
                        "Nothing was imported: some of its results were recorded by someone else while it ran. "
                        "Upload the file again: results already recorded are skipped."
                    )
                    if "duplicate" in codes
                    else _("Nothing was imported: the rows no longer pass the checks (see below).")
                ) from None

        return apply
