"""Submitted forms: the key of each form sent, so that a double submit never records twice.

A table of its own because the key is written in the same transaction as the results it guards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SubmittedForm(models.Model):
    """One row per form submission key, so a double submit never records twice."""

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    redirect_to = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return str(self.key)
