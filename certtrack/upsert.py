"""Create-or-update of one row by its natural key, counted: the catalog file and the Excel imports share it.

App-free (the shell's small helpers): courses.services and employees.services both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def row_upsert(model: type[Model], lookup: dict, values: dict, counts: UpsertCounts) -> tuple[Model, set[str]]:
    """Create or update one row; returns it with the names of the fields an update changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        counts.created += 1
        return obj, set()
    changed = {name for name, value in values.items() if getattr(obj, name) != value}
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=[*changed, *(["updated_at"] if hasattr(obj, "updated_at") else [])])
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj, changed
