"""Reads of spreadsheet jobs: a job belongs to its requester (company-wide admins see every job)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from employees.access import User, is_admin
from spreadsheets.models import SpreadsheetJob


def spreadsheet_jobs_for_user(*, user: User) -> QuerySet[SpreadsheetJob]:
    jobs = SpreadsheetJob.objects.select_related("plant", "line", "requester")
    if is_admin(user):
        return jobs
    if not user.is_authenticated:
        return jobs.none()
    return jobs.filter(requester=user)


def spreadsheet_job_get_for_user(*, user: User, pk: int) -> SpreadsheetJob:
    """The job, or 404 for anybody but its requester and admins (no leak that it exists)."""
    return get_object_or_404(spreadsheet_jobs_for_user(user=user), pk=pk)
