"""The what-if scenario pages: managers change scenarios, auditors and supervisors read them, trainers and HR
get 403, another plant's manager 404; bad input re-renders the form and writes nothing, never a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from assessments.models import AuditEvent
from planning.models import ChangeKind, PlannedSession, Scenario, ScenarioChange, ScenarioSession, ScenarioStatus
from planning.services.scenarios import SessionInput, scenario_create, scenario_session_add
from tests.planning.scenario_fixtures import JAN_15

pytestmark = pytest.mark.django_db


def _url(name: str, scenario: Scenario, **kwargs) -> str:
    return reverse(f"planning:{name}", kwargs={"pk": scenario.pk, **kwargs})


def _written() -> tuple[int, int, int, int]:
    return (
        Scenario.objects.count(),
        ScenarioChange.objects.count(),
        ScenarioSession.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_manager_creates_a_scenario_adds_changes_and_a_session_and_promotes_it(client, w2, manager, trainer):
    client.force_login(manager)
    assert client.get(reverse("planning:scenario_list", kwargs={"plant_code": "SY"})).status_code == 200
    response = client.post(reverse("planning:scenario_create", kwargs={"plant_code": "SY"}), {"name": "Second shift"})
    scenario = Scenario.objects.get(name="Second shift")
    assert response.status_code == 302 and response["Location"] == _url("scenario_detail", scenario)
    for kind in ChangeKind.values:
        assert client.get(_url("scenario_change_add", scenario, kind=kind)).status_code == 200, kind
    response = client.post(
        _url("scenario_change_add", scenario, kind=ChangeKind.PASS_RATE), {"course": w2["mod"].pk, "pass_rate": "0.75"}
    )
    assert response.status_code == 302
    response = client.post(
        _url("scenario_change_add", scenario, kind=ChangeKind.VALIDITY), {"course": w2["hv"].pk, "never_expires": "on"}
    )
    assert response.status_code == 302
    response = client.post(
        _url("scenario_change_add", scenario, kind=ChangeKind.LEAVE), {"employee": "p", "on_date": "2027-02-01"}
    )
    assert response.status_code == 302
    response = client.post(
        _url("scenario_session_add", scenario),
        {"course": w2["mod"].pk, "planned_on": "2027-01-15", "trainer": trainer.pk, "attendees": "q, s"},
    )
    assert response.status_code == 302
    session = scenario.sessions.get()
    assert session.seats == w2["mod"].class_size
    assert sorted(session.attendees.values_list("employee_no", flat=True)) == ["Q", "S"]
    assert sorted(scenario.changes.values_list("kind", flat=True)) == ["leave", "pass_rate", "validity"]
    assert scenario.changes.get(kind="validity").validity_months is None
    page = client.get(_url("scenario_detail", scenario)).content.decode()
    assert "BAT-MOD-010: pass rate 0.750" in page and "P " in page and 'id="scenario-promote"' in page
    # The comparison: a chart's data per line and for the plant, the table rows.
    page = client.get(_url("scenario_compare", scenario))
    assert page.status_code == 200
    data = json.loads(
        page.content.decode().split('id="compare-data" type="application/json">')[1].split("</script>")[0]
    )
    assert set(data["charts"]) == {"plant", f"line-{w2['line'].pk}"}
    line = data["charts"][f"line-{w2['line'].pk}"]
    assert line["labels"][0] == "2026-12-01" and line["live_sop"] == "2027-03-01"
    assert line["live_planned"][0] == line["scenario_planned"][0] == 2
    # Q and S pass on 15 January in the scenario: 4 planned qualified from then on, 2 in the live plan.
    index = line["labels"].index("2027-01-15")
    assert (line["live_planned"][index], line["scenario_planned"][index]) == (2, 4)
    comparison = page.context["comparison"]
    # At SOP: Q and S in, P gone (leaves 1 February): 3 against 2. SOP + window: R's virtual pass lapses on both.
    assert [(r.live.planned, r.scenario.planned) for r in comparison.lines[0].rows] == [(2, 2), (2, 3), (1, 2)]
    assert [r.delta_planned for r in comparison.lines[0].rows] == [0, 1, 1]
    promote = client.get(_url("scenario_promote", scenario)).content.decode()
    assert 'id="promote-not-written"' in promote and "BAT-MOD-010: pass rate 0.750" in promote
    assert client.post(_url("scenario_promote", scenario)).status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.PROMOTED
    assert PlannedSession.objects.live().filter(planned_on=JAN_15, source="promoted").count() == 1
    # Promoted: read-only, the change pages send back to the scenario.
    response = client.get(_url("scenario_change_add", scenario, kind=ChangeKind.PASS_RATE))
    assert response.status_code == 302 and response["Location"] == _url("scenario_detail", scenario)


def test_a_refused_promotion_shows_the_problems(client, w2, manager, trainer, live_session):
    scenario = scenario_create(plant=w2["plant"], name="Double", actor=manager)
    scenario_session_add(
        scenario=scenario,
        actor=manager,
        data=SessionInput(course=w2["hv"], planned_on=live_session.planned_on, seats=2, trainer=trainer),
    )
    client.force_login(manager)
    page = client.get(_url("scenario_promote", scenario)).content.decode()
    assert 'id="promote-problems"' in page and "already holds another planned session on 2027-01-20" in page
    before = (PlannedSession.objects.count(), AuditEvent.objects.count())
    response = client.post(_url("scenario_promote", scenario))
    assert response.status_code == 200
    assert "Not promoted" in response.content.decode()
    assert (PlannedSession.objects.count(), AuditEvent.objects.count()) == before
    detail = client.get(_url("scenario_detail", scenario)).content.decode()
    assert 'data-code="trainer_double_booked"' in detail


BAD_CHANGES = [
    (ChangeKind.PASS_RATE, {"course": "1", "pass_rate": "2"}),
    (ChangeKind.PASS_RATE, {"course": "99999999999999999999999", "pass_rate": "0.5"}),
    (ChangeKind.PASS_RATE, {"course": "²", "pass_rate": "abc"}),
    (ChangeKind.VALIDITY, {"course": "1", "validity_months": "12", "never_expires": "on"}),
    (ChangeKind.VALIDITY, {"course": "1"}),
    (ChangeKind.SOP_MOVED, {"line": "1", "on_date": "2026-13-45"}),
    (ChangeKind.SOP_MOVED, {"line": "1", "on_date": "2026-12-01"}),
    (ChangeKind.SOP_MOVED, {"line": "1", "on_date": "9999-01-01"}),
    (ChangeKind.HIRE, {"line": "1", "shift": "Q", "headcount": "-3", "on_date": "2027-01-01"}),
    (ChangeKind.LEAVE, {"employee": "NOBODY", "on_date": "2027-01-01"}),
    (ChangeKind.TRAINER_AWAY, {"trainer": "x", "on_date": ""}),
    (ChangeKind.SESSION_MOVED, {"planned_session": "1", "on_date": "2027-01-01"}),
]


def test_bad_input_re_renders_and_writes_nothing(client, w2, manager):
    scenario = scenario_create(plant=w2["plant"], name="Bad", actor=manager)
    client.force_login(manager)
    before = _written()
    for kind, data in BAD_CHANGES:
        response = client.post(_url("scenario_change_add", scenario, kind=kind), data)
        assert response.status_code == 200, (kind, data)
        assert response.context["form"].errors, (kind, data)
    bad_sessions = [
        {"course": str(w2["mod"].pk), "planned_on": "2027-01-15", "trainer": str(manager.pk)},
        {"course": str(w2["mod"].pk), "planned_on": "2027-01-15", "trainer": "", "attendees": "NOPE"},
        {"course": str(w2["mod"].pk), "planned_on": "2027-01-15", "seats": "1", "attendees": "P Q"},
        {"course": "", "planned_on": "", "seats": "100000"},
    ]
    for data in bad_sessions:
        response = client.post(_url("scenario_session_add", scenario), data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert (
        client.post(reverse("planning:scenario_create", kwargs={"plant_code": "SY"}), {"name": ""}).status_code == 200
    )
    assert client.post(_url("scenario_edit", scenario), {"name": "x" * 500}).status_code == 200
    assert client.get(_url("scenario_change_add", scenario, kind="no_such_kind")).status_code == 404
    assert client.get(_url("scenario_change_edit", scenario, change_pk=987654)).status_code == 404
    assert client.post(_url("scenario_session_remove", scenario, session_pk=987654)).status_code == 404
    assert _written() == before


def test_roles_without_the_capability_get_403_and_another_plant_404(
    client, w2, manager, trainer, hr, manager_de, auditor, supervisor
):
    scenario = scenario_create(plant=w2["plant"], name="Scoped", actor=manager)
    reads = [
        reverse("planning:scenario_list", kwargs={"plant_code": "SY"}),
        _url("scenario_detail", scenario),
        _url("scenario_compare", scenario),
    ]
    writes = [
        ("get", _url("scenario_promote", scenario)),
        ("get", _url("scenario_change_add", scenario, kind=ChangeKind.PASS_RATE)),
        ("get", _url("scenario_session_add", scenario)),
        ("post", _url("scenario_discard", scenario)),
        ("get", reverse("planning:scenario_create", kwargs={"plant_code": "SY"})),
    ]
    for user in (trainer, hr):
        client.force_login(user)
        assert [client.get(url).status_code for url in reads] == [403, 403, 403]
        assert [getattr(client, method)(url).status_code for method, url in writes] == [403] * len(writes)
    client.force_login(manager_de)
    assert [client.get(url).status_code for url in reads] == [404, 404, 404]
    assert [getattr(client, method)(url).status_code for method, url in writes] == [404] * len(writes)
    for user in (auditor, supervisor):
        client.force_login(user)
        assert [client.get(url).status_code for url in reads] == [200, 200, 200]
        assert 'id="scenario-promote"' not in client.get(reads[1]).content.decode()
        assert [getattr(client, method)(url).status_code for method, url in writes] == [403] * len(writes)
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DRAFT


def test_a_discarded_scenario_is_read_only(client, w2, manager):
    scenario = scenario_create(plant=w2["plant"], name="Gone", actor=manager)
    client.force_login(manager)
    assert client.post(_url("scenario_discard", scenario)).status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DISCARDED
    page = client.get(_url("scenario_detail", scenario)).content.decode()
    assert 'id="scenario-promote"' not in page and 'id="change-kinds"' not in page
    response = client.post(_url("scenario_promote", scenario))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DISCARDED
    assert dt.date(2026, 12, 1)  # W2's today, pinned by the w2 fixture


@pytest.mark.parametrize("kind", [*ChangeKind.values, "session"])
def test_fuzzed_forms_never_cause_a_500(client, w2, manager, kind):
    """Hypothesis throws text, numbers and impossible dates at each change form and the session form."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.test_bad_input import VALUE

    scenario = scenario_create(plant=w2["plant"], name="Fuzz", actor=manager)
    client.raise_request_exception = False
    client.force_login(manager)
    if kind == "session":
        url = _url("scenario_session_add", scenario)
        names = ["course", "planned_on", "seats", "trainer", "delivery_mode", "shift", "line", "attendees"]
    else:
        url = _url("scenario_change_add", scenario, kind=kind)
        names = [
            "trainer", "line", "station", "shift", "headcount", "course", "pass_rate", "validity_months",
            "never_expires", "planned_session", "employee", "on_date",
        ]  # fmt: skip

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUE)))
    def check(data: dict) -> None:
        assert client.post(url, data).status_code < 500

    check()
