"""Section 7 (`--sections gate`): the station gate of issue #17, on the largest plant of the dataset.

1. Server time of one gate check, p95 over random (employee, station) pairs of the plant, in-process through
   the whole view stack (Django's test Client: middleware, bearer-token auth, the API view) when the gate's
   URL exists, else through the selector as a view calls it (gate_station_for_user + gate_decide); beside a
   bare SQL read of the same rows (bench/reference.py GATE_ROWS_SQL). The SQL queries of a check, counted
   with CaptureQueriesContext: the gate's own reads apart from the caller's (token, user, memberships).
2. Throughput through gunicorn (4 sync workers, token auth, wrk with 20 connections) beside /healthz in the
   same run: alternating phases of the same length on the same server, each path alone with all 20
   connections; the gate's phases walk a pregenerated list of random pairs.
3. The bulk form: 500 pairs in one request (POST /api/v1/plants/<plant>/gate when it exists, else
   gate_decide_many), p95, beside the same bare SQL for 500 pairs.

Targets (issue #17, full scale): p95 <= 10 ms with at most 3 queries of the gate's own, constant; gate rps
>= 90% of /healthz rps; bulk 500 p95 <= 150 ms.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bench.harness import FeatureMissing, Report, Row, judge, median, percentile
from bench.sections.common import ROOT

SECTION = "7"
GATE_PATH = "/api/v1/plants/{plant}/lines/{line}/stations/{station}/gate"
BULK_PATH = "/api/v1/plants/{plant}/gate"
BULK_PAIRS = 500
GATE_QUERY_LIMIT = 3
# A query whose first table is one of these reads the caller's identity and rights ("auth"), counted apart
# from the gate's own reads (a gate query that joins the user table, like the override's granter, is the gate's).
AUTH_TABLES = ("assessments_apitoken", "api_", "auth_", "django_session", "employees_plantmembership")
FIRST_TABLE = re.compile(r'\b(?:FROM|UPDATE|INTO)\s+"?([a-z]\w*)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Sizes:
    checks: int  # timed single checks (in-process)
    counted: int  # checks whose queries are counted
    bulk_runs: int
    load_seconds: int  # per phase; two phases of each path
    load_rounds: int


FULL_SIZES = Sizes(checks=1000, counted=100, bulk_runs=20, load_seconds=10, load_rounds=2)
QUICK_SIZES = Sizes(checks=100, counted=20, bulk_runs=3, load_seconds=2, load_rounds=1)


# --- Set-up -----------------------------------------------------------------------------------------


def gate_pairs(*, plant, count: int, seed: int = 17) -> list[tuple[str, str, str]]:
    """`count` random (employee_no, line_code, station_code) of the plant: any of its employees (active or
    not, as badges come) at any of its stations. Seeded: the same pairs for the same dataset."""
    from employees.models import Employee, Station

    employees = list(Employee.objects.filter(plant=plant).order_by("employee_no").values_list("employee_no", flat=True))
    stations = list(
        Station.objects.filter(line__plant=plant).order_by("line__code", "code").values_list("line__code", "code")
    )
    if not employees or not stations:
        raise FeatureMissing(f"plant {plant.code} has no employees or no stations")
    chooser = random.Random(seed)
    return [(chooser.choice(employees), *chooser.choice(stations)) for _ in range(count)]


def gate_url(plant_code: str, line: str, station: str, employee_no: str) -> str:
    from urllib.parse import quote, urlencode

    path = GATE_PATH.format(plant=quote(plant_code), line=quote(line), station=quote(station))
    return f"{path}?{urlencode({'employee': employee_no})}"


def route_exists(path: str) -> bool:
    """Whether this checkout's URLconf has a view for the path (the API's gate lands in another branch)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def gate_token(user) -> tuple[str, str]:
    """(a new bearer token of the user with the `gate` scope, how it was made). The API's scoped tokens
    (api.tokens) when this checkout has them, else the unscoped tokens of the first API (assessments.tokens).
    The bench's tokens of earlier runs are deleted first.
    """
    from assessments.models import ApiToken

    ApiToken.objects.filter(user=user, name="bench gate").delete()
    try:
        from api.tokens import api_token_create
    except ImportError:
        from assessments.tokens import api_token_create

        _token, plain = api_token_create(user=user, name="bench gate")
        return plain, "unscoped token (assessments.tokens)"
    _token, plain = api_token_create(user=user, name="bench gate", scopes=["gate"])
    return plain, "token with scope gate (api.tokens)"


