"""POST /api/v1/results (scope `results:write`): results from simulators and e-learning.

The fields are the results import's (README "Results" columns); every row goes through the services'
rules (assessments.services.results.assessments_record), all or nothing: a refused batch answers 400
with every row's errors by index and field, and records nothing. An Idempotency-Key header makes a
retry return the first answer (api/idempotency.py).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema, Status

from api.auth import needs
from api.errors import ApiError
from api.idempotency import idempotent
from api.schemas import NO_NUL, BatchError, Error, Text
from assessments.models import Assessment, AssessmentSource, TokenScope
from assessments.services.result_rules import ResultInput, assessments_validate
from assessments.services.results import BatchRejected, assessments_record
from certtrack.translatable import gettext as _
from courses.models import Course, DeliveryMode, Level
from employees.access import Capability, client_ip, plant_ids_for_user
from employees.models import Employee
from spreadsheets.engine import CellError
from spreadsheets.importers.assessments import KIND_WORDS, checklist_marks_parse, service_message_column
from spreadsheets.importers.courses import delivery_mode_from

router = Router(tags=["results"], auth=needs(TokenScope.RESULTS_WRITE))

MAX_RESULTS = 500


class ResultIn(Schema):
    employee_no: str = Field(min_length=1, max_length=40, pattern=NO_NUL)
    course_code: str = Field(min_length=1, max_length=40, pattern=NO_NUL)
    kind: str = Field(pattern=NO_NUL, description="theory or practical", examples=["theory"])
    assessed_on: datetime.date = Field(description="Not in the future, not before the hire date")
    score: int | None = Field(None, description="Theory: 0 to 100 (a pass is a score at the course's pass mark)")
    passed: bool | None = Field(
        None, description="Practical: pass or fail; may be left out when the checklist is marked"
    )
    level: Text | None = Field(None, description="A practical pass: L, U or O (L and O only for courses with levels)")
    delivery_mode: Text | None = Field(
        None, description=f"{', '.join(DeliveryMode.values)} (or its name); none = the course's"
    )
    checklist_marks: list[bool] | Text | None = Field(
        None,
        description="Each checklist item's mark, item 1 first: [true, false, ...] or the import's \"1:ok;2:no;...\"",
    )
    assessor: Text | None = Field(None, description="The assessing trainer's username (default: the token's user)")
    notes: str = Field("", max_length=2000, pattern=NO_NUL)


class ResultsIn(Schema):
    results: list[ResultIn] = Field(min_length=1, max_length=MAX_RESULTS)


class RecordedOut(Schema):
    id: int
    employee: str
    course: str
    kind: str
    assessed_on: datetime.date
    passed: bool
    level: str | None
    provisional: bool = Field(description="A practical pass on the virtual model: counts only until the line's SOP")


class RecordedList(Schema):
    results: list[RecordedOut]
    notices: list[str] = Field(description="What the sender should know although nothing was wrong")


@router.post(
    "/results",
    response={201: RecordedList, 400: BatchError, 401: Error, 403: Error, 409: Error, 422: Error},
    url_name="results",
    summary="Record assessment results",
    openapi_extra={
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
                "description": "A key of your choosing per batch: a retry with it answers the first answer "
                "and records nothing again (kept 24 hours)",
            }
        ]
    },
)
def results_record(request: HttpRequest, payload: ResultsIn) -> Status | JsonResponse:
    """Record up to 500 results, all or nothing, under every rule of the trainer's pages and the import."""
    try:
        status, body = idempotent(request, lambda: _record(request, payload.results))
    except ApiError as error:
        if error.status == 400:
            error.extra.setdefault("errors", [])  # a batch's 400 always lists its rows' errors
        raise
    if status >= 400:
        return JsonResponse(body, status=status)  # the error as first answered, replayed as it was
    return Status(status, body)


def _batch_error(errors: list[dict]) -> ApiError:
    error = ApiError(
        400, "bad request", f"Nothing was recorded: {len({e['index'] for e in errors})} result(s) refused."
    )
    error.extra = {"errors": sorted(errors, key=lambda e: e["index"])}
    return error


