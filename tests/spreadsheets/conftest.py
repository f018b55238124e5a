from __future__ import annotations

import datetime as dt

import pytest

from tests import factories


@pytest.fixture
def org(plant_sy, plant_de):
    """Plant SY with line L1 (stations S1, S2) and L2; plant DE with line D1; roles OP and TL."""
    l1 = factories.ProductionLineFactory(plant=plant_sy, code="L1", name="Module line 1")
    l2 = factories.ProductionLineFactory(plant=plant_sy, code="L2", name="Pack line 2")
    s1 = factories.StationFactory(line=l1, code="S1", name="Stacking", per_shift_target=2)
    s2 = factories.StationFactory(line=l1, code="S2", name="Welding", per_shift_target=2)
    d1 = factories.ProductionLineFactory(plant=plant_de, code="D1", name="DE line")
    op = factories.JobRoleFactory(code="OP", name="Operator")
    tl = factories.JobRoleFactory(code="TL", name="Team leader", name_zh="班组长")
    return {"SY": plant_sy, "DE": plant_de, "L1": l1, "L2": l2, "S1": s1, "S2": s2, "D1": d1, "OP": op, "TL": tl}


@pytest.fixture
def hire() -> dt.date:
    return dt.date(2024, 3, 1)
