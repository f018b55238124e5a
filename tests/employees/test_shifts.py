"""A plant's shift codes, the shifts a line runs, and an employee's shift (DOMAIN.md "Station coverage")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from employees.models import shift_codes_parse
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [("A,B,C", ["A", "B", "C"]), (" A , B ", ["A", "B"]), ("N1,N2", ["N1", "N2"]), ("A,B,C,D", ["A", "B", "C", "D"])],
)
def test_it_parses_ordered_shift_codes(text: str, expected: list[str]) -> None:
    assert shift_codes_parse(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "shift_codes_empty"),
        ("A,,A", "shift_code_repeated"),
        ("A,B-1", "shift_code_bad"),
        ("A,B,C,D,E,F,G,H,I", "shift_codes_too_many"),
    ],
)
def test_it_refuses_bad_shift_codes(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        shift_codes_parse(text)
    assert refused.value.code == code


def test_it_runs_the_first_n_shift_codes_and_closes_the_window_after_sop() -> None:
    plant = factories.PlantFactory(shift_codes="N,D,X", confirmation_window_days=45)
    line = factories.ProductionLineFactory(plant=plant, shifts=2, sop_date=dt.date(2027, 3, 1))
    assert line.shift_codes == ["N", "D"]
    assert line.confirmation_closes_on() == dt.date(2027, 4, 15)
    line.sop_date = None
    assert line.confirmation_closes_on() is None


def test_it_refuses_a_line_running_more_shifts_than_its_plant_has() -> None:
    line = factories.ProductionLineFactory(plant=factories.PlantFactory(shift_codes="A,B"), shifts=3)
    with pytest.raises(ValidationError) as refused:
        line.full_clean()
    assert "shifts" in refused.value.message_dict


def test_it_refuses_an_employee_shift_that_is_not_the_plants() -> None:
    employee = factories.EmployeeFactory(plant=factories.PlantFactory(shift_codes="A,B,C"), shift="Z")
    with pytest.raises(ValidationError) as refused:
        employee.full_clean()
    assert "shift" in refused.value.message_dict
    employee.shift = ""  # day staff
    employee.full_clean()
    employee.shift = "B"
    employee.full_clean()
