# Written by hand: claims that exist while this runs (work running or waiting right now) are their
# own first message, so their origin is their task id.

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import F


def origin_is_task_id(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("certtrack", "TaskClaim").objects.update(origin_id=F("task_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("certtrack", "0003_job_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="taskclaim",
            name="origin_id",
            field=models.CharField(max_length=64, null=True, verbose_name="first message"),
        ),
        migrations.RunPython(origin_is_task_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="taskclaim",
            name="origin_id",
            field=models.CharField(max_length=64, unique=True, verbose_name="first message"),
        ),
        migrations.AlterField(
            model_name="taskclaim",
            name="state",
            field=models.CharField(
                choices=[
                    ("unsent", "Not sent yet"),
                    ("sent", "Sent again"),
                    ("running", "Running"),
                    ("done", "Finished"),
                    ("given_up", "Given up"),
                ],
                max_length=8,
                verbose_name="state",
            ),
        ),
    ]
