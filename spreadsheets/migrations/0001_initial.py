"""The spreadsheet job model, moved from certtrack with its table (certtrack_spreadsheetjob): state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import spreadsheets.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("certtrack", "0004_task_claim_origin"),
        ("employees", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table exists (certtrack 0001, 0003): only the state learns the model here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SpreadsheetJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("export_roster", "Roster export"),
                                    ("organisation", "Organisation import"),
                                    ("catalog", "Catalog import"),
                                    ("employees", "Employees import"),
                                    ("results", "Results import"),
                                ],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "file",
                            models.FileField(
                                blank=True, upload_to=spreadsheets.models._job_file_path, verbose_name="file"
                            ),
                        ),
                        ("original_name", models.CharField(blank=True, max_length=255, verbose_name="file name")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("running", "Running"),
                                    ("previewed", "Previewed"),
                                    ("committing", "Importing"),
                                    ("committed", "Imported"),
                                    ("done", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=12,
                                verbose_name="status",
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0, verbose_name="progress (%)")),
                        ("counts", models.JSONField(blank=True, default=dict, verbose_name="counts")),
                        ("preview", models.JSONField(blank=True, default=dict, verbose_name="preview")),
                        ("message", models.TextField(blank=True, verbose_name="message")),
                        ("message_data", models.JSONField(blank=True, default=dict, verbose_name="message code")),
                        ("language", models.CharField(blank=True, max_length=16, verbose_name="language")),
                        ("created_at", models.DateTimeField(verbose_name="created")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
                        ("expires_at", models.DateTimeField(db_index=True, verbose_name="expires")),
                        (
                            "line",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="employees.productionline",
                                verbose_name="line",
                            ),
                        ),
                        (
                            "plant",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="employees.plant",
                                verbose_name="plant",
                            ),
                        ),
                        (
                            "requester",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="spreadsheet_jobs",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="requester",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "spreadsheet job",
                        "verbose_name_plural": "spreadsheet jobs",
                        "db_table": "certtrack_spreadsheetjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["requester", "created_at"], name="spreadsheet_job_requester")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
