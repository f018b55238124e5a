"""Forms of training sessions: create, edit, and add attendees by number or name.

Forms only parse and shape input; every rule of DOMAIN.md is checked by assessments.services.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from assessments.forms.common import SEARCH_LIMIT, DateInput
from assessments.models import TrainingSession
from certtrack import forms as fields
from certtrack.names import user_name
from courses.models import Course, DeliveryMode, TrainerAuthorisation
from courses.selectors import courses_authorised_for
from employees.access import Capability, plant_ids_for_user, plants_for_user
from employees.models import Employee, EmployeeStatus, Station
from employees.selectors import active_employees, employees_for_user


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
