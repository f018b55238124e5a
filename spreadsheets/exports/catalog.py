"""The catalog workbook: Courses, Requirements and Checklists sheets in the catalog import's own columns.

Exported, then imported again, it changes nothing (tests/spreadsheets/test_catalog_round_trip.py): the
cells are the import's spellings (codes, yes / no, theory;practical), the Requirements sheet names every
requirement with its minimum level, and the Checklists sheet holds each course's current revision (the one
new results are marked against), one row per item. A catalog is a few hundred courses: a handful of
queries, written with the write-only workbook as every export.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from assessments.services.result_rules import checklists_current
from certtrack.xlsx import header_row, new_sheet, new_workbook, text_cell, value_cell
from courses.models import Course, Requirement, RequirementScope, translated_fields
from spreadsheets.importers.courses import CHECKLIST_SHEET, COURSE_SHEET, REQUIREMENT_SHEET


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def catalog_workbook_write(*, target: IO[bytes] | Path | str) -> int:
    """Write the whole catalog to target; returns the number of courses."""
    courses = list(Course.objects.select_related("process_area", "owner_plant").order_by("code"))
    prerequisites: dict[int, list[str]] = {}
    for from_id, to_code in Course.prerequisites.through.objects.values_list("from_course_id", "to_course__code"):
        prerequisites.setdefault(from_id, []).append(to_code)
    requirements = Requirement.objects.select_related("course", "plant", "role", "station__line__plant").order_by(
        "course__code", "scope", "plant__code", "role__code", "station__line__code", "station__code"
    )
    checklists = checklists_current(course_ids=[c.id for c in courses])

    book = new_workbook()
    course_sheet = new_sheet(book, COURSE_SHEET.name, freeze="B2")
    course_sheet.append(header_row(course_sheet, [c.key for c in COURSE_SHEET.columns]))
    for course in courses:
        needs = ";".join(
            k for k, needed in (("theory", course.needs_theory), ("practical", course.needs_practical)) if needed
        )
        course_sheet.append(
            [
                text_cell(course_sheet, course.code),
                text_cell(course_sheet, course.title),
                *(text_cell(course_sheet, getattr(course, field)) for field in translated_fields("title")),
                text_cell(course_sheet, course.process_area.code),
                text_cell(course_sheet, course.version),
                text_cell(course_sheet, course.delivery_mode),
                value_cell(course_sheet, float(course.duration_hours)),
                text_cell(course_sheet, needs),
                value_cell(course_sheet, course.pass_mark),
                value_cell(course_sheet, course.validity_months),
                text_cell(course_sheet, _yes_no(course.safety_critical)),
                text_cell(course_sheet, _yes_no(course.uses_levels)),
                text_cell(course_sheet, ";".join(sorted(prerequisites.get(course.id, ())))),
                text_cell(course_sheet, course.owner_plant.code if course.owner_plant else ""),
                text_cell(course_sheet, _yes_no(course.is_active)),
                text_cell(course_sheet, course.description),
            ]
        )

    requirement_sheet = new_sheet(book, REQUIREMENT_SHEET.name, freeze="A2")
    requirement_sheet.append(header_row(requirement_sheet, [c.key for c in REQUIREMENT_SHEET.columns]))
    for requirement in requirements:
        station = requirement.station
        plant_code = requirement.plant.code if requirement.plant else ""
        if requirement.scope == RequirementScope.STATION and station is not None:
            plant_code = station.line.plant.code
        requirement_sheet.append(
            [
                text_cell(requirement_sheet, requirement.course.code),
                text_cell(requirement_sheet, requirement.scope),
                text_cell(requirement_sheet, plant_code),
                text_cell(requirement_sheet, requirement.role.code if requirement.role else ""),
                text_cell(requirement_sheet, station.line.code if station else ""),
                text_cell(requirement_sheet, station.code if station else ""),
                text_cell(requirement_sheet, requirement.min_level),
            ]
        )

    checklist_sheet = new_sheet(book, CHECKLIST_SHEET.name, freeze="A2")
    checklist_sheet.append(header_row(checklist_sheet, [c.key for c in CHECKLIST_SHEET.columns]))
    for course in courses:
        checklist = checklists.get(course.id)
        if checklist is None:
            continue
        for item in checklist.items.all():
            checklist_sheet.append(
                [
                    text_cell(checklist_sheet, course.code),
                    value_cell(checklist_sheet, checklist.revision),
                    value_cell(checklist_sheet, item.position),
                    text_cell(checklist_sheet, item.text),
                    text_cell(checklist_sheet, item.text_zh),
                    text_cell(checklist_sheet, _yes_no(item.critical)),
                    value_cell(checklist_sheet, checklist.threshold_pct),
                ]
            )
    book.save(target)
    return len(courses)
