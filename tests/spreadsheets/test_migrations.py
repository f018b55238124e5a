"""A database built at 801aee8 (before the spreadsheets app) migrates forward with nothing lost.

The job model moved from certtrack to spreadsheets with its table: the rows of every table stay, a
job reads back field for field through the new app's model, and its content type follows it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from spreadsheets.models import SpreadsheetJob

pytestmark = pytest.mark.django_db(transaction=True)

# The leaf migrations of every app at 801aee8 (spreadsheets did not exist).
AT_801AEE8 = [
    ("certtrack", "0001_spreadsheet_job"),
    ("employees", "0001_initial"),
    ("courses", "0002_initial"),
    ("assessments", "0009_station_qualification"),
    ("spreadsheets", None),
    # Apps made after 801aee8 (issue #17): not there yet. Their migrations depend on the later states of
    # the apps above, so they are unapplied first.
    ("planning", None),
    ("gate", None),
    ("webhooks", None),
    ("api", None),
    ("notifications", None),
    ("sso", None),
]
APPS = ("auth", "contenttypes", "certtrack", "employees", "courses", "assessments", "spreadsheets")
JOB_FIELDS = (
    "id",
    "kind",
    "plant_id",
    "line_id",
    "requester_id",
    "file",
    "original_name",
    "status",
    "progress",
    "counts",
    "preview",
    "message",
    "created_at",
    "finished_at",
    "expires_at",
)


def _migrate(targets: list[tuple[str, str | None]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The state of the targets' apps as they are now, every other app (auth, contenttypes...) at its latest.
    moved = {app for app, _ in targets}
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in moved]
    return executor.loader.project_state([t for t in targets if t[1] is not None] + others).apps


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _row_counts(apps) -> dict[str, int]:
    """Rows per table of every model (and many-to-many table) of the project's apps in this state."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in APPS and model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model.objects.count()
    return counts


def _job(apps, app_label: str, pk: int) -> dict[str, object]:
    job = apps.get_model(app_label, "SpreadsheetJob").objects.get(pk=pk)
    return {name: str(getattr(job, name)) if name == "file" else getattr(job, name) for name in JOB_FIELDS}


def test_it_migrates_a_database_built_at_801aee8_forward_with_every_row_and_job_kept() -> None:
    apps = _migrate(AT_801AEE8)
    try:
        user = apps.get_model("auth", "User").objects.create(username="hr-sy")
        plant = apps.get_model("employees", "Plant").objects.create(
            code="SY", name="Shenyang", country="CN", time_zone="Asia/Shanghai"
        )
        role = apps.get_model("employees", "JobRole").objects.create(code="OP", name="Operator")
        line = apps.get_model("employees", "ProductionLine").objects.create(plant=plant, code="L1", name="Line 1")
        station = apps.get_model("employees", "Station").objects.create(line=line, code="ST01", name="Stacking")
        apps.get_model("employees", "PlantMembership").objects.create(user=user, plant=plant, role="hr")
        employee = apps.get_model("employees", "Employee").objects.create(
            employee_no="SY-000001", name="Operator", plant=plant, role=role, line=line, hire_date=dt.date(2024, 1, 1)
        )
        area = apps.get_model("courses", "ProcessArea").objects.create(code="HV", name="High voltage")
        course = apps.get_model("courses", "Course").objects.create(code="HV-001", title="HV", process_area=area)
        apps.get_model("courses", "Requirement").objects.create(course=course, scope="station", station=station)
        apps.get_model("assessments", "Assessment").objects.create(
            employee=employee,
            course=course,
            kind="theory",
            score=92,
            assessed_on=dt.date(2026, 3, 1),
            passed=True,
            recorded_at=dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC),
            assessor=user,
            recorded_by=user,
        )
        apps.get_model("assessments", "Certification").objects.create(employee=employee, course=course)
        apps.get_model("assessments", "AuditEvent").objects.create(
            occurred_at=dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC), action="import.committed", summary="imported"
        )
        Job = apps.get_model("certtrack", "SpreadsheetJob")
        created = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
        preview = Job.objects.create(
            kind="employees",
            plant=plant,
            requester=user,
            file="spreadsheets/2026/11/0123abcd.xlsx",
            original_name="员工 roster.xlsx",
            status="previewed",
            progress=100,
            counts={"rows_estimate": 3, "created": 2, "errors": 0},
            preview={"kind": "employees", "created": [{"sheet": "Employees", "row": 2, "label": "SY-000002"}]},
            created_at=created,
            finished_at=created + dt.timedelta(seconds=4),
            expires_at=created + dt.timedelta(hours=24),
        )
        export = Job.objects.create(
            kind="export_roster",
            plant=plant,
            line=line,
            requester=user,
            status="failed",
            message="The export failed. Try again.",
            created_at=created,
            expires_at=created + dt.timedelta(hours=24),
        )
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(model="spreadsheetjob").delete()
        ContentType.objects.create(app_label="certtrack", model="spreadsheetjob")
        counts = _row_counts(apps)
        jobs = {pk: _job(apps, "certtrack", pk) for pk in (preview.pk, export.pk)}

        apps = _migrate(_latest())

        after = _row_counts(apps)
        certtrack_tables = {model._meta.db_table for model in apps.get_app_config("certtrack").get_models()}
        assert "certtrack_spreadsheetjob" not in certtrack_tables
        assert {table: after[table] for table in counts if table in after} == counts
        assert counts["certtrack_spreadsheetjob"] == 2 and counts["assessments_assessment"] == 1
        assert {pk: _job(apps, "spreadsheets", pk) for pk in jobs} == jobs
        assert ContentType.objects.filter(model="spreadsheetjob").values_list("app_label", flat=True).get() == (
            "spreadsheets"
        )
        # The live model reads the same rows.
        job = SpreadsheetJob.objects.get(pk=preview.pk)
        assert (job.original_name, job.counts, job.status, job.language, job.message_data) == (
            "员工 roster.xlsx",
            {"rows_estimate": 3, "created": 2, "errors": 0},
            "previewed",
            "",
            {},
        )
    finally:
        _migrate(_latest())
