"""Paths that moved to follow the one trailing-slash rule (certtrack/urls.py) still answer at the old path."""

from __future__ import annotations

from django.urls import reverse


def test_the_old_api_path_redirects_permanently_with_its_query(client) -> None:
    response = client.get("/api/v1/plants/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/plants?x=1"
    assert reverse("api:plants") == "/api/v1/plants"


def test_a_post_to_the_old_confirm_path_keeps_its_method(client) -> None:
    response = client.post("/hr/jobs/7/confirm")
    assert response.status_code == 308
    assert response["Location"] == reverse("hr:job-confirm", args=[7]) == "/hr/jobs/7/confirm/"
    assert client.get("/hr/jobs/7/confirm").status_code == 301
