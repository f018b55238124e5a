"""Forms of the trainer's pages: sessions, attendees, the results grid, single results, void and revoke.

Forms only parse and shape input; every rule of DOMAIN.md is checked by assessments.services.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, AuditAction, TrainingSession
from assessments.selectors.gaps import GAP_ORDER, gap_status_label
from assessments.services.result_rules import checklist_outcome
from certtrack import forms as fields
from certtrack.names import user_name
from courses.models import AssessmentKind, Checklist, Course, DeliveryMode, Level, TrainerAuthorisation
from courses.selectors import courses_authorised_for
from courses.services import checklist_current
from employees.access import Capability, plant_ids_for_user, plants_for_user
from employees.models import Employee, EmployeeStatus, Station
from employees.selectors import active_employees, employees_for_user

PASS, FAIL = "pass", "fail"
PRACTICAL_CHOICES = [("", "—"), (PASS, _("Pass")), (FAIL, _("Fail"))]
SEARCH_LIMIT = 50


DateInput = fields.DateInput  # ISO values in every language (certtrack.forms)


def numeric_input(**attrs: str) -> forms.TextInput:
    # type="text", not "number": a number input silently sends "" for "8o", which would turn a typo
    # into a blank (unrecorded) row; here the server sees what was typed and refuses it.
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*", **attrs})


def _new_key() -> uuid.UUID:
    return uuid.uuid4()


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


def checklist_marks_of(*, checklist: Checklist, ticked: Iterable[str]) -> list[bool]:
    """The marks the service takes, item 1 first, from the ticked item positions."""
    ticked = set(ticked)
    return [str(item.position) in ticked for item in checklist.items.all()]


class SessionCreateForm(forms.Form):
    course = fields.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"))
    plant = fields.ModelChoiceField(queryset=None, label=_("Plant"), empty_label=None)
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    delivery_mode = forms.ChoiceField(
        label=_("Delivery mode"),
        choices=[("", _("The course's usual mode")), *DeliveryMode.choices],
        required=False,
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    attendees = fields.ModelMultipleChoiceField(
        queryset=Employee.objects.none(),
        label=_("Attendees"),
        help_text=_("The people you chose on your home page. Untick anyone who should not attend."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, user: AbstractBaseUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        plant_ids = plant_ids_for_user(user=user, capability=Capability.RECORD_RESULTS)
        self.fields["plant"].queryset = plants_for_user(user=user, capability=Capability.RECORD_RESULTS)
        self.fields["course"].queryset = courses_authorised_for(user=user, plant_ids=plant_ids).order_by("code")
        # People carried over from "who needs me": any active employee of the user's plants may be chosen (the
        # service then requires the session's plant); only the carried ones are shown, never the whole roster.
        roster = active_employees(employees_for_user(user=user, capability=Capability.RECORD_RESULTS))
        attendees = self.fields["attendees"]
        attendees.queryset = roster
        if self.is_bound:
            carried = attendees.widget.value_from_datadict(self.data, self.files, self.add_prefix("attendees"))
        else:
            carried = self.initial.get("attendees")
        carried_ids = {fields.id_param(v) for v in carried or ()} - {None}
        chosen = list(roster.filter(pk__in=carried_ids).order_by("employee_no")) if carried_ids else []
        if not self.is_bound:
            self.initial["attendees"] = [e.pk for e in chosen]
            if len({e.plant_id for e in chosen}) == 1:
                self.initial["plant"] = chosen[0].plant_id  # their plant, for a trainer of several
        if chosen or (self.is_bound and carried):  # a refused choice is shown with its error, never hidden
            attendees.widget.choices = [(e.pk, str(e)) for e in chosen]
        else:
            attendees.widget = forms.MultipleHiddenInput()

    def clean(self) -> dict:
        cleaned = super().clean()
        course = cleaned.get("course")
        if course is not None and not cleaned.get("delivery_mode"):
            cleaned["delivery_mode"] = course.delivery_mode
        return cleaned


# Separators of a pasted list of employee numbers: newlines and tabs (an Excel column or row), spaces,
# commas and semicolons, and their full-width forms from a Chinese input method.
NUMBER_SEPARATORS = re.compile(r"[\s,;，；、]+")
LIST_SEPARATORS = re.compile(r"[\n\r\t,;，；、]")


def employees_by_number(numbers: Iterable[str]) -> dict[str, Employee]:
    """Employees of every plant and status whose number is one of `numbers`, case-insensitively,
    keyed by the upper-cased number."""
    numbers = set(numbers)
    wanted = {n.upper() for n in numbers}
    # As typed, upper or lower case first: the unique index answers these at once.
    variants = numbers | wanted | {n.lower() for n in numbers}
    found = {e.employee_no.upper(): e for e in Employee.objects.filter(employee_no__in=variants)}
    missing = wanted - found.keys()
    if missing:
        # A number stored in mixed case, or a typo: UPPER() cannot use the index, so only for what is left.
        rows = Employee.objects.annotate(number_upper=Upper("employee_no")).filter(number_upper__in=missing)
        for employee in rows:
            found.setdefault(employee.employee_no.upper(), employee)
    return found


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


class AttendeesAddForm(forms.Form):
    """Add people by employee number(s), by name, or a whole line or station at once.

    The box holds either a list of employee numbers (pasted from Excel, typed with any separator), each
    matched on its own, case-insensitively: the view adds the valid ones and lists each other one with its
    reason; or a name (or part of a number) to search the plant's active roster. Ticked people are added
    whatever the box holds: a name search there is the search that listed them, not a new request.

    A name matching several people is no error: the form is valid, adds nobody, and `asks_to_pick` tells the
    view to show the people listed (`matches`, with `matches_note`) to tick.
    """

    q = forms.CharField(
        label=_("Employee number(s) or name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    line = fields.ModelChoiceField(queryset=None, label=_("Whole line"), required=False)
    station = fields.ModelChoiceField(queryset=None, label=_("Whole station"), required=False)
    pick = fields.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: object, session: TrainingSession, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.roster = Employee.objects.filter(plant_id=session.plant_id, status=EmployeeStatus.ACTIVE)
        self.fields["line"].queryset = session.plant.lines.filter(is_active=True).order_by("code")
        self.fields["station"].queryset = (
            Station.objects.filter(line__plant_id=session.plant_id, is_active=True)
            .select_related("line")
            .order_by("line__code", "code")
        )
        self.fields["pick"].queryset = self.roster
        self.matches: QuerySet[Employee] | None = None
        self.matches_note = ""
        self.typed: list[Employee] = []  # named by number in the box: each one not added is listed
        self.unknown_numbers: list[str] = []

    @cached_property
    def placeholder(self) -> str:
        """An example in the plant's own number format: two of its real employee numbers."""
        numbers = list(self.roster.order_by("employee_no").values_list("employee_no", flat=True)[:2])
        if not numbers:
            return _("Employee numbers or a name")
        return _("e.g. %(numbers)s, or a name") % {"numbers": " ".join(numbers)}

    @cached_property
    def attending_ids(self) -> set[int]:
        return set(self.session.attendees.values_list("id", flat=True))

    def clean(self) -> dict:
        cleaned = super().clean()
        picked: list[Employee] = list(cleaned.get("pick") or [])
        found = list(picked)
        if cleaned.get("line"):
            found += list(self.roster.filter(line=cleaned["line"]))
        if cleaned.get("station"):
            found += list(self.roster.filter(station=cleaned["station"]))
        query = (cleaned.get("q") or "").strip()
        if query:
            tokens: dict[str, str] = {}  # upper-cased number: as typed (first spelling)
            for token in NUMBER_SEPARATORS.split(query):
                if token := unicodedata.normalize("NFKC", token).strip():
                    tokens.setdefault(token.upper(), token)
            by_number = employees_by_number(tokens)
            if self._is_number_list(query, tokens, by_number):
                self.typed = [by_number[t] for t in tokens if t in by_number]
                self.unknown_numbers = [typed for t, typed in tokens.items() if t not in by_number]
            elif not picked:
                self._search(query, found, tokens=list(tokens.values()))
        if not (found or self.typed or self.unknown_numbers or self.errors or self.asks_to_pick):
            raise forms.ValidationError(_("Enter an employee number or name, or choose a line or a station."))
        cleaned["employees"] = found + self.typed
        return cleaned

    @property
    def asks_to_pick(self) -> bool:
        """A name matched several people: they are listed to tick, and nobody is added yet."""
        return self.matches is not None

    @staticmethod
    def _is_number_list(query: str, tokens: dict[str, str], by_number: dict[str, Employee]) -> bool:
        """Numbers, not a name: one of them is a real number, the text is a pasted list (lines, tabs,
        commas, semicolons), or every word has a digit (names have none; "Operator 03" is a name)."""
        return (
            any(t in by_number for t in tokens)
            or bool(LIST_SEPARATORS.search(query))
            or (len(tokens) > 1 and all(_has_digit(t) for t in tokens))
        )

    def _search(self, query: str, found: list[Employee], *, tokens: list[str]) -> None:
        """A name, or part of a number, among the plant's active people: one match is added, several listed."""
        matches = self.roster.filter(Q(name__icontains=query) | Q(employee_no__icontains=query))
        count = matches.count()
        if count == 1:
            found += list(matches)
        elif count > 1:
            self.matches = matches.select_related("line", "station").order_by("employee_no")[:SEARCH_LIMIT]
            self.matches_note = _("%(count)d employees match “%(q)s”: pick them below.") % {"count": count, "q": query}
        elif len(tokens) == 1 and _has_digit(tokens[0]):
            self.unknown_numbers = tokens  # one number matching nobody, not even in part
        else:
            self.add_error("q", _("No active employee of this plant matches “%(q)s”.") % {"q": query})


