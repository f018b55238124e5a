"""Audit summaries stored as a message code and its parameters, rendered in each reader's language.

An audit event used to store its summary as English text, so a Chinese reader saw English. Now a
writer stores a code (by default the event's action) and JSON parameters; the audit log, the
employee page and the audit export render them with the reader's language
(AuditEvent.display_summary). The English rendering is stored in `summary` too (readers of the
raw table, the admin), and an event without a code (older rows, callers that pass only a
summary) shows its stored text.

How a writer passes a code and its parameters:

    audit_event_create(actor=..., action=AuditAction.SESSION_CANCELLED, plant_id=...,
                       params={"course": "HV-001", "date": "2026-12-01", "plant": "SY", "reason": "..."})
    AuditEvent(occurred_at=..., action=..., **audit_message(AuditAction.SESSION_CANCELLED, course=..., ...))

`message=` (audit_event_create) or the first argument of audit_message() picks a code other than the
action (e.g. EMPLOYEE_CREATED_BY_IMPORT). Parameter values are JSON: strings, numbers, booleans,
lists; dates are stored as ISO text. MESSAGES lists each code's texts and their parameters; a code
has variants, the first whose parameters are all given (not None, "" or []) is used, so optional
parameters (a location, a reason, a score) need no code of their own.
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
from collections.abc import Mapping
from decimal import Decimal

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments.models import AuditAction, TrainingSession
from certtrack.models import JobKind
from courses.models import AssessmentKind, DeliveryMode
from employees.models import Employee, Plant, PlantRole, ProductionLine, Station

logger = logging.getLogger(__name__)

EMPLOYEE_CREATED_BY_IMPORT = "employee.created_by_import"
EMPLOYEE_UPDATED_BY_IMPORT = "employee.updated_by_import"
# What-if scenarios (planning/services/scenarios.py): one action (SCENARIO_CHANGED, SCENARIO_PROMOTED,
# PLANNED_SESSION_*) per event, a code per kind of edit. "change" is a language-neutral description
# (codes, dates, numbers) of one changed input.
SCENARIO_CREATED = "scenario.created"
SCENARIO_RENAMED = "scenario.renamed"
SCENARIO_DISCARDED = "scenario.discarded"
SCENARIO_CHANGE_ADDED = "scenario.change_added"
SCENARIO_CHANGE_EDITED = "scenario.change_edited"
SCENARIO_CHANGE_REMOVED = "scenario.change_removed"
SCENARIO_SESSION_ADDED = "scenario.session_added"
SCENARIO_SESSION_EDITED = "scenario.session_edited"
SCENARIO_SESSION_REMOVED = "scenario.session_removed"
PLANNED_FROM_SCENARIO = "planned.created_from_scenario"
PLANNED_MOVED_BY_SCENARIO = "planned.moved_by_scenario"
PLANNED_CANCELLED_BY_SCENARIO = "planned.cancelled_by_scenario"
SUGGESTION_CREATED = "scenario.suggested"  # issue #18: a suggested plan written as a draft scenario
LIST_SHOWN = 20  # longer lists of employee numbers end with "and N more"

# code -> variants, most specific first. Parameters:
#   employee, employees (a number or a list of numbers), course (code), plant (code), date (ISO),
#   kind (theory / practical), score, passed (bool, shown as pass / fail), reason, location,
#   fields (names of changed fields), mode (delivery mode), import_kind, created / updated /
#   unchanged / skipped / count (numbers), line (code), user (user name).
MESSAGES: dict[str, tuple[Promise, ...]] = {
    AuditAction.ASSESSMENT_RECORDED: (
        _("%(employee)s %(course)s %(kind)s: %(score)s, %(outcome)s, assessed on %(date)s"),
        _("%(employee)s %(course)s %(kind)s: %(outcome)s, assessed on %(date)s"),
    ),
    AuditAction.ASSESSMENT_VOIDED: (
        _("%(employee)s %(course)s %(kind)s: %(score)s, %(outcome)s, assessed on %(date)s; voided: %(reason)s"),
        _("%(employee)s %(course)s %(kind)s: %(outcome)s, assessed on %(date)s; voided: %(reason)s"),
    ),
    AuditAction.CERTIFICATION_REVOKED: (
        _("%(employee)s %(course)s revoked from %(date)s: %(reason)s"),
        _("%(employee)s %(course)s revoked: %(reason)s"),
    ),
    AuditAction.SESSION_CREATED: (
        _("%(course)s session on %(date)s at %(plant)s, %(location)s"),
        _("%(course)s session on %(date)s at %(plant)s"),
    ),
    AuditAction.SESSION_CHANGED: (
        _("%(course)s session on %(date)s at %(plant)s changed (%(fields)s): %(reason)s"),
        _("%(course)s session on %(date)s at %(plant)s changed: %(fields)s"),
        _("%(course)s session on %(date)s at %(plant)s changed"),
    ),
    AuditAction.SESSION_CANCELLED: (
        _("%(course)s session on %(date)s at %(plant)s cancelled: %(reason)s"),
        _("%(course)s session on %(date)s at %(plant)s cancelled"),
    ),
    AuditAction.SESSION_ATTENDEES_ADDED: (
        _("Added to the %(course)s session on %(date)s at %(plant)s: %(employees)s"),
    ),
    AuditAction.SESSION_ATTENDEE_REMOVED: (
        _("Removed from the %(course)s session on %(date)s at %(plant)s: %(employees)s (%(reason)s)"),
        _("Removed from the %(course)s session on %(date)s at %(plant)s: %(employees)s"),
    ),
    AuditAction.IMPORT_COMMITTED: (
        _("%(import_kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped"),
    ),
    AuditAction.EXPORT_CREATED: (
        _("Roster export of %(plant)s/%(line)s, employees: %(count)s"),
        _("Roster export of %(plant)s, employees: %(count)s"),
    ),
    AuditAction.EMPLOYEE_CHANGED: (_("%(employee)s changed: %(fields)s"), _("%(employee)s changed")),
    EMPLOYEE_CREATED_BY_IMPORT: (_("%(employee)s created by Excel import"),),
    EMPLOYEE_UPDATED_BY_IMPORT: (_("%(employee)s updated by Excel import"),),
    AuditAction.PLANT_CHANGED: (_("Plant %(plant)s changed: %(fields)s"),),
    AuditAction.LINE_CHANGED: (
        _("Line %(plant)s/%(line)s changed: %(fields)s"),
        _("Line %(plant)s/%(line)s created"),
    ),
    AuditAction.STATION_CHANGED: (
        _("Station %(plant)s/%(line)s/%(station)s changed: %(fields)s"),
        _("Station %(plant)s/%(line)s/%(station)s created"),
    ),
    AuditAction.TRAINER_AUTHORISED: (_("%(user)s authorised to assess %(course)s at %(plant)s"),),
    AuditAction.OVERRIDE_GRANTED: (
        _("Override for %(employee)s at %(station)s from %(starts)s to %(ends)s: %(reason)s"),
    ),
    AuditAction.OVERRIDE_ENDED: (
        _("Override for %(employee)s at %(station)s ended early: %(reason)s"),
        _("Override for %(employee)s at %(station)s ended early"),
    ),
    AuditAction.OVERRIDE_USED: (_("Gate allowed %(employee)s at %(station)s on override %(override)s"),),
    AuditAction.TOKEN_CREATED: (
        _("API token %(token)s created for %(user)s, scopes: %(scopes)s, plants: %(plants)s"),
        _("API token %(token)s created for %(user)s, scopes: %(scopes)s"),
    ),
    AuditAction.TOKEN_REVOKED: (_("API token %(token)s of %(user)s revoked"),),
    AuditAction.WEBHOOK_CHANGED: (
        _("Webhook subscription %(url)s changed: %(fields)s"),
        _("Webhook subscription %(url)s created"),
    ),
    AuditAction.WEBHOOK_REDELIVERED: (_("Webhook event %(event)s redelivered to %(url)s"),),
    AuditAction.TERMINAL_CHANGED: (
        _("Terminal %(terminal)s bound to %(station)s"),
        _("Terminal %(terminal)s changed"),
    ),
    SCENARIO_CREATED: (_("What-if scenario %(scenario)s created at %(plant)s"),),
    SCENARIO_RENAMED: (_("What-if scenario %(old)s at %(plant)s renamed %(scenario)s"),),
    SCENARIO_DISCARDED: (_("What-if scenario %(scenario)s at %(plant)s discarded"),),
    SCENARIO_CHANGE_ADDED: (_("What-if scenario %(scenario)s at %(plant)s: change added (%(change)s)"),),
    SCENARIO_CHANGE_EDITED: (_("What-if scenario %(scenario)s at %(plant)s: change edited (%(change)s)"),),
    SCENARIO_CHANGE_REMOVED: (_("What-if scenario %(scenario)s at %(plant)s: change removed (%(change)s)"),),
    SCENARIO_SESSION_ADDED: (
        _("What-if scenario %(scenario)s at %(plant)s: %(course)s session on %(date)s added, attendees: %(count)s"),
    ),
    SCENARIO_SESSION_EDITED: (
        _("What-if scenario %(scenario)s at %(plant)s: %(course)s session on %(date)s edited, attendees: %(count)s"),
    ),
    SCENARIO_SESSION_REMOVED: (
        _("What-if scenario %(scenario)s at %(plant)s: %(course)s session on %(date)s removed"),
    ),
    AuditAction.SCENARIO_PROMOTED: (
        _(
            "What-if scenario %(scenario)s at %(plant)s promoted: %(created)s sessions planned, %(moved)s moved, "
            "%(cancelled)s cancelled"
        ),
    ),
    PLANNED_FROM_SCENARIO: (
        _("%(course)s session on %(date)s at %(plant)s planned from what-if scenario %(scenario)s"),
    ),
    PLANNED_MOVED_BY_SCENARIO: (
        _("%(course)s session at %(plant)s moved from %(old)s to %(date)s by what-if scenario %(scenario)s"),
    ),
    PLANNED_CANCELLED_BY_SCENARIO: (
        _("%(course)s session on %(date)s at %(plant)s cancelled by what-if scenario %(scenario)s"),
    ),
    SUGGESTION_CREATED: (
        _("Suggested plan %(scenario)s for %(scope)s: %(sessions)s sessions, %(closed)s of %(gaps)s gaps closed"),
    ),
    # Planned sessions (issue #18, planning/services/sessions.py).
    AuditAction.PLANNED_SESSION_CREATED: (
        _("%(course)s planned on %(date)s at %(plant)s, trainer %(trainer)s, %(attendees)s planned attendees"),
    ),
    AuditAction.PLANNED_SESSION_CHANGED: (
        _("%(course)s planned session on %(date)s at %(plant)s changed: %(changed)s"),
        _("%(course)s planned session on %(date)s at %(plant)s changed"),
    ),
    AuditAction.PLANNED_SESSION_CANCELLED: (
        _("%(course)s planned session on %(date)s at %(plant)s cancelled: %(reason)s"),
    ),
    AuditAction.PLANNED_SESSION_HELD: (
        _("%(course)s planned session on %(date)s at %(plant)s held, %(attendees)s attendees carried over"),
    ),
    # Single sign-on (issue #19, sso/services.py). source: oidc / ldap; groups: the provider's group names.
    AuditAction.SSO_SIGNED_IN: (
        # groups_claim: set only when the provider sent no group claim at all (Entra ID past 200 groups).
        _("%(user)s signed in through %(source)s without the %(groups_claim)s claim: roles left as they were"),
        _("%(user)s signed in through %(source)s, groups: %(groups)s"),
        _("%(user)s signed in through %(source)s, no groups"),
    ),
    AuditAction.SSO_REFUSED: (_("Sign-in through %(source)s refused for %(subject)s: %(reason)s"),),
    AuditAction.SSO_ROLE_GRANTED: (_("%(user)s: %(role)s at %(plant)s granted through %(source)s group %(group)s"),),
    AuditAction.SSO_ROLE_REVOKED: (
        _("%(user)s: %(role)s at %(plant)s revoked through %(source)s: no mapped group grants it any more"),
    ),
}

# The model whose fields a "fields" parameter names, per message code (else the training session's).
FIELD_MODELS = {
    AuditAction.EMPLOYEE_CHANGED: Employee,
    AuditAction.PLANT_CHANGED: Plant,
    AuditAction.LINE_CHANGED: ProductionLine,
    AuditAction.STATION_CHANGED: Station,
}

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@functools.cache
def _placeholders(code: str, variant: int) -> frozenset[str]:
    with translation.override(None):  # the msgid: translations use the same names
        return frozenset(PLACEHOLDER.findall(str(MESSAGES[code][variant])))


def _json(value: object) -> object:
    """A parameter as JSON: dates as ISO text, sets and tuples as lists, Decimals as text."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def audit_message(code: str, /, **params: object) -> dict:
    """The AuditEvent fields of a message: its code, its parameters and the English summary."""
    stored = {name: _json(value) for name, value in params.items()}
    with translation.override("en"):
        summary = audit_summary_render(code=str(code), params=stored) or str(code)
    return {"summary": summary[:255], "message_code": str(code), "message_params": stored}


