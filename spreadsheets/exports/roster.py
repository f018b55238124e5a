"""The roster workbook of a plant (optionally one line): Roster, Matrix, Expiring and Courses sheets.

Written with openpyxl's write-only mode, employees read in chunks: memory stays
flat whatever the plant's size. Certification states come from the Certification
rows and the one validity rule (assessments/validity.py), as everywhere else.
The Roster sheet's first columns are the employee import's columns, so an
exported roster imports back unchanged (the import reads a role's name and a
status's name in any language as well as their codes).

The workbook is written in the language active when it is made (the requester's:
a background export runs in the language stored on its job): role and status
names, course titles, process areas, the assessments a course needs, the legend,
and the headers of the Matrix, Expiring and Courses sheets. The Roster's headers
stay English in every language: they are the employee import's columns.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from openpyxl.styles import Font, PatternFill

from assessments import validity
from assessments.models import Certification, CertificationStatus
from assessments.selectors.certifications import Qualification, certifications_as_of
from certtrack.xlsx import PERCENT_FORMAT, header_row, new_sheet, new_workbook, set_autofilter, text_cell, value_cell
from courses.models import AssessmentKind, Course, translated_fields
from courses.selectors import required_levels_by_employee
from employees.models import Employee, EmployeeStatus, JobRole, Plant, ProductionLine

CHUNK = 500
EXPIRING_DAYS = 90

# The ILUO chart's quarter circles as fills, one green getting darker with each quarter: I (in training:
# attempted, never certified) a pale grey, L (one quarter) pale green, U (half) mid green, O (full) dark green
# with white text. A met cell shows the level held; the other states keep their own colours.
FILL_LEVEL_I = PatternFill("solid", fgColor="EDEDED")
FILL_LEVEL_L = PatternFill("solid", fgColor="E2EFDA")
FILL_LEVEL_U = PatternFill("solid", fgColor="A9D08E")
FILL_LEVEL_O = PatternFill("solid", fgColor="548235")
LEVEL_FILLS = {"L": FILL_LEVEL_L, "U": FILL_LEVEL_U, "O": FILL_LEVEL_O}
FONT_LEVEL_O = Font(color="FFFFFF", bold=True)
FILL_VALID = FILL_LEVEL_U  # a met cell at U (the level every pass recorded before levels counts as)
FILL_LEVEL_BELOW = PatternFill("solid", fgColor="F8CBAD")
FILL_EXPIRING = PatternFill("solid", fgColor="FFEB9C")
FILL_EXPIRED = PatternFill("solid", fgColor="FFC7CE")
FILL_REVOKED = PatternFill("solid", fgColor="CCC0DA")
FILL_MISSING = PatternFill("solid", fgColor="D9D9D9")
TITLE_FONT = Font(bold=True, size=13)
# A met cell is text: the level held, then the expiry date ("U 2027-06-30"; "U*" for a provisional pass). Not a
# date formatted with a literal prefix: LibreOffice drops such a format and shows the bare date, losing the level.

# The Roster's headers stay English whatever the workbook's language: they are the employee import's columns.
ROSTER_HEADERS = (
    "Employee no",
    "Name",
    "Plant",
    "Line",
    "Station",
    "Role",
    "Shift",
    "Hire date",
    "Status",
    "Qualified",
    "Qualified confirmed",
    "Completion %",
    "Met",
    "Required",
    "Next expiry",
)
# The Roster's computed columns: the employee import ignores them without a warning ("valid": older exports).
ROSTER_COMPUTED_HEADERS = ("qualified", "qualified_confirmed", "completion", "met", "valid", "required", "next_expiry")
# The other sheets are read, not imported: their headers are in the workbook's language.
MATRIX_FIXED_HEADERS = (
    gettext_lazy("Employee no"),
    gettext_lazy("Name"),
    gettext_lazy("Line"),
    gettext_lazy("Station"),
)
MATRIX_HEADER_ROW = 3
EXPIRING_HEADERS = (
    *MATRIX_FIXED_HEADERS,
    gettext_lazy("Course"),
    gettext_lazy("Title"),
    gettext_lazy("Expires on"),
    gettext_lazy("Days left"),
    pgettext_lazy("the course is required of the employee", "Required"),
)
COURSE_HEADERS = (
    gettext_lazy("Code"),
    gettext_lazy("Title"),
    gettext_lazy("Process area"),
    gettext_lazy("Version"),
    gettext_lazy("Delivery mode"),
    gettext_lazy("Needs"),
    gettext_lazy("Pass mark"),
    gettext_lazy("Validity (months)"),
    gettext_lazy("Safety-critical"),
    gettext_lazy("Owner plant"),
)


class CertificationDates(NamedTuple):
    """A certification as of D as the workbook needs it: a tuple, not a model instance.

    A 5,000-employee plant holds some 120,000 certifications; building model instances
    (and joining each course) cost more than writing the whole workbook (BENCHMARKS.md §5).
    The dates and level are the state that applies on D (provisional passes counting while the
    employee's confirmation window is open); confirmed_level is the level held on D counting no
    provisional pass (None: not valid so).
    """

    course_id: int
    certified_on: datetime.date | None
    expires_on: datetime.date | None
    revoked_on: datetime.date | None = None
    level: str | None = None
    provisional_until: datetime.date | None = None  # valid on D on a virtual-model pass: the first day it stops
    lapsed: bool = False  # valid only on provisional passes whose window has closed by D
    confirmed_level: str | None = None
    attempts: int = 0

    def is_valid_on(self, on_date: datetime.date) -> bool:
        return validity.is_valid_on(certified_on=self.certified_on, expires_on=self.expires_on, on_date=on_date)

    def meets(self, on_date: datetime.date, min_level: str | None) -> bool:
        return validity.Held(self.certified_on, self.expires_on, self.level, False).meets(on_date, min_level)

    def meets_confirmed(self, min_level: str | None) -> bool:
        return self.confirmed_level is not None and validity.level_rank(self.confirmed_level) >= validity.level_rank(
            min_level
        )


@dataclass(frozen=True)
class MatrixCell:
    value: object
    fill: PatternFill
    font: Font | None = None

    @property
    def style(self) -> dict:
        return {"fill": self.fill} if self.font is None else {"fill": self.fill, "font": self.font}


def matrix_cell(
    certification: CertificationDates | None, *, on_date: datetime.date, min_level: str | None = None
) -> MatrixCell:
    """A required course's cell: when met, the expiry date (or "no expiry") with the level held in front and its
    ILUO fill (yellow while it expires within 90 days), "*" after the level for a provisional pass; valid below
    the minimum level, "L: level below U"; else "expired", "provisional lapsed", "revoked", "in progress"
    (attempted, never certified: I) or "missing", with its legend colour.

    Revoked as Certification.status_on says it: a revocation with no certification since.
    """
    if certification is not None and certification.is_valid_on(on_date):
        level = certification.level or validity.DEFAULT_LEVEL
        if not certification.meets(on_date, min_level):
            return MatrixCell(
                _("%(level)s: level below %(needed)s")
                % {"level": level, "needed": min_level or validity.DEFAULT_LEVEL},
                FILL_LEVEL_BELOW,
            )
        mark = level + ("*" if certification.provisional_until is not None else "")
        fill, font = LEVEL_FILLS[level], FONT_LEVEL_O if level == "O" else None
        if certification.expires_on is None:
            return MatrixCell(f"{mark} {_('no expiry')}", fill, font=font)
        if validity.expires_within(
            certified_on=certification.certified_on,
            expires_on=certification.expires_on,
            on_date=on_date,
            days=EXPIRING_DAYS,
        ):
            fill, font = FILL_EXPIRING, None
        return MatrixCell(f"{mark} {certification.expires_on.isoformat()}", fill, font=font)
    if certification is not None and certification.lapsed:
        return MatrixCell(_("provisional lapsed"), FILL_EXPIRED)
    if (
        certification is not None
        and certification.certified_on is not None
        and certification.expires_on is not None
        and on_date >= certification.expires_on
    ):
        return MatrixCell(_("expired"), FILL_EXPIRED)
    if (
        certification is not None
        and certification.revoked_on is not None
        and certification.revoked_on <= on_date
        and certification.certified_on is None
    ):
        return MatrixCell(_("revoked"), FILL_REVOKED)
    if certification is not None and certification.attempts:
        return MatrixCell(_("in progress"), FILL_LEVEL_I)
    return MatrixCell(_("missing"), FILL_MISSING)


class RosterEmployee(NamedTuple):
    """An employee as the workbook writes it: a tuple with the codes of its plant, line, station and role.

    Model instances with four related objects each cost a tenth of a 5,000-employee export.
    """

    id: int
    employee_no: str
    name: str
    plant_id: int
    plant_code: str
    line_code: str
    station_id: int | None
    station_code: str
    role_id: int
    role_code: str
    shift: str
    hire_date: datetime.date | None
    status: str

    @property
    def is_active(self) -> bool:
        return self.status == EmployeeStatus.ACTIVE


def roster_employees(*, plant: Plant, line: ProductionLine | None = None) -> list[RosterEmployee]:
    employees = Employee.objects.filter(plant=plant)
    if line is not None:
        employees = employees.filter(line=line)
    rows = employees.order_by("employee_no").values_list(
        "id",
        "employee_no",
        "name",
        "plant_id",
        "plant__code",
        "line__code",
        "station_id",
        "station__code",
        "role_id",
        "role__code",
        "shift",
        "hire_date",
        "status",
    )
    return [
        RosterEmployee(e, no, name, p, p_code, line_code or "", st, st_code or "", r, r_code, shift, hired, status)
        for e, no, name, p, p_code, line_code, st, st_code, r, r_code, shift, hired, status in rows
    ]


def roster_workbook_write(
    *,
    plant: Plant,
    target: IO[bytes] | Path | str,
    line: ProductionLine | None = None,
    on_date: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the roster workbook to target; returns the number of employees."""
    today = plant.local_today()
    on_date = on_date or today
    employees = roster_employees(plant=plant, line=line)
    required = required_levels_by_employee(employees=employees)
    # Provisional passes count until each line's SOP + the plant's confirmation window (one query for the lines).
    lines = ProductionLine.objects.filter(plant=plant).select_related("plant").order_by("code")
    if line is not None:
        lines = lines.filter(id=line.id)
    closes_by_line = {ln.code: ln.confirmation_closes_on() for ln in lines}
    active = [e for e in employees if e.status == EmployeeStatus.ACTIVE]
    course_ids = set().union(*(required[e.id] for e in active)) if active else set()
    courses = list(
        Course.objects.filter(id__in=course_ids).select_related("process_area", "owner_plant").order_by("code")
    )
    scope = f"{plant.code} {plant.name}" + (f" / {line.code} {line.name}" if line else "")
    roles = JobRole.objects.in_bulk()  # a few rows: their names in the workbook's language

    book = new_workbook()
    roster = new_sheet(book, "Roster", widths=(14, 28, 7, 8, 10, 8, 7, 12, 10, 10, 12, 13, 7, 9, 12), freeze="C2")
    # The read-only sheets are named in the workbook's language; "Roster" is read back by the employee import.
    matrix = new_sheet(
        book, pgettext("sheet name", "Matrix"), widths=(14, 28, 8, 10, *(13 for _c in courses)), freeze="C4"
    )
    expiring_sheet = new_sheet(
        book, pgettext("sheet name", "Expiring"), widths=(14, 28, 8, 10, 14, 40, 12, 10, 10), freeze="C2"
    )
    course_sheet = new_sheet(
        book, pgettext("sheet name", "Courses"), widths=(14, 48, 30, 9, 16, 20, 10, 17, 15, 12), freeze="B2"
    )

    roster.append(header_row(roster, ROSTER_HEADERS))
    matrix.append(
        [
            text_cell(
                matrix,
                _("Skills matrix: %(scope)s on %(date)s") % {"scope": scope, "date": on_date.isoformat()},
                font=TITLE_FONT,
            )
        ]
    )
    open_windows = [
        (code, closes) for code, closes in closes_by_line.items() if closes is not None and on_date < closes
    ]
    matrix.append(
        [
            text_cell(matrix, _("Legend:"), font=Font(bold=True)),
            text_cell(matrix, _("U 2027-06-30: level held, valid until (date)"), fill=FILL_VALID),
            text_cell(matrix, _("U no expiry"), fill=FILL_VALID),
            text_cell(matrix, _("expiring within %(days)s days") % {"days": EXPIRING_DAYS}, fill=FILL_EXPIRING),
            text_cell(matrix, _("expired"), fill=FILL_EXPIRED),
            text_cell(matrix, _("revoked"), fill=FILL_REVOKED),
            text_cell(matrix, _("missing"), fill=FILL_MISSING),
            text_cell(matrix, _("blank: not required; active employees only")),
            text_cell(matrix, _("I: in progress (attempted, not certified)"), fill=FILL_LEVEL_I),
            text_cell(matrix, _("L: limited (supervised)"), fill=FILL_LEVEL_L),
            text_cell(matrix, _("U: unsupervised"), fill=FILL_LEVEL_U),
            text_cell(matrix, _("O: can train others"), fill=FILL_LEVEL_O, font=FONT_LEVEL_O),
            text_cell(matrix, _("level below: valid, below the level required"), fill=FILL_LEVEL_BELOW),
            text_cell(
                matrix,
                _("* provisional: virtual-model pass, counts until %(dates)s")
                % {"dates": ", ".join(f"{code} {day.isoformat()}" for code, day in open_windows) or "-"},
            ),
        ]
    )
    matrix.append(header_row(matrix, [*MATRIX_FIXED_HEADERS, *(c.code for c in courses)]))

    expiring: list[tuple] = []
    for start in range(0, len(employees), CHUNK):
        chunk = employees[start : start + CHUNK]
        by_employee: dict[int, dict[int, CertificationDates]] = {e.id: {} for e in chunk}
        closes_by_employee = {e.id: closes_by_line.get(e.line_code) for e in chunk}
        for employee_id, certification in _certification_dates(
            [e.id for e in chunk], on_date=on_date, as_stored=on_date == today, closes=closes_by_employee
        ):
            by_employee[employee_id][certification.course_id] = certification
        for employee in chunk:
            certifications = by_employee[employee.id]
            required_levels = required[employee.id]
            required_ids = required_levels.keys()
            met = [
                certifications[c]
                for c, level in required_levels.items()
                if c in certifications and certifications[c].meets(on_date, level)
            ]
            met_confirmed = sum(
                1
                for c, level in required_levels.items()
                if c in certifications and certifications[c].meets_confirmed(level)
            )
            qualification = Qualification(required=len(required_levels), met=len(met), met_confirmed=met_confirmed)
            next_expiry = min((c.expires_on for c in met if c.expires_on is not None), default=None)
            roster.append(_roster_row(roster, employee, roles[employee.role_id], qualification, next_expiry))
            if employee.status != EmployeeStatus.ACTIVE:
                continue
            row = [
                text_cell(matrix, employee.employee_no),
                text_cell(matrix, employee.name),
                text_cell(matrix, employee.line_code),
                text_cell(matrix, employee.station_code),
            ]
            for course in courses:
                if course.id not in required_ids:
                    row.append(None)
                    continue
                cell = matrix_cell(certifications.get(course.id), on_date=on_date, min_level=required_levels[course.id])
                row.append(value_cell(matrix, cell.value, **cell.style))
            matrix.append(row)
            for course_id, certification in certifications.items():
                if validity.expires_within(
                    certified_on=certification.certified_on,
                    expires_on=certification.expires_on,
                    on_date=on_date,
                    days=EXPIRING_DAYS,
                ):
                    expiring.append((certification.expires_on, employee, course_id, course_id in required_ids))
        if progress is not None:
            progress(min(start + CHUNK, len(employees)), len(employees))

    expiring_sheet.append(header_row(expiring_sheet, EXPIRING_HEADERS))
    expiring_courses = Course.objects.only("code", "title", *translated_fields("title")).in_bulk(
        {course_id for _d, _e, course_id, _r in expiring}
    )
    expiring = [(d, e, expiring_courses[c], r) for d, e, c, r in expiring]
    expiring.sort(key=lambda item: (item[0], item[1].employee_no, item[2].code))
    for expires_on, employee, course, is_required in expiring:
        expiring_sheet.append(
            [
                text_cell(expiring_sheet, employee.employee_no),
                text_cell(expiring_sheet, employee.name),
                text_cell(expiring_sheet, employee.line_code),
                text_cell(expiring_sheet, employee.station_code),
                text_cell(expiring_sheet, course.code),
                text_cell(expiring_sheet, course.display_title),
                value_cell(expiring_sheet, expires_on),
                value_cell(expiring_sheet, (expires_on - on_date).days),
                text_cell(expiring_sheet, _("yes") if is_required else _("no")),
            ]
        )

    course_sheet.append(header_row(course_sheet, COURSE_HEADERS))
    for course in courses:
        course_sheet.append(
            [
                text_cell(course_sheet, course.code),
                text_cell(course_sheet, course.display_title),
                text_cell(course_sheet, course.process_area.display_name),
                text_cell(course_sheet, course.version),
                text_cell(course_sheet, course.get_delivery_mode_display()),
                text_cell(course_sheet, " + ".join(str(AssessmentKind(k).label) for k in course.needed_kinds)),
                value_cell(course_sheet, course.pass_mark if course.needs_theory else None),
                value_cell(course_sheet, course.validity_months)
                if course.validity_months
                else text_cell(course_sheet, _("no expiry")),
                text_cell(course_sheet, _("yes") if course.safety_critical else _("no")),
                text_cell(course_sheet, course.owner_plant.code if course.owner_plant else ""),
            ]
        )

    set_autofilter(roster, first_row=1, columns=len(ROSTER_HEADERS), last_row=1 + len(employees))
    set_autofilter(
        matrix,
        first_row=MATRIX_HEADER_ROW,
        columns=len(MATRIX_FIXED_HEADERS) + len(courses),
        last_row=MATRIX_HEADER_ROW + len(active),
    )
    set_autofilter(expiring_sheet, first_row=1, columns=len(EXPIRING_HEADERS), last_row=1 + len(expiring))
    set_autofilter(course_sheet, first_row=1, columns=len(COURSE_HEADERS), last_row=1 + len(courses))
    book.save(target)
    return len(employees)


def _certification_dates(
    employee_ids: list[int],
    *,
    on_date: datetime.date,
    as_stored: bool,
    closes: dict[int, datetime.date | None],
) -> list[tuple[int, CertificationDates]]:
    """(employee, its certification as of D) of the employees' certifications.

    On the plant's today the stored rows are that state (they describe every result, none is dated
    later): the all-passes state while the employee's confirmation window (`closes`, by employee) is
    open on D, the confirmed one after. Any other date is computed from the results dated on or before
    it, as the API does.
    """
    # order_by(): the model's default ordering joins employee and course only to sort.
    rows = Certification.objects.filter(employee_id__in=employee_ids).order_by()
    if not as_stored:
        states = certifications_as_of(pairs=rows.values_list("employee_id", "course_id"), on_date=on_date)
        return [
            (
                s.employee_id,
                CertificationDates(
                    s.course_id,
                    s.certified_on,
                    s.expires_on,
                    s.revoked_on,
                    s.level,
                    s.provisional_until,
                    s.status == CertificationStatus.PROVISIONAL_LAPSED,
                    s.confirmed_level,
                    s.attempts,
                ),
            )
            for s in states.values()
            if s.attempts
        ]
    found = []
    for (
        employee_id,
        course_id,
        certified_on,
        expires_on,
        revoked_on,
        level,
        provisional,
        confirmed_certified_on,
        confirmed_expires_on,
        confirmed_level,
        attempts,
    ) in rows.values_list(
        "employee_id",
        "course_id",
        "certified_on",
        "expires_on",
        "revoked_on",
        "level",
        "provisional",
        "confirmed_certified_on",
        "confirmed_expires_on",
        "confirmed_level",
        "attempts",
    ):
        closes_on = closes.get(employee_id)
        states = {
            "counting": validity.Held(certified_on, expires_on, level, provisional),
            "confirmed": validity.Held(confirmed_certified_on, confirmed_expires_on, confirmed_level, False),
        }
        held = validity.held_on(on_date=on_date, closes_on=closes_on, **states)
        confirmed_valid = states["confirmed"].valid_on(on_date)
        counting = CertificationDates(
            course_id,
            held.certified_on,
            held.expires_on,
            revoked_on,
            held.level,
            closes_on if held.provisional and closes_on is not None else None,
            validity.provisional_lapsed_on(on_date=on_date, closes_on=closes_on, **states),
            (confirmed_level or validity.DEFAULT_LEVEL) if confirmed_valid else None,
            attempts,
        )
        found.append((employee_id, counting))
    return found


def _roster_row(
    sheet: object,
    employee: RosterEmployee,
    role: JobRole,
    qualification: Qualification,
    next_expiry: datetime.date | None,
) -> list:
    return [
        text_cell(sheet, employee.employee_no),
        text_cell(sheet, employee.name),
        text_cell(sheet, employee.plant_code),
        text_cell(sheet, employee.line_code),
        text_cell(sheet, employee.station_code),
        text_cell(sheet, role.display_name),
        text_cell(sheet, employee.shift),
        value_cell(sheet, employee.hire_date),
        text_cell(sheet, EmployeeStatus(employee.status).label),
        text_cell(sheet, _("yes") if qualification.qualified else _("no")) if employee.is_active else None,
        text_cell(sheet, _("yes") if qualification.qualified_confirmed else _("no")) if employee.is_active else None,
        value_cell(sheet, qualification.completion, number_format=PERCENT_FORMAT),
        value_cell(sheet, qualification.met),
        value_cell(sheet, qualification.required),
        value_cell(sheet, next_expiry),
    ]
