"""Submitting a form once: a double click, a refresh or back-and-resubmit records the results once.

Kept apart from the rules of a result: it guards the entry path, not the result, with a key written
in the same transaction as the results.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from assessments.models import Assessment, SubmittedForm
from assessments.services.result_rules import ResultInput
from assessments.services.results import assessments_record


@dataclass(frozen=True)
class RecordedOnce:
    """The outcome of assessments_record_once: what was recorded now, or that the key was already used."""

    assessments: list[Assessment]
    duplicate: bool
    redirect_to: str
    notices: tuple[str, ...] = ()


def submitted_form_redirect(*, form_key: uuid.UUID) -> str | None:
    """Where the first submit of this form key was sent, if its results were recorded; None for a new key."""
    return SubmittedForm.objects.filter(key=form_key).values_list("redirect_to", flat=True).first()


def assessments_record_once(
    *,
    form_key: uuid.UUID,
    redirect_to: str,
    rows: Sequence[ResultInput],
    recorded_by: AbstractBaseUser,
    **kwargs: object,
) -> RecordedOnce:
    """assessments_record(), at most once per form key (a double click, a refresh, back and resubmit).

    The key's SubmittedForm row is written in the same transaction as the results: a
    refused batch rolls it back too, so the corrected form can be sent again with the
    same key. A second, concurrent submit blocks on the unique key until the first
    commits, then fails the insert and is answered as a duplicate.
    """
    previous = submitted_form_redirect(form_key=form_key)
    if previous is not None:
        return RecordedOnce(assessments=[], duplicate=True, redirect_to=previous)
    try:
        with transaction.atomic():
            SubmittedForm.objects.create(key=form_key, user=recorded_by, redirect_to=redirect_to[:255])
            assessments = assessments_record(rows=rows, recorded_by=recorded_by, **kwargs)
    except IntegrityError:
        previous = SubmittedForm.objects.filter(key=form_key).first()
        if previous is None:
            raise
        return RecordedOnce(assessments=[], duplicate=True, redirect_to=previous.redirect_to)
    return RecordedOnce(
        assessments=assessments, duplicate=False, redirect_to=redirect_to, notices=tuple(assessments.notices)
    )
