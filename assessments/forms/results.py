"""Forms of results: the session grid (a header and one row form per attendee, with checklists and
levels) and the single result.

Forms only parse and shape input; every rule of DOMAIN.md is checked by assessments.services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from assessments import validity
from assessments.forms.common import FAIL, PASS, PRACTICAL_CHOICES, DateInput, new_key, numeric_input
from assessments.models import Assessment
from assessments.services.result_rules import checklist_outcome
from certtrack import forms as fields
from courses.models import AssessmentKind, Checklist, Course, DeliveryMode, Level
from courses.selectors import courses_authorised_for
from courses.services import checklist_current
from employees.models import Employee


def level_field(*, course: Course | None) -> forms.ChoiceField:
    """The level a practical pass records: L, U or O for a course that uses levels, else only U (the server
    refuses any other: result_rules.level_refusals). Default U."""
    choices = Level.choices if course is None or course.uses_levels else [(Level.U, Level.U.label)]
    return forms.ChoiceField(label=_("Level (on a pass)"), choices=choices, initial=Level.U, required=False)


def checklist_marks_field(*, checklist: Checklist) -> forms.MultipleChoiceField:
    """One checkbox per item of the checklist, ticked = OK (a plain form: an unticked item is not OK)."""
    return forms.MultipleChoiceField(
        label=_("Checklist (tick each item done right)"),
        choices=[
            (
                str(item.position),
                _("%(position)s. %(text)s (critical: not OK fails it)")
                % {"position": item.position, "text": item.display_text}
                if item.critical
                else f"{item.position}. {item.display_text}",
            )
            for item in checklist.items.all()
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def checklist_rule_text(*, checklist: Checklist) -> str:
    """When the checklist's practical passes (DOMAIN.md "Practical checklists"), for the page."""
    return gettext("Pass: every critical item and at least %(threshold)s%% of the others.") % {
        "threshold": checklist.threshold_pct
    }


def _critical_not_ok_text(count: int) -> str:
    return ngettext("critical item %(items)s not OK", "critical items %(items)s not OK", count)


def _others_short_text(count: int) -> str:
    return ngettext(
        "%(ok)s of %(others)s other OK, needs %(threshold)s%%",
        "%(ok)s of %(others)s others OK, needs %(threshold)s%%",
        count,
    )


def checklist_fail_reason(*, checklist: Checklist, marks: Sequence[bool]) -> str:
    """Why the marks fail the checklist ("critical item 3 not OK", "3 of 4 others OK, needs 100%"); "" on a
    pass. A critical item not OK fails it whatever else, so it is the reason given first."""
    items = list(checklist.items.all())
    shortfall = validity.checklist_shortfall(
        marks=[(item.critical, bool(ok)) for item, ok in zip(items, marks, strict=True)],
        threshold_pct=checklist.threshold_pct,
    )
    if shortfall.passes:
        return ""
    if shortfall.critical_not_ok:
        positions = [str(items[number - 1].position) for number in shortfall.critical_not_ok]
        return _critical_not_ok_text(len(positions)) % {"items": ", ".join(positions)}
    return _others_short_text(shortfall.others) % {
        "ok": shortfall.others_ok,
        "others": shortfall.others,
        "threshold": shortfall.threshold_pct,
    }


def checklist_reason_templates() -> dict[str, str]:
    """checklist_fail_reason's texts unfilled, one and several, for the grid's script (same words live)."""
    return {
        "critical_one": _critical_not_ok_text(1),
        "critical_other": _critical_not_ok_text(2),
        "others_one": _others_short_text(1),
        "others_other": _others_short_text(2),
    }


def checklist_marks_of(*, checklist: Checklist, ticked: Iterable[str]) -> list[bool]:
    """The marks the service takes, item 1 first, from the ticked item positions."""
    ticked = set(ticked)
    return [str(item.position) in ticked for item in checklist.items.all()]


class GridHeaderForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    form_key = forms.UUIDField(widget=forms.HiddenInput, initial=new_key)
    # The checklist revision the page showed: marks are item positions, so marks sent against a revision
    # published meanwhile would land on other items (the view refuses them).
    checklist_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class GridRowForm(forms.Form):
    """One attendee's row, with exactly the inputs the course needs.

    A kind already recorded in this session (not voided) has no input: the row shows that result,
    read-only, with its void link; voiding it frees the input again. A row whose every kind is
    recorded is closed: it has no inputs at all.

    The practical of a course with a checklist has no pass/fail input: one checkbox per item (ticked = OK)
    and "marked" (the checklist was gone through: an unticked item is not OK, even when none is ticked); the
    outcome follows from the marks (result_rules.checklist_outcome, the service's own). A course that uses
    levels, or has a checklist, adds the level of a pass (default U).
    """

    score = forms.IntegerField(
        label=_("Theory score"),
        required=False,
        widget=numeric_input(**{"class": "form-control form-control-lg grid-input grid-score", "maxlength": "3"}),
        error_messages={"invalid": _("The score must be a whole number from 0 to 100.")},
    )
    practical = forms.ChoiceField(
        label=_("Practical"), choices=PRACTICAL_CHOICES, required=False, widget=forms.RadioSelect
    )
    checklist_notes = forms.CharField(
        label=_("Checklist notes"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control grid-input", "autocomplete": "off"}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control grid-input", "autocomplete": "off"}),
    )

    KIND_FIELDS = {
        AssessmentKind.THEORY: ("score",),
        AssessmentKind.PRACTICAL: ("practical", "marked", "marks", "level", "checklist_notes"),
    }
    # What makes a row entered (the level alone does not: it has a default).
    ENTRY_FIELDS = ("score", "practical", "marked", "marks", "checklist_notes", "notes")

    def __init__(
        self,
        *args: object,
        employee: Employee,
        course: Course,
        recorded: Sequence[Assessment] = (),
        checklist: Checklist | None = None,
        **kwargs: object,
    ) -> None:
        kwargs.setdefault("prefix", f"row-{employee.id}")
        super().__init__(*args, **kwargs)
        self.employee = employee
        self.course = course
        self.checklist = checklist if course.needs_practical else None
        if self.checklist is not None:
            del self.fields["practical"]
            self.fields["marked"] = forms.BooleanField(label=_("Checklist marked"), required=False)
            self.fields["marks"] = checklist_marks_field(checklist=self.checklist)
        if course.needs_practical and (course.uses_levels or self.checklist is not None):
            self.fields["level"] = level_field(course=course)
        # Results of this session for this person, voided ones included (shown struck through), oldest first.
        self.recorded = list(recorded)
        self.recorded_kinds = {a.kind for a in self.recorded if not a.is_voided}
        self.removed_kinds = {kind for kind in self.KIND_FIELDS if kind not in course.needed_kinds}
        self.removed_kinds |= self.recorded_kinds
        for kind in self.removed_kinds:
            for name in self.KIND_FIELDS[kind]:
                self.fields.pop(name, None)
        if self.is_closed:
            del self.fields["notes"]
        self.service_errors: list[str] = []
        self.refused_kinds: set[str] = set()
        self.refused_fields: set[str] = set()  # "level", "checklist", "delivery_mode": where a refusal points

    @property
    def is_closed(self) -> bool:
        """Every kind the course needs is recorded in this session: nothing left to enter."""
        return set(self.course.needed_kinds) <= self.recorded_kinds

    @property
    def recorded_theory(self) -> list[Assessment]:
        return [a for a in self.recorded if a.kind == AssessmentKind.THEORY and not a.is_voided]

    @property
    def recorded_practical(self) -> list[Assessment]:
        return [a for a in self.recorded if a.kind == AssessmentKind.PRACTICAL and not a.is_voided]

    @property
    def checklist_items(self) -> list:
        """(item, ticked) of the checklist, for the template: the ticked ones as sent (or none)."""
        if self.checklist is None or "marks" not in self.fields:
            return []
        ticked = {str(v) for v in (self["marks"].value() or ())}
        return [(item, str(item.position) in ticked) for item in self.checklist.items.all()]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) not in (None, "", False, []) for name in self.ENTRY_FIELDS if name in self.fields)

    @property
    def checklist_entered(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return "marks" in self.fields and bool(data.get("marked") or data.get("marks"))

    @property
    def checklist_marks(self) -> list[bool] | None:
        """Each item's mark (True = OK), item 1 first, when the checklist was marked; else None."""
        if not self.checklist_entered:
            return None
        return checklist_marks_of(checklist=self.checklist, ticked=self.cleaned_data.get("marks") or ())

    @property
    def checklist_reason(self) -> str:
        """Why the checklist as marked fails ("" when it passes or is not marked): shown under the outcome."""
        marks = self.checklist_marks
        return checklist_fail_reason(checklist=self.checklist, marks=marks) if marks is not None else ""

    @property
    def practical_passed(self) -> bool | None:
        """The practical entered: pass (True), fail (False) or none; from the marks where there is a checklist."""
        data = getattr(self, "cleaned_data", None) or {}
        marks = self.checklist_marks
        if marks is not None:
            return checklist_outcome(checklist=self.checklist, marks=marks)
        if "practical" in self.fields and data.get("practical"):
            return data["practical"] == PASS
        return None

    @property
    def level(self) -> str | None:
        """The level of a practical pass as chosen (None where there is no choice or no pass)."""
        data = getattr(self, "cleaned_data", None) or {}
        if "level" not in self.fields or self.practical_passed is not True:
            return None  # a fail has no level: the default U of its select is not sent to the service
        return data.get("level") or None

    @property
    def has_result(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("score") is not None or self.practical_passed is not None

    def clean(self) -> dict:
        cleaned = super().clean()
        # A page opened before these results were saved (another tab, another device) still sends inputs
        # for them: refuse rather than drop what was typed, or record a second result of the kind.
        for kind in sorted(self.recorded_kinds):
            entries = [name for name in self.KIND_FIELDS[kind] if name != "level"]
            if any(str(self.data.get(self.add_prefix(name), "")).strip() for name in entries):
                self.add_error(
                    None,
                    _("%(kind)s: a result was saved in this session meanwhile (see above); void it to enter another.")
                    % {"kind": AssessmentKind(kind).label},
                )
        has_text = any(cleaned.get(name) for name in ("notes", "checklist_notes"))
        if has_text and not self.has_result:
            if "marks" in self.fields:
                raise forms.ValidationError(_("Enter a result (mark the checklist), or clear the notes of this row."))
            raise forms.ValidationError(_("Enter a result, or clear the notes of this row."))
        return cleaned

    @property
    def outcome(self) -> str:
        """pass, fail, partial or "" from what was recorded in this session and what was entered, against the
        course's pass mark and checklist (the no-JS fallback of the live outcome)."""
        data = getattr(self, "cleaned_data", None) or {}
        outcomes = [a.passed for a in self.recorded if not a.is_voided]
        if "score" in self.fields and data.get("score") is not None:
            outcomes.append(data["score"] >= self.course.pass_mark)
        if self.practical_passed is not None:
            outcomes.append(self.practical_passed)
        if not outcomes:
            return ""
        if not all(outcomes):
            return FAIL
        return PASS if len(outcomes) >= len(self.course.needed_kinds) else "partial"

    @property
    def all_errors(self) -> list[str]:
        messages = [str(m) for field_errors in self.errors.values() for m in field_errors]
        return messages + self.service_errors


class SingleResultForm(forms.Form):
    """One result from an employee's page (a retake, a late entry).

    Once the course is known (chosen in the page's link, ?course=, or sent) the form shows only what it needs:
    no assessment select where it has one kind, no score without a theory test, no pass/fail, level or
    checklist notes without a practical. The course's checklist (its current revision) decides its practical:
    no pass/fail is offered, each item is ticked OK or not, and "checklist marked" records one with nothing
    ticked (every item not OK); with nothing ticked and not marked, nothing is recorded. `checklist` carries the
    revision shown, so marks sent for another course's or an older revision's items are refused, not recorded
    against the wrong items.
    """

    course = fields.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"))
    kind = forms.ChoiceField(label=_("Assessment"), choices=AssessmentKind.choices)
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    score = forms.IntegerField(
        label=_("Theory score (0-100)"),
        required=False,
        widget=numeric_input(**{"class": "form-control form-control-lg"}),
        error_messages={"invalid": _("The score must be a whole number from 0 to 100.")},
    )
    practical = forms.ChoiceField(
        label=_("Practical result"), choices=PRACTICAL_CHOICES, required=False, widget=forms.RadioSelect
    )
    level = forms.ChoiceField(label=_("Level (on a pass)"), choices=Level.choices, initial=Level.U, required=False)
    delivery_mode = forms.ChoiceField(
        label=_("Delivery mode"),
        choices=[("", _("The course's usual mode")), *DeliveryMode.choices],
        required=False,
    )
    checklist = forms.IntegerField(widget=forms.HiddenInput, required=False)
    checklist_notes = forms.CharField(label=_("Checklist notes"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False)
    form_key = forms.UUIDField(widget=forms.HiddenInput, initial=new_key)

    def __init__(self, *args: object, user: AbstractBaseUser, employee: Employee, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        courses = courses_authorised_for(user=user, plant_ids=[employee.plant_id]).order_by("code")
        self.fields["course"].queryset = courses
        self.shown_checklist: Checklist | None = None
        course_id = fields.id_param(self.data.get(self.add_prefix("course")) if self.is_bound else None)
        if course_id is None and not self.is_bound:
            course_id = fields.id_param(self.initial.get("course"))
        self.shown_course: Course | None = courses.filter(pk=course_id).first() if course_id is not None else None
        course = self.shown_course
        if course is not None:
            self.fields["level"] = level_field(course=course)
            self.fields["delivery_mode"].choices = [
                ("", _("The course's usual mode (%(mode)s)") % {"mode": course.get_delivery_mode_display()}),
                *DeliveryMode.choices,
            ]
            self._show_only_what_the_course_needs(course)
            if course.needs_practical:
                self.shown_checklist = checklist_current(course=course)
        if self.shown_checklist is not None:
            del self.fields["practical"]
            self.fields["marks"] = checklist_marks_field(checklist=self.shown_checklist)
            self.fields["marks"].help_text = checklist_rule_text(checklist=self.shown_checklist)
            self.fields["marked"] = forms.BooleanField(
                label=_("Checklist marked (record it; unticked items are not OK)"), required=False
            )
            self.initial["checklist"] = self.shown_checklist.pk
            # Placed after the level: the page reads course, kind, date, marks, level, mode.
            order = ["course", "kind", "assessed_on", "score", "marks", "marked", "level", "delivery_mode"]
            self.order_fields(order)

    def _show_only_what_the_course_needs(self, course: Course) -> None:
        """Drop the inputs of a kind the course does not assess; a course of one kind needs no kind select
        (unless a page that offered both sent the other one: the service's refusal is then shown on it)."""
        if not course.needs_theory:
            del self.fields["score"]
        if not course.needs_practical:
            for name in ("practical", "level", "checklist_notes"):
                del self.fields[name]
        kinds = list(course.needed_kinds)
        sent = self.data.get(self.add_prefix("kind")) if self.is_bound else None
        if len(kinds) == 1 and sent in (None, "", kinds[0]):
            self.fields["kind"].widget = forms.HiddenInput()
            self.initial["kind"] = kinds[0]
            if self.is_bound and not sent:
                self.data = self.data.copy()
                self.data[self.add_prefix("kind")] = kinds[0]

    @property
    def hint(self) -> str:
        """What a result of the course shown needs, under the form."""
        course = self.shown_course
        if course is None:
            return gettext("A theory test needs a score; a practical evaluation needs pass or fail.")
        practical = ""
        if course.needs_practical:
            practical = (
                gettext(
                    "Its checklist decides the practical (no pass or fail to choose): tick each item done right, "
                    "or tick “Checklist marked” to record it with every item not OK."
                )
                if self.shown_checklist is not None
                else gettext("A practical evaluation needs pass or fail.")
            )
        theory = gettext("A theory test needs a score.") if course.needs_theory else ""
        return " ".join(text for text in (theory, practical) if text)

    def clean(self) -> dict:
        cleaned = super().clean()
        course = cleaned.get("course")
        cleaned["checklist_marks"] = None
        if course is None or cleaned.get("kind") != AssessmentKind.PRACTICAL:
            return cleaned
        sent = cleaned.get("checklist")
        if self.shown_checklist is not None and sent != self.shown_checklist.pk:
            # The page showed no checklist, or another course's or revision's: mark this one's items now.
            if self.data.get(self.add_prefix("practical")):
                message = _(
                    "The practical of %(course)s is decided by its checklist (revision %(revision)s), not by the "
                    "pass or fail chosen: mark each item, then record again."
                )
            else:
                message = _("Mark this checklist (revision %(revision)s of %(course)s), then record again.")
            self.add_error("marks", message % {"revision": self.shown_checklist.revision, "course": course.code})
            self.data = self.data.copy()
            self.data[self.add_prefix("checklist")] = self.shown_checklist.pk
            return cleaned
        if self.shown_checklist is not None:
            if not cleaned.get("marks") and not cleaned.get("marked"):
                # An unticked box is also what a checklist nobody went through sends: record nothing on it.
                self.add_error(
                    "marks",
                    _(
                        "Nothing is ticked: tick each item done right, or tick “Checklist marked” to record the "
                        "practical with every item not OK."
                    ),
                )
                return cleaned
            cleaned["checklist_marks"] = checklist_marks_of(
                checklist=self.shown_checklist, ticked=cleaned.get("marks") or ()
            )
        return cleaned

    @property
    def passed(self) -> bool | None:
        """The practical's outcome: from the marks where there is a checklist, else as chosen."""
        data = self.cleaned_data
        if data.get("checklist_marks") is not None:
            return checklist_outcome(checklist=self.shown_checklist, marks=data["checklist_marks"])
        return {PASS: True, FAIL: False}.get(data.get("practical") or "")

    @property
    def fail_reason(self) -> str:
        """Why the checklist as marked fails ("" on a pass or without a checklist)."""
        marks = self.cleaned_data.get("checklist_marks")
        return checklist_fail_reason(checklist=self.shown_checklist, marks=marks) if marks is not None else ""