# --- Rendering ---------------------------------------------------------------------------------


def _joined(values: list) -> str:
    text = ", ".join(str(v) for v in values[:LIST_SHOWN])
    if len(values) > LIST_SHOWN:
        more = len(values) - LIST_SHOWN
        text += " " + ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more}
    return text


def _field_label(name: str, code: str = "") -> str:
    """A changed field's name as its model's label in the reader's language (the model of the event)."""
    model = FIELD_MODELS.get(code, TrainingSession)
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist or anything odd: show the name as stored
        return str(name)


def _label(choices: type, value: object) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def _shown(params: Mapping[str, object], code: str = "") -> dict[str, str]:
    """Each parameter as the reader sees it, in the active language."""
    shown: dict[str, str] = {}
    for name, value in params.items():
        if value is None or value == "" or value == []:
            continue
        if name == "kind":
            shown[name] = _label(AssessmentKind, value)
        elif name == "mode":
            shown[name] = _label(DeliveryMode, value)
        elif name == "role":
            shown[name] = _label(PlantRole, value)
        elif name == "import_kind":
            shown[name] = _label(JobKind, value)
        elif name == "fields":
            shown[name] = _joined([_field_label(v, code) for v in (value if isinstance(value, list) else [value])])
        elif isinstance(value, list):
            shown[name] = _joined(value)
        else:
            shown[name] = str(value)
    if isinstance(params.get("passed"), bool):
        shown["outcome"] = str(_("pass") if params["passed"] else _("fail"))
    if "employees" not in shown and "employee" in shown:
        shown["employees"] = shown["employee"]
    return shown


def audit_summary_render(*, code: str, params: Mapping[str, object]) -> str | None:
    """The summary of a code and its parameters in the active language; None when it cannot be rendered.

    None (an unknown code, parameters missing for every variant, a broken translation) lets the
    caller show the stored text instead: an audit page never fails on an odd row.
    """
    variants = MESSAGES.get(code)
    if not variants or not isinstance(params, Mapping):
        return None
    shown = _shown(params, code)
    for variant, text in enumerate(variants):
        if _placeholders(code, variant) <= shown.keys():
            try:
                return str(text) % shown
            except (KeyError, TypeError, ValueError):
                logger.warning("audit message %s: its translation does not fit its parameters", code)
                return None
    return None
