"""The what-if scenario pages: list and create per plant, a scenario with its changes and added sessions,
the comparison with the live plan, and promotion. Plant managers change scenarios (MANAGE_SCENARIOS);
auditors and supervisors see them read-only (VIEW_SCENARIOS); another plant's scenario answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from employees.access import Capability, can, capability_required, client_ip, plant_get_for_user
from planning.forms.scenarios import ScenarioChangeForm, ScenarioForm, ScenarioSessionForm
from planning.inputs import load_inputs
from planning.models import ChangeKind, Scenario, ScenarioChange, ScenarioSession
from planning.selectors.scenarios import (
    problems_shown,
    scenario_added_sessions,
    scenario_changes,
    scenario_comparison,
    scenario_get_for_user,
    scenario_problems,
    scenarios_of_plant,
)
from planning.services import scenarios as services

VIEW = Capability.VIEW_SCENARIOS
MANAGE = Capability.MANAGE_SCENARIOS


def _form_error(form: Form, error: ValidationError) -> None:
    """A service's refusal on the form: on its field when the form has one, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _draft_for_manager(request: HttpRequest, pk: int) -> Scenario | None:
    """The scenario to change (404 outside the user's MANAGE_SCENARIOS plants); None when no longer a draft."""
    scenario = scenario_get_for_user(user=request.user, pk=pk, capability=MANAGE)
    if not scenario.is_draft:
        messages.error(
            request,
            _("This scenario is %(status)s: it can no longer change.")
            % {"status": scenario.get_status_display().lower()},
        )
        return None
    return scenario


# --- List, create, detail, rename, discard ---------------------------------------------------------


