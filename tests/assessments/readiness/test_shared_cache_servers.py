"""Several servers, one Redis, one PostgreSQL: two gunicorn servers and two workers agree on every dashboard
after a roll-up (issue #20).

The test starts them itself (tests/processes.py) on the test database, on REDIS_URL under a broker key prefix
of its own and on CACHE_URL, the shared cache: a roll-up worker (-Q rollup) and a worker for the other
queues, and two gunicorn servers of two processes each. A manager reads the plant's and the line's dashboards
from both servers before and after a result recorded here is rolled up by the worker: the same figures
everywhere, the database's, and each cached body computed once for all the servers (one fragment per roll-up
in Redis), the new roll-up's replacing the old one's on every server at once.
"""

from __future__ import annotations

import html
import re
import urllib.request

import pytest
import redis
from django.conf import settings
from django.test import Client

from assessments.models import LineSnapshot, PlantSnapshot, ReadinessMark, ReadinessState
from certtrack.celery import app
from tests.assessments.conftest import b_passes_hv_theory
from tests.processes import broker_prefixed, celery_worker, gunicorn_server, new_prefix, wait_for

FIGURE = re.compile(r'id="(plant-readiness|line-readiness|link-qualified)"[^>]*>([^<]*)<')


@pytest.fixture
def prefix():
    """Every task this test sends, the fixtures' too, goes to its own workers (not CI's)."""
    chosen = new_prefix()
    with broker_prefixed(chosen):
        yield chosen


def _figures(base_url: str, path: str, session: str) -> dict[str, str]:
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
    request = urllib.request.Request(base_url + path, headers=cookie)  # noqa: S310 - our own server on loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own server on loopback
        assert response.status == 200
        page = response.read().decode()
    return {name: html.unescape(value).strip() for name, value in FIGURE.findall(page)}


def _fragments(name: str) -> int:
    """Cached dashboard bodies in the shared cache (Django's template fragment keys)."""
    client = redis.Redis.from_url(settings.CACHE_URL)
    try:
        return sum(1 for _key in client.scan_iter(match=f"*template.cache.*{name}*", count=500))
    finally:
        client.close()


def _rolled_up(plant, *, after=None) -> bool:
    state = ReadinessState.objects.filter(plant=plant).first()
    done = state is not None and state.computed_at is not None and not ReadinessMark.objects.exists()
    return done and (after is None or state.computed_at > after)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.shared_cache
@pytest.mark.django_db(transaction=True)
def test_two_servers_and_two_workers_agree_on_every_dashboard_after_a_rollup(
    prefix, worked_example, trainer, manager, tmp_path
) -> None:
    plant, line = worked_example["plant"], worked_example["line"]
    pages = [f"/dashboard/plants/{plant.code}/", f"/dashboard/plants/{plant.code}/lines/{line.code}/"]
    browser = Client()
    browser.force_login(manager)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    started = []
    try:
        started.append(celery_worker("rollup", queues=["rollup"], prefix=prefix, log_dir=tmp_path))
        started.append(
            celery_worker(
                "others", queues=["spreadsheets", "notify", "webhooks", "celery"], prefix=prefix, log_dir=tmp_path
            )
        )
        servers = []
        for name in ("web-a", "web-b"):
            server, url = gunicorn_server(name, prefix=prefix, log_dir=tmp_path)
            started.append(server)
            servers.append(url)

        app.send_task("assessments.tasks.readiness_recompute_plant", args=[plant.id])
        assert wait_for(lambda: _rolled_up(plant), seconds=60), started[0].output()[-3000:]
        first_rollup = ReadinessState.objects.get(plant=plant).computed_at
        today = plant.local_today()
        before = LineSnapshot.objects.get(line=line, on_date=today).qualified

        seen = {(url, path): _figures(url, path, session) for url in servers for path in pages}
        # Both servers, each of two processes, show the same figures: the roll-up's in the database.
        snapshot = PlantSnapshot.objects.get(plant=plant, on_date=today)
        for url in servers:
            assert seen[(url, pages[0])]["link-qualified"] == f"{snapshot.qualified} of {snapshot.headcount} qualified"
            assert seen[(url, pages[1])]["link-qualified"].startswith(f"{before} of ")
        assert seen[(servers[0], pages[0])] == seen[(servers[1], pages[0])]
        assert seen[(servers[0], pages[1])] == seen[(servers[1], pages[1])]
        # One cached body per page for all the servers: computed by the first, read by the others.
        assert (_fragments("plant-dashboard"), _fragments("line-dashboard")) == (1, 1)

        b_passes_hv_theory(worked_example, trainer)  # recorded here; rolled up by the roll-up worker
        assert wait_for(lambda: _rolled_up(plant, after=first_rollup), seconds=60), started[0].output()[-3000:]
        after = LineSnapshot.objects.get(line=line, on_date=today).qualified
        assert after == before + 1

        again = {(url, path): _figures(url, path, session) for url in servers for path in pages}
        snapshot = PlantSnapshot.objects.get(plant=plant, on_date=today)
        for url in servers:
            assert again[(url, pages[0])]["link-qualified"] == f"{snapshot.qualified} of {snapshot.headcount} qualified"
            assert again[(url, pages[1])]["link-qualified"].startswith(f"{after} of ")
        assert again[(servers[0], pages[0])] == again[(servers[1], pages[0])]
        assert again[(servers[0], pages[1])] == again[(servers[1], pages[1])]
        assert again[(servers[0], pages[1])] != seen[(servers[0], pages[1])]
        # The new roll-up's bodies, once each, beside the old ones (which expire unread).
        assert (_fragments("plant-dashboard"), _fragments("line-dashboard")) == (2, 2)
    finally:
        for process in started:
            process.stop()
    assert "assessments.tasks.readiness_drain_marks[" in started[0].output()