def query_kinds(queries: list[dict]) -> tuple[int, int]:
    """(the gate's own queries, the caller's: token, user, session, memberships) of captured queries."""
    auth = 0
    for query in queries:
        table = FIRST_TABLE.search(query["sql"])
        auth += bool(table and table.group(1).startswith(AUTH_TABLES))
    return len(queries) - auth, auth


def _spread(counts: list[int]) -> str:
    found = Counter(counts)
    return ", ".join(f"{n} queries x{times}" for n, times in sorted(found.items()))


# --- 1. One check, in-process -----------------------------------------------------------------------


def _view_check(client, headers: dict[str, str], plant_code: str) -> Callable[[tuple[str, str, str]], object]:
    def check(pair: tuple[str, str, str]) -> object:
        employee_no, line, station = pair
        response = client.get(gate_url(plant_code, line, station, employee_no), **headers)
        if response.status_code != 200:
            raise RuntimeError(f"gate answered HTTP {response.status_code}: {response.content[:300]!r}")
        return response.json()["decision"]

    return check


def _selector_check(user_id: int, plant_code: str) -> tuple[Callable[[tuple[str, str, str]], object], str]:
    """(one check through the selector as the API calls it, its description): gate_check_codes among the
    user's plants where the gate has that hot path, else gate_station_for_user + gate_decide."""
    from django.contrib.auth import get_user_model

    from employees.access import Capability, plant_ids_for_user
    from gate import selectors
    from gate.selectors import gate_station_for_user
    from gate.services import gate_decide

    users = get_user_model().objects
    check_codes = getattr(selectors, "gate_check_codes", None)

    def check(pair: tuple[str, str, str]) -> object:
        employee_no, line, station_code = pair
        user = users.get(pk=user_id)  # as a request's auth loads it: counted with the caller's queries
        if check_codes is not None:
            return check_codes(
                plant_code=plant_code,
                line_code=line,
                station_code=station_code,
                employee_no=employee_no,
                plant_ids=plant_ids_for_user(user=user, capability=Capability.GATE_CHECK),
            ).decision
        station = gate_station_for_user(user=user, plant_code=plant_code, line_code=line, station_code=station_code)
        return gate_decide(station=station, employee_no=employee_no, actor=user).decision

    if check_codes is not None:
        return check, "gate_check_codes among the user's plants"
    return check, "gate_station_for_user + gate_decide"


def _timed_checks(check: Callable, pairs: list[tuple[str, str, str]]) -> tuple[list[float], Counter]:
    times, decisions = [], Counter()
    for pair in pairs:
        started = time.perf_counter()
        decisions[check(pair)] += 1
        times.append((time.perf_counter() - started) * 1000)
    return times, decisions