@capability_required(VIEW)
def scenario_list(request: HttpRequest, plant_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=VIEW)
    return render(
        request,
        "planning/scenarios/list.html",
        {
            "plant": plant,
            "scenarios": scenarios_of_plant(plant_id=plant.id, user=request.user),
            "can_manage": can(user=request.user, capability=MANAGE, plant_id=plant.id),
            "form": ScenarioForm(),
        },
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def scenario_create(request: HttpRequest, plant_code: str) -> HttpResponse:
    plant = plant_get_for_user(user=request.user, code=plant_code, capability=MANAGE)
    form = ScenarioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scenario = services.scenario_create(
                plant=plant,
                name=form.cleaned_data["name"],
                notes=form.cleaned_data["notes"],
                actor=request.user,
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Scenario created: now add its changes and sessions."))
            return redirect("planning:scenario_detail", pk=scenario.pk)
    return render(request, "planning/scenarios/form.html", {"plant": plant, "form": form, "scenario": None})


@capability_required(VIEW)
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = scenario_get_for_user(user=request.user, pk=pk)
    manager = can(user=request.user, capability=MANAGE, plant_id=scenario.plant_id)
    can_manage = scenario.is_draft and manager
    problems = scenario_problems(scenario) if scenario.is_draft else []
    return render(
        request,
        "planning/scenarios/detail.html",
        {
            "scenario": scenario,
            "plant": scenario.plant,
            "changes": scenario_changes(scenario),
            "sessions": scenario_added_sessions(scenario),
            "problems": problems,
            "breaking": [p for p in problems if p.breaks],
            "can_manage": can_manage,
            # The suggestion's page is the managers' (Capability.MANAGE_SCENARIOS), promoted or not.
            "suggestion_link": bool(scenario.suggestion) and manager,
            "kinds": ChangeKind.choices,
        },
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is None:
        return redirect("planning:scenario_detail", pk=pk)
    form = ScenarioForm(request.POST or None, initial={"name": scenario.name, "notes": scenario.notes})
    if request.method == "POST" and form.is_valid():
        try:
            services.scenario_rename(
                scenario=scenario,
                name=form.cleaned_data["name"],
                notes=form.cleaned_data["notes"],
                actor=request.user,
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            return redirect("planning:scenario_detail", pk=pk)
    return render(
        request, "planning/scenarios/form.html", {"plant": scenario.plant, "form": form, "scenario": scenario}
    )


@capability_required(MANAGE)
@require_POST
def scenario_discard(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is not None:
        services.scenario_discard(scenario=scenario, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("Scenario discarded."))
    return redirect("planning:scenario_detail", pk=pk)


# --- Changes ---------------------------------------------------------------------------------------


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def scenario_change_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ChangeKind.values:
        raise Http404
    scenario = _draft_for_manager(request, pk)
    if scenario is None:
        return redirect("planning:scenario_detail", pk=pk)
    form = ScenarioChangeForm(request.POST or None, kind=kind, plant=scenario.plant)
    if request.method == "POST" and form.is_valid():
        try:
            services.scenario_change_add(
                scenario=scenario, kind=kind, actor=request.user, ip_address=client_ip(request), **form.service_fields()
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Change added."))
            return redirect("planning:scenario_detail", pk=pk)
    return render(
        request,
        "planning/scenarios/change_form.html",
        {"scenario": scenario, "plant": scenario.plant, "form": form, "kind": ChangeKind(kind), "change": None},
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def scenario_change_edit(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is None:
        return redirect("planning:scenario_detail", pk=pk)
    change = get_object_or_404(ScenarioChange, pk=change_pk, scenario=scenario)
    form = ScenarioChangeForm(request.POST or None, kind=change.kind, plant=scenario.plant, change=change)
    if request.method == "POST" and form.is_valid():
        try:
            services.scenario_change_edit(
                change=change, actor=request.user, ip_address=client_ip(request), **form.service_fields()
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Change saved."))
            return redirect("planning:scenario_detail", pk=pk)
    return render(
        request,
        "planning/scenarios/change_form.html",
        {
            "scenario": scenario,
            "plant": scenario.plant,
            "form": form,
            "kind": ChangeKind(change.kind),
            "change": change,
        },
    )


@capability_required(MANAGE)
@require_POST
def scenario_change_remove(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is not None:
        change = get_object_or_404(ScenarioChange, pk=change_pk, scenario=scenario)
        services.scenario_change_remove(change=change, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("Change removed."))
    return redirect("planning:scenario_detail", pk=pk)


# --- Added sessions --------------------------------------------------------------------------------


def _session_page(request: HttpRequest, scenario: Scenario, session: ScenarioSession | None) -> HttpResponse:
    form = ScenarioSessionForm(request.POST or None, plant=scenario.plant, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            if session is None:
                services.scenario_session_add(
                    scenario=scenario, data=form.session_input(), actor=request.user, ip_address=client_ip(request)
                )
            else:
                services.scenario_session_edit(
                    session=session, data=form.session_input(), actor=request.user, ip_address=client_ip(request)
                )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Session saved in the scenario."))
            return redirect("planning:scenario_detail", pk=scenario.pk)
    return render(
        request,
        "planning/scenarios/session_form.html",
        {"scenario": scenario, "plant": scenario.plant, "form": form, "session": session},
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def scenario_session_add(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is None:
        return redirect("planning:scenario_detail", pk=pk)
    return _session_page(request, scenario, None)


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def scenario_session_edit(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is None:
        return redirect("planning:scenario_detail", pk=pk)
    session = get_object_or_404(ScenarioSession, pk=session_pk, scenario=scenario)
    return _session_page(request, scenario, session)


@capability_required(MANAGE)
@require_POST
def scenario_session_remove(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is not None:
        session = get_object_or_404(ScenarioSession, pk=session_pk, scenario=scenario)
        services.scenario_session_remove(session=session, actor=request.user, ip_address=client_ip(request))
        messages.success(request, _("Session removed from the scenario."))
    return redirect("planning:scenario_detail", pk=pk)


# --- Comparison and promotion ----------------------------------------------------------------------


@capability_required(VIEW)
def scenario_compare(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = scenario_get_for_user(user=request.user, pk=pk)
    comparison = scenario_comparison(scenario)
    charts = {c.key: c.chart for c in [comparison.plant, *comparison.lines]}
    # The legend in the page's language (static/js/scenario-compare.js reads it with the data).
    legend = {
        "live_planned": _("Live: planned"),
        "live_expected": _("Live: expected"),
        "scenario_planned": _("Scenario: planned"),
        "scenario_expected": _("Scenario: expected"),
        "target": _("Target"),
        "live_sop": _("SOP (live)"),
        "scenario_sop": _("SOP (scenario)"),
    }
    return render(
        request,
        "planning/scenarios/compare.html",
        {
            "scenario": scenario,
            "plant": scenario.plant,
            "comparison": comparison,
            "charts": {"legend": legend, "charts": charts},
            "can_manage": scenario.is_draft and can(user=request.user, capability=MANAGE, plant_id=scenario.plant_id),
        },
    )


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def scenario_promote(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _draft_for_manager(request, pk)
    if scenario is None:
        return redirect("planning:scenario_detail", pk=pk)
    refused = None
    if request.method == "POST":
        try:
            promotion = services.scenario_promote(scenario=scenario, actor=request.user, ip_address=client_ip(request))
        except services.PromotionRefused as error:
            refused = error.problems
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "Scenario promoted: %(created)s session planned, %(moved)s moved, %(cancelled)s cancelled.",
                    "Scenario promoted: %(created)s sessions planned, %(moved)s moved, %(cancelled)s cancelled.",
                    len(promotion.created),
                )
                % {
                    "created": len(promotion.created),
                    "moved": len(promotion.moved),
                    "cancelled": len(promotion.cancelled),
                },
            )
            return redirect("planning:scenario_detail", pk=pk)
    inputs = load_inputs(plant=scenario.plant)
    problems = refused if refused is not None else services.promotion_problems(scenario, inputs)
    problems = problems_shown(problems, services.promoted_plan_inputs(scenario, inputs))
    changes = scenario_changes(scenario)
    return render(
        request,
        "planning/scenarios/promote.html",
        {
            "scenario": scenario,
            "plant": scenario.plant,
            "problems": problems,
            "refused": refused is not None,
            "sessions": scenario_added_sessions(scenario),
            "plan_changes": [c for c in changes if c.kind in services.PLAN_KINDS],
            "other_changes": [c for c in changes if c.kind not in services.PLAN_KINDS],
        },
    )
