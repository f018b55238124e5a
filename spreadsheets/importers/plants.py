"""What every import asks of a plant: which plants its rows may name (and the error when a row names
another), and the plant's own codes for a template's example rows. Shared by the organisation, employee,
catalog and result importers, so each answers the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from certtrack.translatable import gettext as _
from employees.access import plant_ids_for_user
from employees.models import Employee, Plant, Station
from spreadsheets.engine import User

# Templates' example rows: made up, so that copying one never overwrites a real person. Downloaded for a plant,
# the example takes the plant's own format instead (example_employee_no).
EXAMPLE_EMPLOYEE_NO = "EXAMPLE-001"


def allowed_plant_ids(*, user: User, capability: Iterable[str], plant: Plant | None) -> frozenset[int] | None:
    """Plants rows may name: the user's plants for the capability, narrowed to the chosen plant.

    None means every plant (a company-wide admin, or the command-line operator with no --user).
    """
    ids = None if user is None else plant_ids_for_user(user=user, capability=capability)
    if plant is not None:
        return frozenset({plant.id}) if ids is None or plant.id in ids else frozenset()
    return ids


def plant_error(code: str, plant: Plant | None) -> str:
    if plant is not None and code != plant.code:
        return _("This import is for plant %(plant)s; the row names %(code)s.") % {"plant": plant.code, "code": code}
    return _("Plant %(code)s is unknown or not one you may import for.") % {"code": code}


def example_employee_no(*, plant: Plant) -> str:
    """A made-up employee number in the plant's own format that nobody holds (numbers are unique company-wide):
    the plant's highest number with every digit a 9 (SY-000123 -> SY-999999), the next lower one if taken."""
    highest = Employee.objects.filter(plant=plant).order_by("-employee_no").values_list("employee_no", flat=True)
    match = re.fullmatch(r"(.*?)(\d+)", highest.first() or "")
    if match is None:
        return f"{plant.code}-{EXAMPLE_EMPLOYEE_NO}"
    prefix, width = match.group(1), len(match.group(2))
    candidates = [f"{prefix}{n:0{width}d}" for n in range(10**width - 1, max(10**width - 100, 0), -1)]
    taken = set(Employee.objects.filter(employee_no__in=candidates).values_list("employee_no", flat=True))
    return next((c for c in candidates if c not in taken), f"{plant.code}-{EXAMPLE_EMPLOYEE_NO}")


def example_station(*, plant: Plant) -> Station | None:
    """The plant's first active station (by line and station code), its line loaded: a real one to name."""
    return (
        Station.objects.filter(line__plant=plant, line__is_active=True, is_active=True)
        .select_related("line")
        .order_by("line__code", "code")
        .first()
    )
