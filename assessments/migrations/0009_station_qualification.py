"""StationQualification: the (employee, station) pairs that station coverage counts.

The table starts empty, so every plant's next roll-up must be a full one, which fills it
before any station is recounted from it: clearing ReadinessState.on_date does that (the
next drain of the plant's outbox, or the new-day check within 15 minutes). The pages keep
the stored figures meanwhile (they fall back on the plant's local today).
"""

import django.db.models.deletion
from django.db import migrations, models


def plants_due_for_full_rollup(apps, schema_editor):
    apps.get_model("assessments", "ReadinessState").objects.update(on_date=None)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0008_readiness_mark_course"),
        ("employees", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="StationQualification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "employee",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="employees.employee",
                    ),
                ),
                (
                    "line",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="employees.productionline",
                    ),
                ),
                (
                    "plant",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="employees.plant",
                    ),
                ),
                (
                    "station",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="employees.station",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["plant", "line", "station"], name="station_qual_plant_line")],
                "constraints": [
                    models.UniqueConstraint(fields=("employee", "station"), name="station_qual_employee_station")
                ],
            },
        ),
        migrations.RunPython(plants_due_for_full_rollup, migrations.RunPython.noop),
    ]
