"""Migration employees 0002 (issue #16): line-wide coverage targets become per-shift targets,
ceil(target / shifts); a plant's shift codes keep every code its employees are on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("employees", "0001_initial")]
AFTER = [("employees", "0002_shifts_and_per_shift_targets")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_it_derives_per_shift_targets_and_keeps_every_shift_code() -> None:
    apps = _migrate(BEFORE)
    try:
        Plant = apps.get_model("employees", "Plant")
        Line = apps.get_model("employees", "ProductionLine")
        Station = apps.get_model("employees", "Station")
        sy = Plant.objects.create(code="SY", name="Shenyang", time_zone="Asia/Shanghai")
        Plant.objects.create(code="DE", name="Debrecen", time_zone="Europe/Budapest")
        three = Line.objects.create(plant=sy, code="L1", name="Pack", shifts=3)
        two = Line.objects.create(plant=sy, code="L2", name="Module", shifts=2)
        stations = {
            "four_on_three": Station.objects.create(line=three, code="S1", name="a", coverage_target=4),
            "three_on_three": Station.objects.create(line=three, code="S2", name="b", coverage_target=3),
            "default": Station.objects.create(line=three, code="S3", name="c", coverage_target=None),
            "one_on_two": Station.objects.create(line=two, code="S4", name="d", coverage_target=1),
            "zero": Station.objects.create(line=two, code="S5", name="e", coverage_target=0),
        }
        role = apps.get_model("employees", "JobRole").objects.create(code="OP", name="Operator")
        Employee = apps.get_model("employees", "Employee")
        for number, shift in (("1", "A"), ("2", "N"), ("3", ""), ("4", "B"), ("5", "D")):
            Employee.objects.create(
                employee_no=f"SY{number}", name=number, plant=sy, role=role, shift=shift, hire_date=dt.date(2024, 1, 1)
            )

        apps = _migrate(AFTER)

        Station = apps.get_model("employees", "Station")
        targets = {name: Station.objects.get(pk=s.pk).per_shift_target for name, s in stations.items()}
        assert targets == {"four_on_three": 2, "three_on_three": 1, "default": 1, "one_on_two": 1, "zero": 0}
        assert Station.objects.get(pk=stations["four_on_three"].pk).trainers_needed == 0
        Plant = apps.get_model("employees", "Plant")
        assert Plant.objects.get(code="SY").shift_codes == "A,B,C,D,N"
        assert (Plant.objects.get(code="DE").shift_codes, Plant.objects.get(code="DE").confirmation_window_days) == (
            "A,B,C",
            30,
        )
        assert sorted(apps.get_model("employees", "Employee").objects.values_list("shift", flat=True)) == [
            "",
            "A",
            "B",
            "D",
            "N",
        ]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
