"""The spreadsheet job model moved to the spreadsheets app with its table (certtrack_spreadsheetjob).

Only the migration state changes: spreadsheets 0001 creates the model in its state over the existing
table, this one deletes it from certtrack's; the content type (and with it the model's permissions)
follows the model.
"""

from django.db import migrations


def _content_type_move(apps, schema_editor, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label=new, model="spreadsheetjob").exists():
        content_type.objects.using(db).filter(app_label=old, model="spreadsheetjob").update(app_label=new)


def content_type_forward(apps, schema_editor) -> None:
    _content_type_move(apps, schema_editor, old="certtrack", new="spreadsheets")


def content_type_backward(apps, schema_editor) -> None:
    _content_type_move(apps, schema_editor, old="spreadsheets", new="certtrack")


class Migration(migrations.Migration):
    dependencies = [
        ("certtrack", "0004_task_claim_origin"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("spreadsheets", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SpreadsheetJob")],
            database_operations=[],
        ),
        migrations.RunPython(content_type_forward, content_type_backward),
    ]