class GapFilterForm(forms.Form):
    """Filters of "who needs me" on the trainer's home: one of the trainer's courses, one of their plants
    (offered only to a trainer of several: a session is planned at one plant), one state."""

    course = fields.ModelChoiceField(
        queryset=Course.objects.none(),
        label=_("Course"),
        required=False,
        empty_label=_("All my courses"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    plant = fields.ModelChoiceField(
        queryset=None,
        label=_("Plant"),
        required=False,
        empty_label=_("All my plants"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(label=_("State"), required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: object, user: AbstractBaseUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        plant_ids = plant_ids_for_user(user=user, capability=Capability.RECORD_RESULTS)
        plants = plants_for_user(user=user, capability=Capability.RECORD_RESULTS).order_by("code")
        self.several_plants = plants.count() > 1
        if self.several_plants:
            self.fields["plant"].queryset = plants
        else:
            del self.fields["plant"]
        self.fields["course"].queryset = courses_authorised_for(user=user, plant_ids=plant_ids).order_by("code")
        self.fields["status"].choices = [
            ("", _("Every state")),
            *((status, gap_status_label(status)) for status in GAP_ORDER),
        ]


class GridHeaderForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    form_key = forms.UUIDField(widget=forms.HiddenInput, initial=_new_key)
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


class TrainerChoiceField(fields.ModelChoiceField):
    def label_from_instance(self, obj: AbstractBaseUser) -> str:
        return user_name(obj)


class SessionEditForm(forms.Form):
    """A session's date, location, delivery mode and trainer (course and plant stay).

    The trainer list offers who holds an authorisation for the course at the plant (and the current
    trainer); whether it holds on the chosen date is the service's rule (training_session_update).
    """

    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    delivery_mode = forms.ChoiceField(label=_("Delivery mode"), choices=DeliveryMode.choices)
    trainer = TrainerChoiceField(queryset=None, label=_("Trainer"), empty_label=None)

    def __init__(self, *args: object, session: TrainingSession, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "held_on": session.held_on,
                "location": session.location,
                "delivery_mode": session.delivery_mode,
                "trainer": session.trainer_id,
            },
        )
        super().__init__(*args, **kwargs)
        authorised = TrainerAuthorisation.objects.filter(course_id=session.course_id, plant_id=session.plant_id)
        self.fields["trainer"].queryset = (
            get_user_model()
            .objects.filter(Q(is_active=True, pk__in=authorised.values("user_id")) | Q(pk=session.trainer_id))
            .order_by("username")
        )


class SingleResultForm(forms.Form):
    """One result from an employee's page (a retake, a late entry).

    The course's checklist (its current revision) is shown once the course is known: chosen in the page's
    link (?course=), or sent. A practical of a course with a checklist is marked item by item (ticked = OK)
    and its outcome follows from the marks; `checklist` carries the revision shown, so marks sent for
    another course's or an older revision's items are refused, not recorded against the wrong items.
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
    form_key = forms.UUIDField(widget=forms.HiddenInput, initial=_new_key)

    def __init__(self, *args: object, user: AbstractBaseUser, employee: Employee, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        courses = courses_authorised_for(user=user, plant_ids=[employee.plant_id]).order_by("code")
        self.fields["course"].queryset = courses
        self.shown_checklist: Checklist | None = None
        course_id = fields.id_param(self.data.get(self.add_prefix("course")) if self.is_bound else None)
        if course_id is None and not self.is_bound:
            course_id = fields.id_param(self.initial.get("course"))
        course = courses.filter(pk=course_id).first() if course_id is not None else None
        if course is not None:
            self.fields["level"] = level_field(course=course)
            self.fields["delivery_mode"].choices = [
                ("", _("The course's usual mode (%(mode)s)") % {"mode": course.get_delivery_mode_display()}),
                *DeliveryMode.choices,
            ]
            if course.needs_practical:
                self.shown_checklist = checklist_current(course=course)
        if self.shown_checklist is not None:
            del self.fields["practical"]
            self.fields["marks"] = checklist_marks_field(checklist=self.shown_checklist)
            self.initial["checklist"] = self.shown_checklist.pk
            # Placed after the level: the page reads course, kind, date, marks, level, mode.
            order = ["course", "kind", "assessed_on", "score", "marks", "level", "delivery_mode"]
            self.order_fields(order)

    def clean(self) -> dict:
        cleaned = super().clean()
        course = cleaned.get("course")
        if course is None or cleaned.get("kind") != AssessmentKind.PRACTICAL:
            cleaned["checklist_marks"] = None
            return cleaned
        sent = cleaned.get("checklist")
        if self.shown_checklist is not None and sent != self.shown_checklist.pk:
            # The page showed no checklist, or another course's or revision's: mark this one's items now.
            self.add_error(
                "marks",
                _("Mark this checklist (revision %(revision)s of %(course)s), then record again.")
                % {"revision": self.shown_checklist.revision, "course": course.code},
            )
            self.data = self.data.copy()
            self.data[self.add_prefix("checklist")] = self.shown_checklist.pk
            return cleaned
        if self.shown_checklist is not None:
            cleaned["checklist_marks"] = checklist_marks_of(
                checklist=self.shown_checklist, ticked=cleaned.get("marks") or ()
            )
        else:
            cleaned["checklist_marks"] = None
        return cleaned

    @property
    def passed(self) -> bool | None:
        """The practical's outcome: from the marks where there is a checklist, else as chosen."""
        data = self.cleaned_data
        if data.get("checklist_marks") is not None:
            return checklist_outcome(checklist=self.shown_checklist, marks=data["checklist_marks"])
        return {PASS: True, FAIL: False}.get(data.get("practical") or "")


class ReasonForm(forms.Form):
    """Void an entry or revoke a certification: a reason is required."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        error_messages={"required": _("Give a reason.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (user name)"), required=False, max_length=150)
    employee = forms.CharField(label=_("Employee number"), required=False, max_length=32)
    course = forms.CharField(label=_("Course code"), required=False, max_length=24)
    action = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("All events")), *AuditAction.choices])
    date_from = fields.DateField(label=_("From date"), required=False)
    date_to = fields.DateField(label=_("To date"), required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned
