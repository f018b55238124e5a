"""Organisation, catalog and results imports through the same engine."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.models import Assessment, AuditEvent, Certification
from courses.models import Course, Requirement
from employees.models import ProductionLine, Station
from spreadsheets.engine import import_run
from tests import factories
from tests.spreadsheets.helpers import RESULT_HEADERS, make_xlsx

pytestmark = pytest.mark.django_db

ORG_HEADERS = [
    "plant",
    "line_code",
    "line_name",
    "process_area",
    "shifts",
    "sop_date",
    "target_readiness_pct",
    "station_code",
    "station_name",
    "per_shift_target",
    "trainers_needed",
    "shift_codes",
    "confirmation_window_days",
]


def _run(kind, path, user, plant=None, commit=False):
    return import_run(kind=kind, path=path, user=user, plant=plant, commit=commit, filename=path.name)


# --- Organisation -------------------------------------------------------------------------------


def test_organisation_import_creates_updates_and_is_idempotent(tmp_path, org, admin_user) -> None:
    factories.ProcessAreaFactory(code="PACK")
    path = make_xlsx(
        tmp_path / "org.xlsx",
        {
            "Organisation": [
                ORG_HEADERS,
                ["SY", "L1", "Module line 1", "", 3, None, None, "S1", "Stacking", 3, 1, "A, B, C, N", 45],
                ["SY", "L3", "New line", "PACK", 2, "2027-03-01", 90, "", "", None, None, None, None],
                ["SY", "L3", "New line", "PACK", 2, "2027/03/01", 90, "W1", "Welding", None, None, None, None],
            ]
        },
    )

    preview = _run("organisation", path, admin_user)
    assert preview.ok, preview.as_text()
    assert [r.label for r in preview.updated] == ["SY/L1/S1"]
    assert preview.updated[0].changes == {"station per_shift_target": ["2", "3"], "station trainers_needed": ["0", "1"]}
    assert [r.label for r in preview.created] == ["SY/L3", "SY/L3/W1"]

    assert _run("organisation", path, admin_user, commit=True).committed
    l3 = ProductionLine.objects.get(plant=org["SY"], code="L3")
    assert (l3.shifts, l3.sop_date, l3.target_readiness_pct, l3.process_area.code) == (
        2,
        dt.date(2027, 3, 1),
        90,
        "PACK",
    )
    assert (Station.objects.get(line=l3, code="W1").per_shift_target, l3.plant.shift_codes) == (1, "A,B,C,N")
    s1 = Station.objects.get(line=org["L1"], code="S1")
    assert (s1.per_shift_target, s1.trainers_needed, s1.line.plant.confirmation_window_days) == (3, 1, 45)
    assert _run("organisation", path, admin_user).counts()["unchanged"] == 3


def test_it_refuses_bad_shift_codes_as_row_errors_and_writes_nothing(tmp_path, org, admin_user) -> None:
    path = make_xlsx(
        tmp_path / "org.xlsx",
        {
            "Organisation": [
                ORG_HEADERS,
                ["SY", "L1", "Module line 1", "", 3, None, None, "S1", "Stacking", 1, 0, "A,A", None],
                ["SY", "L4", "Four", "", 3, None, None, "", "", None, None, "A,B", None],
            ]
        },
    )

    preview = _run("organisation", path, admin_user, commit=True)

    assert not preview.ok
    assert {(e.row, e.column) for e in preview.errors} == {(2, "shift_codes"), (3, "shifts")}
    assert not ProductionLine.objects.filter(code="L4").exists()
    assert org["SY"].__class__.objects.get(pk=org["SY"].pk).shift_codes == "A,B,C"


def test_organisation_import_is_for_company_admins_and_checks_consistency(tmp_path, org, admin_user, hr) -> None:
    path = make_xlsx(
        tmp_path / "org.xlsx",
        {
            "Organisation": [
                ORG_HEADERS,
                ["SY", "L5", "Line five", "", 3, None, None, "A", "Station A", None],
                ["SY", "L5", "Line 5 (typo)", "", 3, None, None, "B", "Station B", None],
                ["XX", "L1", "Nowhere", "", 9, None, None, "", "", None],
            ]
        },
    )
    messages = [str(e) for e in _run("organisation", path, admin_user, commit=True).errors]
    assert (
        "Organisation row 3 [line_code]: Line L5 is described differently in row 2; give the same values." in messages
    )
    assert any("row 4 [plant]: Plant XX is unknown" in m for m in messages)
    assert not ProductionLine.objects.filter(code="L5").exists()
    refused = _run("organisation", path, hr, commit=True)
    assert "Only a company-wide administrator" in " ".join(str(e) for e in refused.errors)


# --- Catalog ------------------------------------------------------------------------------------

COURSE_HEADERS = [
    "code",
    "title",
    "title_zh",
    "process_area",
    "version",
    "delivery_mode",
    "duration_hours",
    "needs",
    "pass_mark",
    "validity_months",
    "safety_critical",
    "prerequisites",
    "owner_plant",
    "active",
    "description",
]
REQ_HEADERS = ["course_code", "scope", "plant", "role", "line", "station"]


def test_catalog_import_courses_prerequisites_and_requirements(tmp_path, org, admin_user) -> None:
    factories.ProcessAreaFactory(code="HV")
    hv1 = factories.CourseFactory(code="HV-001", title="HV 1", process_area__code="HV", validity_months=12)
    path = make_xlsx(
        tmp_path / "catalog.xlsx",
        {
            "Courses": [
                COURSE_HEADERS,
                ["HV-001", "HV 1", "", "HV", "1.0", "classroom", 1, "theory", 80, 24, "no", "", "", "yes", ""],
                [
                    "HV-002",
                    "HV 2",
                    "高压二级",
                    "HV",
                    3.1,
                    "On the job",
                    16,
                    "theory;practical",
                    85,
                    12,
                    "yes",
                    "HV-001",
                    "",
                    "",
                    "Desc",
                ],
                ["SY-001", "Local", "", "HV", "", "", "", "practical", "", "", "", "HV-001; HV-002", "SY", "", ""],
            ],
            "Requirements": [
                REQ_HEADERS,
                ["HV-001", "plant", "SY", "", "", ""],
                ["HV-002", "role", "", "TL", "", ""],
                ["SY-001", "station", "SY", "", "L1", "S1"],
                ["SY-001", "station", "SY", "", "", "L1/S2"],
            ],
        },
    )

    preview = _run("catalog", path, admin_user)
    assert preview.ok, preview.as_text()
    assert preview.updated[0].changes == {"validity_months": ["12", "24"]}
    assert [r.label for r in preview.created][:2] == ["HV-002 HV 2", "SY-001 Local"]
    assert len(preview.created) == 6

    assert _run("catalog", path, admin_user, commit=True).committed
    hv2, local = Course.objects.get(code="HV-002"), Course.objects.get(code="SY-001")
    assert (hv2.version, hv2.delivery_mode, hv2.needed_kinds, hv2.safety_critical) == (
        "3.1",
        "on_the_job",
        ("theory", "practical"),
        True,
    )
    assert set(local.prerequisites.values_list("code", flat=True)) == {"HV-001", "HV-002"}
    assert (local.owner_plant, local.validity_months, local.pass_mark) == (org["SY"], None, 80)
    hv1.refresh_from_db()
    assert hv1.validity_months == 24
    assert Requirement.objects.count() == 4
    assert Requirement.objects.get(scope="role").role == org["TL"]
    assert _run("catalog", path, admin_user).counts() == {
        "created": 0,
        "updated": 0,
        "unchanged": 7,
        "skipped": 0,
        "errors": 0,
    }


def test_catalog_import_refuses_cycles_and_unknown_codes(tmp_path, org, admin_user) -> None:
    factories.ProcessAreaFactory(code="HV")
    path = make_xlsx(
        tmp_path / "catalog.xlsx",
        {
            "Courses": [
                COURSE_HEADERS,
                ["A-1", "A", "", "HV", "", "", "", "theory", "", "", "", "B-1", "", "", ""],
                ["B-1", "B", "", "HV", "", "", "", "theory", "", "", "", "A-1", "", "", ""],
                ["C-1", "C", "", "XX", "", "", "", "theory", "", "", "", "Z-9", "", "", ""],
                ["D-1", "D", "", "HV", "", "teleport", "", "dance", "", "", "", "", "", "", ""],
            ]
        },
    )
    preview = _run("catalog", path, admin_user, commit=True)
    messages = [str(e) for e in preview.errors]
    assert "Courses row 2 [prerequisites]: The prerequisites go round in a circle back to this course." in messages
    assert "Courses row 3 [prerequisites]: The prerequisites go round in a circle back to this course." in messages
    assert "Courses row 4 [process_area]: Unknown process area XX." in messages
    assert "Courses row 4 [prerequisites]: Unknown course(s): Z-9." in messages
    assert (
        "Courses row 5 [delivery_mode]: Unknown delivery mode teleport (classroom, virtual, on_the_job, elearning)."
        in messages
    )
    assert "Courses row 5 [needs]: Needs must be theory, practical or theory;practical, not dance." in messages
    assert Course.objects.count() == 0


# --- Results ------------------------------------------------------------------------------------


@pytest.fixture
def results_setup(org, trainer):
    hv = factories.CourseFactory(code="HV-001", needs_theory=True, needs_practical=True, pass_mark=80)
    hv2 = factories.CourseFactory(code="HV-002", needs_theory=False, needs_practical=True, prerequisites=[hv])
    factories.TrainerAuthorisationFactory(user=trainer, course=hv, plant=org["SY"])
    factories.TrainerAuthorisationFactory(user=trainer, course=hv2, plant=org["SY"])
    hire = dt.date(2025, 1, 1)
    ann = factories.EmployeeFactory(employee_no="E1", plant=org["SY"], role=org["OP"], hire_date=hire)
    bo = factories.EmployeeFactory(employee_no="E2", plant=org["SY"], role=org["OP"], hire_date=hire)
    factories.EmployeeFactory(employee_no="DE1", plant=org["DE"], role=org["OP"], hire_date=hire)
    return {"hv": hv, "hv2": hv2, "ann": ann, "bo": bo}


def test_results_import_records_through_the_trainer_rules_and_skips_duplicates(
    tmp_path, org, trainer, results_setup
) -> None:
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {
            "Results": [
                RESULT_HEADERS,
                ["E1", "HV-001", "theory", "2026-01-10", 85, None, "trainer", "virtual model"],
                ["E1", "HV-001", "practical", dt.date(2026, 1, 10), None, "pass", "", ""],
                ["E2", "HV-001", "theory", "10.01.2026", 70, None, "trainer", ""],
            ]
        },
    )
    assert _run("results", path, trainer, org["SY"], commit=True).committed
    assert Assessment.objects.filter(source="import").count() == 3
    assert Certification.objects.get(employee=results_setup["ann"], course=results_setup["hv"]).certified_on == dt.date(
        2026, 1, 10
    )

    again = _run("results", path, trainer, org["SY"], commit=True)
    assert again.counts()["skipped"] == 3 and again.counts()["created"] == 0
    assert {r.note for r in again.skipped} == {"already recorded"}
    assert Assessment.objects.count() == 3  # never doubled


def test_results_import_applies_every_rule_row_by_row_and_writes_nothing(tmp_path, org, trainer, results_setup) -> None:
    factories.UserFactory(username="stranger")
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {
            "Results": [
                RESULT_HEADERS,
                ["E1", "HV-001", "theory", "2026-01-10", 85, None, "trainer", ""],  # fine on its own
                ["E2", "HV-002", "practical", "2026-01-10", None, "yes", "trainer", ""],  # prerequisite missing
                ["E2", "HV-001", "theory", "2026-01-10", 90, None, "stranger", ""],  # not authorised
                ["E2", "HV-001", "theory", "2099-01-01", 90, None, "trainer", ""],  # future
                ["E2", "HV-001", "theory", "2026-01-11", None, None, "trainer", ""],  # no score
                ["DE1", "HV-001", "theory", "2026-01-10", 90, None, "trainer", ""],  # other plant: unknown
                ["E2", "NOPE", "exam", "2026-01-10", 90, None, "nobody", ""],
            ]
        },
    )
    audit_before = AuditEvent.objects.count()
    preview = _run("results", path, trainer, org["SY"], commit=True)

    assert not preview.committed
    assert Assessment.objects.count() == 0 and AuditEvent.objects.count() == audit_before
    by_row: dict[int, list[str]] = {}
    for error in preview.errors:
        by_row.setdefault(error.row, []).append(error.message)
    assert 2 not in by_row
    assert by_row[3] == ["Prerequisite not valid on 2026-01-10: HV-001."]
    assert by_row[4] == ["stranger is not authorised to assess HV-001 at plant SY."]
    assert by_row[5] == ["The assessment date may not be in the future."]
    assert by_row[6] == ["A theory test needs a score."]
    assert by_row[7] == ["Unknown employee DE1."]
    assert by_row[8] == [
        "Unknown course NOPE.",
        "The kind must be theory or practical.",
        "Unknown user nobody.",
    ]


def test_hr_without_trainer_authorisation_imports_results_signed_by_a_trainer(
    tmp_path, org, hr, trainer, results_setup
) -> None:
    path = make_xlsx(
        tmp_path / "results.xlsx",
        {"Results": [RESULT_HEADERS, ["E1", "HV-001", "theory", "2026-01-10", 85, None, "trainer", ""]]},
    )
    assert _run("results", path, hr, org["SY"], commit=True).committed
    recorded = Assessment.objects.get()
    assert (recorded.assessor, recorded.recorded_by, recorded.source) == (trainer, hr, "import")