def _record(request: HttpRequest, rows: list[ResultIn]) -> tuple[int, dict]:
    user = request.user
    errors: list[dict] = []

    def refuse(index: int, field: str, message: str, code: str = "invalid") -> None:
        errors.append({"index": index, "field": field, "message": str(message), "code": code})

    allowed = plant_ids_for_user(user=user, capability=Capability.RECORD_RESULTS | Capability.IMPORT_RESULTS)
    if allowed == frozenset():
        raise ApiError(403, "forbidden", "you may record results at no plant (trainers and HR may)")
    employees_found = Employee.objects.filter(employee_no__in={r.employee_no for r in rows}).select_related("plant")
    if allowed is not None:
        employees_found = employees_found.filter(plant_id__in=allowed)
    employees = {e.employee_no: e for e in employees_found}
    courses = {c.code: c for c in Course.objects.filter(code__in={r.course_code for r in rows})}
    user_model = get_user_model()
    usernames = {r.assessor for r in rows if r.assessor}
    assessors = {
        u.get_username(): u for u in user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames})
    }
    inputs: list[ResultInput] = []
    positions: list[int] = []  # inputs[i] is rows[positions[i]]
    for index, row in enumerate(rows):
        before = len(errors)
        employee = employees.get(row.employee_no)
        if employee is None:
            # Same words whether the number is unknown or at a plant the user may not see.
            refuse(index, "employee_no", _("Unknown employee %(no)s.") % {"no": row.employee_no}, "unknown")
        course = courses.get(row.course_code)
        if course is None:
            refuse(index, "course_code", _("Unknown course %(code)s.") % {"code": row.course_code}, "unknown")
        kind = KIND_WORDS.get(row.kind.strip().lower())
        if kind is None:
            refuse(index, "kind", _("The kind must be theory or practical."), "kind")
        assessor = user
        if row.assessor:
            assessor = assessors.get(row.assessor)
            if assessor is None:
                refuse(index, "assessor", _("Unknown user %(name)s.") % {"name": row.assessor}, "unknown")
        level = (row.level or "").strip().upper() or None
        if level is not None and level not in Level.values:
            refuse(index, "level", _("The level must be L, U or O."), "level")
        mode = delivery_mode_from(row.delivery_mode) if row.delivery_mode else None
        if row.delivery_mode and mode is None:
            refuse(
                index,
                "delivery_mode",
                _("Unknown delivery mode %(mode)s: use one of %(modes)s.")
                % {"mode": row.delivery_mode, "modes": ", ".join(DeliveryMode.values)},
                "delivery_mode",
            )
        marks = row.checklist_marks
        if isinstance(marks, str):
            try:
                marks = checklist_marks_parse(marks)
            except CellError as exc:
                refuse(index, "checklist_marks", exc.args[0], "checklist")
        if len(errors) > before:
            continue
        inputs.append(
            ResultInput(
                employee=employee,
                course=course,
                kind=kind,
                assessed_on=row.assessed_on,
                assessor=assessor,
                score=row.score,
                passed=row.passed,
                notes=row.notes,
                level=level,
                delivery_mode=mode,
                checklist_marks=marks or None,
            )
        )
        positions.append(index)

    def refuse_all(refusals: dict[int, list]) -> None:
        for input_index, messages in refusals.items():
            for message in messages:
                field = service_message_column(message)
                field = "checklist_marks" if field == "checklist" else field
                refuse(positions[input_index], field, message, getattr(message, "code", ""))

    if errors:
        # The whole rows still go through the services' rules: the answer lists every row's problems at once.
        if inputs:
            refuse_all(assessments_validate(rows=inputs, recorded_by=user))
        raise _batch_error(errors)
    try:
        recorded = assessments_record(
            rows=inputs, recorded_by=user, source=AssessmentSource.API, ip_address=client_ip(request)
        )
    except BatchRejected as rejected:
        refuse_all(rejected.errors)
        raise _batch_error(errors) from None
    return 201, {"results": [_recorded_json(a) for a in recorded], "notices": [str(n) for n in recorded.notices]}


def _recorded_json(assessment: Assessment) -> dict:
    return {
        "id": assessment.pk,
        "employee": assessment.employee.employee_no,
        "course": assessment.course.code,
        "kind": assessment.kind,
        "assessed_on": assessment.assessed_on.isoformat(),
        "passed": assessment.passed,
        "level": assessment.level,
        "provisional": assessment.is_provisional,
    }