def _counted_checks(check: Callable, pairs: list[tuple[str, str, str]]) -> tuple[list[int], list[int], list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    own, auth, first = [], [], []
    for pair in pairs:
        with CaptureQueriesContext(connection) as captured:
            check(pair)
        gate_queries, auth_queries = query_kinds(captured.captured_queries)
        own.append(gate_queries)
        auth.append(auth_queries)
        if not first:
            first = [(FIRST_TABLE.search(q["sql"]) or ["", "?"])[1] for q in captured.captured_queries]
    return own, auth, first


def _bare_checks(plant_code: str, pairs: list[tuple[str, str, str]]) -> list[float]:
    from django.utils import timezone

    from bench.reference import gate_rows

    times = []
    for pair in pairs:
        started = time.perf_counter()
        gate_rows(plant=plant_code, checks=[pair], at=timezone.now())
        times.append((time.perf_counter() - started) * 1000)
    return times


def _single_checks(report: Report, *, quick: bool, sizes: Sizes, plant, user, token: str, how: str) -> bool:
    """Figure 1; True when the gate's URL exists (figure 2 then loads it through gunicorn)."""
    from django.test import Client
    from django.test.utils import override_settings

    pairs = gate_pairs(plant=plant, count=sizes.checks)
    has_view = route_exists(gate_url(plant.code, pairs[0][1], pairs[0][2], pairs[0][0]))
    selector, selector_how = _selector_check(user.pk, plant.code)
    if has_view:
        check = _view_check(Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}, plant.code)
        through = f"GET {GATE_PATH} in-process (test Client, {how})"
    else:
        check = selector
        through = f"{selector_how} (no gate URL in this checkout yet)"
    for pair in pairs[:10]:  # warm-up: first queries plan, first imports load
        check(pair)
        selector(pair)
    _bare_checks(plant.code, pairs[:10])

    with override_settings(DEBUG=False):  # as in production: no query log kept while timing
        bare = _bare_checks(plant.code, pairs)
        times, decisions = _timed_checks(check, pairs)
        if has_view:
            selector_times, _ = _timed_checks(selector, pairs[: max(50, len(pairs) // 4)])
            client = Client()
            healthz_times, _ = _timed_checks(lambda _pair: client.get("/healthz").status_code, pairs[:100])
    p95, bare_p95 = percentile(times, 95), percentile(bare, 95)
    share = f"{decisions.get('allow', 0):,} allow / {decisions.get('deny', 0):,} deny"
    report.add(Row(SECTION, "bare SQL read of the gate's rows, p95", bare_p95, note=f"median {median(bare):.2f} ms"))
    report.add(
        Row(
            SECTION,
            f"gate check p95 of {len(times):,}",
            p95,
            reference=bare_p95,
            reference_name="bare SQL p95",
            target="p95 <= 10 ms",
            status=judge(p95, limit=10, quick=quick),
            note=f"median {median(times):.2f} ms; {through}; plant {plant.code} ({plant.n:,} employees); {share}",
        )
    )
    if has_view:  # the selector alone too: how much of the time is the API's (auth, routing, JSON)
        report.add(
            Row(
                SECTION,
                f"gate selector alone p95 of {len(selector_times):,}",
                percentile(selector_times, 95),
                reference=bare_p95,
                reference_name="bare SQL p95",
                note=f"median {median(selector_times):.2f} ms; {selector_how}, user loaded",
            )
        )
        report.add(
            Row(
                SECTION,
                f"/healthz in-process p95 of {len(healthz_times)}",
                percentile(healthz_times, 95),
                note=f"median {median(healthz_times):.2f} ms; the throughput figure's reference, here one request "
                "at a time (one SELECT 1 and a cached broker state)",
            )
        )

    own, auth, first = _counted_checks(check, pairs[: sizes.counted])
    totals = [a + b for a, b in zip(own, auth, strict=True)]
    constant = len(set(own)) == 1
    worst = max(own)
    ok = constant and worst <= GATE_QUERY_LIMIT
    report.add(
        Row(
            SECTION,
            "SQL queries per check: the gate's own",
            float(worst),
            unit="queries",
            target=f"constant, <= {GATE_QUERY_LIMIT}",
            status="PASS" if ok else "MISS",
            note=f"{len(own)} checks: {_spread(own)}; a check's queries by the first table named: {', '.join(first)}",
        )
    )
    report.add(
        Row(
            SECTION,
            "SQL queries per check: auth (token, user, rights)",
            float(max(auth)),
            unit="queries",
            note=f"apart from the gate's: {_spread(auth)}; in all, auth included: {_spread(totals)} "
            "(the token's last use is written once a minute)",
        )
    )
    return has_view


# --- 2. Throughput through gunicorn -----------------------------------------------------------------


def _throughput(report: Report, *, quick: bool, sizes: Sizes, plant, token: str, env: dict[str, str]) -> None:
    from bench.load import collectstatic, gunicorn, production_env, run_load

    pairs = gate_pairs(plant=plant, count=2000, seed=71)
    paths = [gate_url(plant.code, line, station, employee_no) for employee_no, line, station in pairs]
    auth = {"Authorization": f"Bearer {token}"}
    web_env = production_env(env)
    collectstatic(web_env)
    rps: dict[str, list[float]] = {"healthz": [], "gate": []}
    p95: dict[str, list[float]] = {"healthz": [], "gate": []}
    errors = Counter()
    with gunicorn(env=web_env, workers=4, log_path=ROOT / "var" / "bench-gunicorn-gate.log") as port:
        for _round in range(sizes.load_rounds):  # alternating phases: drift of the machine hits both
            for label, target in (("healthz", ("/healthz", {})), ("gate", (paths, auth))):
                load = run_load(port=port, paths={label: target}, clients=20, seconds=sizes.load_seconds)
                figures = load.paths[label]
                rps[label].append(figures.requests / sizes.load_seconds)
                p95[label].append(figures.p95)
                errors[label] += figures.errors
    healthz_rps, gate_rps = statistics.fmean(rps["healthz"]), statistics.fmean(rps["gate"])
    phases = f"{sizes.load_rounds} phase(s) of {sizes.load_seconds} s each, alternating"
    report.add(
        Row(
            SECTION,
            "/healthz requests per second (20 connections)",
            healthz_rps,
            unit="rps",
            note=f"{phases}: {', '.join(f'{r:,.0f}' for r in rps['healthz'])} rps; p95 {max(p95['healthz']):.1f} ms",
        )
    )
    ratio = gate_rps / healthz_rps if healthz_rps else None
    report.add(
        Row(
            SECTION,
            "gate requests per second (20 connections, token)",
            gate_rps,
            unit="rps",
            reference=healthz_rps,
            reference_name="/healthz rps",
            target=">= 0.90x /healthz",
            status="SKIP" if ratio is None else ("INFO" if quick else ("PASS" if ratio >= 0.9 else "MISS")),
            note=f"{phases}: {', '.join(f'{r:,.0f}' for r in rps['gate'])} rps; p95 {max(p95['gate']):.1f} ms; "
            f"{len(paths):,} random pairs; 4 sync workers",
        )
    )
    for label, count in errors.items():
        if count:
            report.add(Row(SECTION, f"{label}: failed requests under load", float(count), unit="", status="FAIL"))


# --- 3. Bulk: 500 pairs -----------------------------------------------------------------------------


def bulk_body(pairs: list[tuple[str, str, str]]) -> dict:
    """The bulk request's JSON body (issue #17: up to 500 (employee, station) pairs)."""
    return {"checks": [{"employee": e, "line": line, "station": s} for e, line, s in pairs]}


def _bulk(report: Report, *, quick: bool, sizes: Sizes, plant, user, token: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from bench.reference import gate_rows
    from gate.services import gate_decide_many

    runs = [gate_pairs(plant=plant, count=BULK_PAIRS, seed=1000 + n) for n in range(sizes.bulk_runs + 1)]
    url = BULK_PATH.format(plant=plant.code)
    if route_exists(url):
        client = Client()

        def bulk(pairs: list[tuple[str, str, str]]) -> int:
            response = client.post(
                url, json.dumps(bulk_body(pairs)), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            if response.status_code != 200:
                raise RuntimeError(f"bulk gate answered HTTP {response.status_code}: {response.content[:300]!r}")
            return len(response.content)

        through = f"POST {BULK_PATH} in-process (test Client)"
    else:

        def bulk(pairs: list[tuple[str, str, str]]) -> int:
            return len(gate_decide_many(plant=plant, checks=pairs, actor=user))

        through = "gate_decide_many (no bulk URL in this checkout yet)"

    bulk(runs[0])  # warm-up
    gate_rows(plant=plant.code, checks=runs[0], at=timezone.now())
    bare, times = [], []
    with override_settings(DEBUG=False):
        for pairs in runs[1:]:
            started = time.perf_counter()
            gate_rows(plant=plant.code, checks=pairs, at=timezone.now())
            bare.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            bulk(pairs)
            times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        bulk(runs[1])
    own, auth = query_kinds(captured.captured_queries)
    bare_p95 = percentile(bare, 95)
    report.add(Row(SECTION, f"bare SQL read of {BULK_PAIRS} pairs' rows, p95", bare_p95, note=f"{len(bare)} runs"))
    report.add(
        Row(
            SECTION,
            f"bulk gate, {BULK_PAIRS} pairs, p95 of {len(times)}",
            percentile(times, 95),
            reference=bare_p95,
            reference_name="bare SQL p95",
            target="p95 <= 150 ms",
            status=judge(percentile(times, 95), limit=150, quick=quick),
            note=f"median {median(times):.1f} ms; {through}; {own} queries of the gate's own + {auth} auth",
        )
    )


# --- The section --------------------------------------------------------------------------------------


def gate_figures(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from bench.sections.common import feature
    from employees.models import Plant

    try:
        feature("gate.selectors", "gate_check")
    except FeatureMissing as missing:
        report.skip(SECTION, "station gate", f"not available yet: {missing}")
        return
    sizes = QUICK_SIZES if quick else FULL_SIZES
    plant = Plant.objects.filter(is_active=True).annotate(n=Count("employees")).order_by("-n", "code").first()
    user = get_user_model().objects.get(username=f"manager-{plant.code.lower()}")
    token, how = gate_token(user)
    has_view = _single_checks(report, quick=quick, sizes=sizes, plant=plant, user=user, token=token, how=how)
    if has_view:
        _throughput(report, quick=quick, sizes=sizes, plant=plant, token=token, env=env)
    else:
        report.skip(SECTION, "gate throughput through gunicorn", f"not available yet: no {GATE_PATH} in this checkout")
    _bulk(report, quick=quick, sizes=sizes, plant=plant, user=user, token=token)
