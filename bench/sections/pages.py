"""Section 3: the SQL queries of each page in two plant sizes, and its latency under load beside /healthz."""

from __future__ import annotations

from collections.abc import Callable

from bench.harness import Report, Row, judge
from bench.sections.common import ROOT

PAGE_CANDIDATES: dict[str, list[tuple[str, Callable]]] = {
    # label: [(url name, kwargs builder(plant, line))]; the first that reverses is used (older commits: the
    # names before issue #15's namespaces).
    "plant dashboard": [
        ("readiness:plant", lambda p, _l: {"code": p.code}),
        ("dashboard:plant", lambda p, _l: {"code": p.code}),
        ("dashboard_plant", lambda p, _l: {"code": p.code}),
        ("assessments:dashboard_plant", lambda p, _l: {"code": p.code}),
    ],
    "line page": [
        ("readiness:line", lambda p, line: {"code": p.code, "line_code": line.code}),
        ("dashboard:line", lambda p, line: {"code": p.code, "line_code": line.code}),
        ("dashboard_line", lambda p, line: {"code": p.code, "line_code": line.code}),
        ("dashboard:line", lambda _p, line: {"pk": line.pk}),
    ],
    "readiness API": [
        ("api:plant-readiness", lambda p, _l: {"code": p.code}),
        ("api:plant_readiness", lambda p, _l: {"code": p.code}),
        ("api_plant_readiness", lambda p, _l: {"code": p.code}),
        ("api:readiness", lambda p, _l: {"code": p.code}),
    ],
}


def _page_url(label: str, plant, line) -> str | None:
    from django.urls import NoReverseMatch, reverse

    for name, kwargs in PAGE_CANDIDATES[label]:
        try:
            return reverse(name, kwargs=kwargs(plant, line))
        except NoReverseMatch:
            continue
    return None


def _query_count(client, url: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, len(queries.captured_queries)


def pages_under_load(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from bench.load import collectstatic, gunicorn, production_env, run_load
    from employees.models import Plant

    # Two plant sizes: the query count of a page must not grow with the plant.
    by_size = list(Plant.objects.filter(is_active=True).annotate(n=Count("employees")).order_by("n", "code"))
    plants = [by_size[-1], by_size[0]] if len(by_size) > 1 else by_size
    lines = [p.lines.order_by("code").first() for p in plants]
    manager = get_user_model().objects.get(username=f"manager-{plants[0].code.lower()}")
    pages = {"home (any signed-in page)": "/"}
    for label in PAGE_CANDIDATES:
        url = _page_url(label, plants[0], lines[0])
        if url is None:
            report.skip("3", label, "not available yet: no URL for it in this checkout")
        else:
            pages[label] = url

    client = Client()
    for label, url in pages.items():
        counts, statuses = [], []
        for plant, line in zip(plants, lines, strict=True):
            client.force_login(get_user_model().objects.get(username=f"manager-{plant.code.lower()}"))
            status, count = _query_count(client, url if label.startswith("home") else _page_url(label, plant, line))
            counts.append(count)
            http = "" if status == 200 else f" HTTP {status}"
            statuses.append(f"{plant.code} ({plant.n:,} employees): {count}{http}")
        constant = len(set(counts)) == 1
        report.add(
            Row(
                "3",
                f"SQL queries: {label}",
                float(counts[0]),
                unit="queries",
                target="same in both plants",
                status="PASS" if constant else "MISS",
                note="; ".join(statuses),
            )
        )
    client.force_login(manager)

    session_cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    web_env = production_env(env)
    collectstatic(web_env)
    paths = {label: (url, {"Cookie": session_cookie}) for label, url in pages.items()}
    paths["/healthz (bare)"] = ("/healthz", {})
    seconds = 3 if quick else 30
    with gunicorn(env=web_env, workers=4, log_path=ROOT / "var" / "bench-gunicorn.log") as port:
        load = run_load(port=port, paths=paths, clients=20, seconds=seconds)
    healthz = load.paths["/healthz (bare)"]
    report.add(
        Row(
            "3",
            "/healthz p95 under the same load",
            healthz.p95,
            note=f"p50 {healthz.p50:.1f} ms; wrk: {load.requests:,} requests in {load.seconds} s, "
            f"{load.clients} connections shared by {len(paths)} paths",
        )
    )
    for label in pages:
        figures = load.paths[label]
        report.add(
            Row(
                "3",
                f"{label} p95 (20 clients, 4 workers)",
                figures.p95,
                reference=healthz.p95,
                reference_name="/healthz p95",
                target="" if label.startswith("home") else "p95 <= 150 ms",
                status="INFO" if label.startswith("home") else judge(figures.p95, limit=150, quick=quick),
                note=f"p50 {figures.p50:.1f} ms, {figures.requests:,} requests, {figures.errors} errors",
            )
        )
        if figures.errors:
            report.add(Row("3", f"{label}: failed requests", float(figures.errors), unit="", target="0", status="FAIL"))
