"""The six benchmark sections of issue #7. Each one measures a feature beside a bare reference in the
same run, and reports "not available yet" when the feature is not in this checkout.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils.timezone import now as timezone_now

from bench.harness import FeatureMissing, Report, Row, judge, median, percentile, timed, vacuum

ROOT = Path(__file__).resolve().parent.parent


def _feature(module: str, *names: str) -> Callable:
    """The first of `names` found in `module`, or FeatureMissing."""
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        raise FeatureMissing(f"{module} is not in this checkout") from exc
    for name in names:
        if callable(getattr(found, name, None)):
            return getattr(found, name)
    raise FeatureMissing(f"{module} has no {' / '.join(names)} yet")


def _today(plant) -> datetime.date:  # noqa: ANN001
    return plant.local_today()


# --- 1. Full roll-up -------------------------------------------------------------------------------


def rollup_figures_check(*, plants: list, reference_by_date: dict) -> list[str]:  # noqa: ANN001
    """Per-line and per-plant (headcount, qualified) of the roll-up tables vs the reference SQL: the mismatches."""
    from assessments.models import LineSnapshot, PlantSnapshot

    mismatches = []
    for plant in plants:
        on_date = _today(plant)
        reference = reference_by_date[on_date]
        stored_lines = {
            line_id: (headcount, qualified)
            for line_id, headcount, qualified in LineSnapshot.objects.filter(plant=plant, on_date=on_date).values_list(
                "line_id", "headcount", "qualified"
            )
        }
        expected_lines = {
            line: figures
            for (plant_id, line, total), figures in reference.items()
            if plant_id == plant.id and line is not None and not total
        }
        for line_id in sorted(set(stored_lines) | set(expected_lines)):
            stored = stored_lines.get(line_id, (0, 0))
            expected = expected_lines.get(line_id, (0, 0))
            if stored != expected:
                mismatches.append(f"{plant.code} line {line_id}: roll-up {stored} != reference {expected}")
        stored_plant = (
            PlantSnapshot.objects.filter(plant=plant, on_date=on_date).values_list("headcount", "qualified").first()
        )
        expected_plant = reference.get((plant.id, None, True), (0, 0))
        if tuple(stored_plant or ()) != tuple(expected_plant):
            mismatches.append(f"{plant.code} plant: roll-up {stored_plant} != reference {expected_plant}")
    return mismatches


def full_rollup(report: Report, *, quick: bool) -> None:
    from bench.reference import line_readiness
    from employees.models import Plant

    plants = list(Plant.objects.filter(is_active=True).order_by("code"))
    on_date = min(_today(p) for p in plants)
    runs = 1 if quick else 2
    reference_ms = []
    figures = {}
    for _ in range(runs):
        elapsed, figures = timed(lambda: line_readiness(on_date=on_date))
        reference_ms.append(elapsed)
    reference = min(reference_ms)
    headcount = sum(h for (_p, _l, total), (h, _q) in figures.items() if total)
    qualified = sum(q for (_p, _l, total), (_h, q) in figures.items() if total)
    report.add(
        Row(
            "1",
            "reference SQL: per-line readiness, raw data",
            reference,
            note=f"{len(figures)} line/plant rows; {qualified:,} of {headcount:,} active qualified",
        )
    )
    try:
        recompute_all = _feature("assessments.rollup", "all_plants_recompute")
    except FeatureMissing as missing:
        report.skip("1", "full roll-up of all plants", f"not available yet: {missing}")
        return
    from assessments import rollup
    from assessments.models import CourseReadiness, EmployeeReadiness, StationCoverage

    # The nightly job at a new day: the current tables hold yesterday's figures (set up untimed),
    # and the full roll-up brings every plant to its today, writing the rows whose figures changed.
    feature_ms = []
    for _ in range(runs):
        for plant in plants:
            rollup.plant_recompute(plant_id=plant.id, on_date=_today(plant) - datetime.timedelta(days=1))
        elapsed, _result = timed(recompute_all)
        feature_ms.append(elapsed)
    value = min(feature_ms)
    ratio_ok = value <= 1.5 * reference
    status = judge(value, limit=30_000, quick=quick)
    if status == "PASS" and not ratio_ok:
        status = "MISS"
    report.add(
        Row(
            "1",
            "full roll-up of all plants, day change",
            value,
            reference=reference,
            reference_name="reference SQL",
            target="<= 1.5x ref, <= 30 s",
            status=status,
            note=f"runs: {', '.join(f'{ms:,.0f}' for ms in feature_ms)} ms; from yesterday's tables",
        )
    )
    # The first roll-up after an install or a bulk load: every current row is written.
    for model in (CourseReadiness, EmployeeReadiness, StationCoverage):
        model.objects.all().delete()
    elapsed, _result = timed(recompute_all)
    report.add(
        Row(
            "1",
            "full roll-up of all plants, empty tables",
            elapsed,
            reference=reference,
            reference_name="reference SQL",
            target="<= 30 s (a one-off: install, bulk load)",
            status=judge(elapsed, limit=30_000, quick=quick),
            note=f"{CourseReadiness.objects.count():,} course and {EmployeeReadiness.objects.count():,} employee rows "
            "written",
        )
    )
    # Untimed: the sections after this one start from tables without the 800,000 dead rows just left.
    vacuum([model._meta.db_table for model in (CourseReadiness, EmployeeReadiness, StationCoverage)])
    # The roll-up stores each plant's figures for its local today: compare with the reference on that date.
    reference_by_date = {on_date: figures}
    for day in {_today(p) for p in plants} - {on_date}:
        reference_by_date[day] = line_readiness(on_date=day)
    mismatches = rollup_figures_check(plants=plants, reference_by_date=reference_by_date)
    if mismatches:
        print("  !!! CORRECTNESS: the roll-up tables disagree with the reference SQL:", flush=True)
        for mismatch in mismatches[:40]:
            print(f"  !!!   {mismatch}", flush=True)
    lines = sum(1 for (_p, line, total) in figures if line is not None and not total)
    report.add(
        Row(
            "1",
            "roll-up figures == reference (line+plant)",
            float(len(mismatches)),
            unit="mismatches",
            target="0 mismatches",
            # A mismatch is a correctness bug: it fails quick mode (CI) too, not only the full run.
            status="FAIL" if mismatches else "PASS",
            note=(
                f"{len(mismatches)} disagree, first: {mismatches[0]}"
                if mismatches
                else f"headcount and qualified agree on {lines} lines and {len(plants)} plants"
            ),
        )
    )


# --- 4. Results grid save --------------------------------------------------------------------------


def grid_save(report: Report, *, quick: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from assessments.models import Assessment
    from assessments.services import ResultInput, assessments_record
    from courses.models import Course
    from employees.models import Employee, Plant

    plant = Plant.objects.order_by("code").first()
    trainer = get_user_model().objects.get(username=f"trainer-{plant.code.lower()}")
    today = _today(plant)
    course = (
        Course.objects.filter(
            is_active=True, needs_practical=True, prerequisites__isnull=True, trainer_authorisations__user=trainer
        )
        .order_by("code")
        .first()
    )
    # Nobody twice, and nobody with a result of the course today (an earlier run on this database): the
    # service refuses a result recorded twice (same person, course, kind, date and outcome).
    employees = list(
        Employee.objects.filter(plant=plant, status="active", hire_date__lte=today)
        .exclude(assessments__course=course, assessments__assessed_on=today)
        .select_related("plant")
    )
    rng = random.Random(7)
    iterations = 5 if quick else 20
    service_ms, bare_ms = [], []
    people = rng.sample(employees, 40 * iterations)
    for iteration in range(iterations):
        batch = people[40 * iteration : 40 * (iteration + 1)]
        rows = [
            ResultInput(
                employee=e,
                course=course,
                kind="practical",
                assessed_on=today,
                assessor=trainer,
                passed=rng.random() < 0.9,
            )
            for e in batch
        ]
        elapsed, _ = timed(lambda rows=rows: assessments_record(rows=rows, recorded_by=trainer, source="grid"))
        service_ms.append(elapsed)

        def bare(batch=batch) -> None:  # noqa: ANN001
            with transaction.atomic():
                Assessment.objects.bulk_create(
                    [
                        Assessment(
                            employee=e,
                            course=course,
                            kind="practical",
                            assessed_on=today,
                            passed=True,
                            assessor=trainer,
                            recorded_by=trainer,
                            recorded_at=datetime.datetime.now(tz=datetime.UTC),
                            source="grid",
                        )
                        for e in batch
                    ]
                )

        elapsed, _ = timed(bare)
        bare_ms.append(elapsed)
    value = percentile(service_ms, 95)
    report.add(
        Row(
            "4",
            f"grid save, 40 rows, p95 of {iterations} (service)",
            value,
            reference=percentile(bare_ms, 95),
            reference_name="bare bulk INSERT p95",
            target="p95 <= 500 ms",
            status=judge(value, limit=500, quick=quick),
            note=f"median {median(service_ms):.0f} ms; course {course.code}",
        )
    )


# --- 3. Pages under load ---------------------------------------------------------------------------

PAGE_CANDIDATES: dict[str, list[tuple[str, Callable]]] = {
    # label: [(url name, kwargs builder(plant, line))]; the first that reverses is used.
    "plant dashboard": [
        ("dashboard:plant", lambda p, _l: {"code": p.code}),
        ("dashboard_plant", lambda p, _l: {"code": p.code}),
        ("assessments:dashboard_plant", lambda p, _l: {"code": p.code}),
    ],
    "line page": [
        ("dashboard:line", lambda p, line: {"code": p.code, "line_code": line.code}),
        ("dashboard_line", lambda p, line: {"code": p.code, "line_code": line.code}),
        ("dashboard:line", lambda _p, line: {"pk": line.pk}),
    ],
    "readiness API": [
        ("api:plant_readiness", lambda p, _l: {"code": p.code}),
        ("api_plant_readiness", lambda p, _l: {"code": p.code}),
        ("api:readiness", lambda p, _l: {"code": p.code}),
    ],
}


def _page_url(label: str, plant, line) -> str | None:  # noqa: ANN001
    from django.urls import NoReverseMatch, reverse

    for name, kwargs in PAGE_CANDIDATES[label]:
        try:
            return reverse(name, kwargs=kwargs(plant, line))
        except NoReverseMatch:
            continue
    return None


def _query_count(client, url: str) -> tuple[int, int]:  # noqa: ANN001
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


# --- 2. Incremental roll-up ------------------------------------------------------------------------


def _completing_passes(plant, trainer, today: datetime.date) -> list[tuple]:  # noqa: ANN001
    """(employee, station, course) where one practical pass by this trainer completes the employee's
    qualification for their own station: they hold every plant-wide course and all but this one of the
    station's own courses, and the course needs no theory or a theory pass still within its validity.
    """
    from collections import defaultdict

    from assessments.models import Certification
    from assessments.validity import add_months
    from courses.models import Course, Requirement
    from employees.models import Employee

    courses = {
        c.id: c
        for c in Course.objects.filter(
            is_active=True, needs_practical=True, prerequisites__isnull=True, trainer_authorisations__user=trainer
        )
    }
    plant_wide = set(
        Requirement.objects.filter(scope="plant", plant=plant, course__is_active=True).values_list(
            "course_id", flat=True
        )
    )
    own = defaultdict(set)
    for station_id, course_id in Requirement.objects.filter(
        scope="station", station__line__plant=plant, course__is_active=True
    ).values_list("station_id", "course_id"):
        own[station_id].add(course_id)
    held, theory = defaultdict(set), {}
    for employee_id, course_id, certified_on, expires_on, theory_on in Certification.objects.filter(
        employee__plant=plant
    ).values_list("employee_id", "course_id", "certified_on", "expires_on", "theory_passed_on"):
        if certified_on and certified_on <= today and (expires_on is None or expires_on > today):
            held[employee_id].add(course_id)
        theory[(employee_id, course_id)] = theory_on
    found = []
    for employee in Employee.objects.filter(
        plant=plant, status="active", hire_date__lte=today, station__isnull=False
    ).select_related("plant"):
        missing = own[employee.station_id] - plant_wide - held[employee.id]
        if not plant_wide <= held[employee.id] or len(missing) != 1:
            continue
        course = courses.get(next(iter(missing)))
        if course is None:
            continue
        theory_on = theory.get((employee.id, course.id))
        if course.needs_theory and not (
            theory_on and (course.validity_months is None or add_months(theory_on, course.validity_months) > today)
        ):
            continue
        found.append((employee, employee.station_id, course))
    return found


def _one_result_batches(*, count: int, seed: int) -> list[tuple[list, object, int]]:
    """`count` one-row batches (rows, trainer, station): a practical pass dated today, recorded by a trainer
    authorised for the course, each for another active employee, in a course their own station requires.

    Passes that complete the employee's qualification for their station come first (plants in code
    order): the heaviest drain, which also recounts the station's coverage. If the dataset has too few,
    the rest are passes in a course the station requires, on the first plant.
    """
    from django.contrib.auth import get_user_model

    from assessments.services import ResultInput
    from courses.models import Course, Requirement
    from employees.models import Employee, Plant

    rng = random.Random(seed)

    def batch(employee, course, trainer, station_id: int) -> tuple[list, object, int]:  # noqa: ANN001
        row = ResultInput(
            employee=employee,
            course=course,
            kind="practical",
            assessed_on=_today(employee.plant),
            assessor=trainer,
            passed=True,
        )
        return [row], trainer, station_id

    batches, used = [], set()
    plants = list(Plant.objects.filter(is_active=True).order_by("code"))
    for plant in plants:
        if len(batches) >= count:
            break
        trainer = get_user_model().objects.get(username=f"trainer-{plant.code.lower()}")
        found = _completing_passes(plant, trainer, _today(plant))
        rng.shuffle(found)
        for employee, station_id, course in found[: count - len(batches)]:
            batches.append(batch(employee, course, trainer, station_id))
            used.add(employee.id)
    if len(batches) < count:
        plant = plants[0]
        trainer = get_user_model().objects.get(username=f"trainer-{plant.code.lower()}")
        courses = Course.objects.filter(
            is_active=True, needs_practical=True, prerequisites__isnull=True, trainer_authorisations__user=trainer
        )
        by_station: dict[int, list] = {}
        for requirement in (
            Requirement.objects.filter(scope="station", station__line__plant=plant, course__in=courses)
            .select_related("course")
            .order_by("station_id", "course__code")
        ):
            by_station.setdefault(requirement.station_id, []).append(requirement.course)
        employees = list(
            Employee.objects.filter(
                plant=plant, status="active", hire_date__lte=_today(plant), station_id__in=by_station
            )
            .exclude(id__in=used)
            .exclude(assessments__assessed_on=_today(plant))  # an earlier run's pass would be a duplicate
            .select_related("plant")
            .order_by("id")[:2000]
        )
        for employee in rng.sample(employees, count - len(batches)):
            batches.append(batch(employee, rng.choice(by_station[employee.station_id]), trainer, employee.station_id))
    return batches


def _ensure_current(plant_ids: set[int]) -> None:
    """A roll-up for today of these plants, so the incremental path (not a full recompute) is measured."""
    from assessments import rollup
    from assessments.models import ReadinessState
    from employees.models import Plant

    for plant in Plant.objects.filter(id__in=plant_ids):
        state = ReadinessState.objects.filter(plant=plant).first()
        if state is None or state.on_date != _today(plant):
            rollup.plant_recompute(plant_id=plant.id)


@contextlib.contextmanager
def celery_worker(*, env: dict[str, str], log_path: Path) -> Iterator[None]:
    """A real Celery worker on the bench database and Redis; always stopped on exit."""
    venv_bin = Path(sys.executable).parent
    command = [
        str(venv_bin / "celery"),
        "-A",
        "certtrack",
        "worker",
        "--pool=solo",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=bench-{os.getpid()}@%h",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            from certtrack.celery import app

            deadline = time.monotonic() + 60
            while not app.control.ping(destination=[f"bench-{os.getpid()}@{socket.gethostname()}"], timeout=1):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Celery worker did not start; see {log_path}")
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def incremental_rollup(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    try:
        _feature("assessments.rollup", "employees_recompute", "drain_marks")
    except FeatureMissing as missing:
        report.skip("2", "incremental roll-up after one assessment", f"not available yet: {missing}")
        report.skip("2", "save-to-dashboard p95 (worker + Redis)", f"not available yet: {missing}")
        return
    from assessments import rollup
    from assessments.models import EmployeeReadiness, ReadinessMark, StationQualification
    from assessments.services import assessments_record
    from bench.reference import employee_readiness

    # (a) takes 40 samples: with 20, the p95 was the slowest run or the one before it, so one stall of
    # this shared machine's CPU decided the figure. (b) polls a worker and keeps 20.
    iterations = 5 if quick else 20
    own_iterations = 5 if quick else 40
    batches = _one_result_batches(count=1 + own_iterations + iterations, seed=11)
    warm_up, own_batches, worker_batches = batches[0], batches[1 : 1 + own_iterations], batches[1 + own_iterations :]
    _ensure_current({rows[0].employee.plant_id for rows, _trainer, _station in batches})
    ReadinessMark.objects.all().delete()  # a clean outbox: each drain below handles exactly one mark

    # (a) The task's own time: drain the one mark of one recorded assessment, in this process. The
    # on-commit enqueue goes to Redis with no worker listening; Redis is flushed before (b). One drain
    # first, not timed, as a worker that has run before (the first one in a process loads code and
    # fills caches: like wrk's warm-up request in section 3).
    assessments_record(rows=warm_up[0], recorded_by=warm_up[1], source="grid")
    rollup.drain_marks(time_budget_seconds=10)
    task_ms, reference_ms, completed = [], [], 0
    for rows, trainer, station_id in own_batches:
        assessments_record(rows=rows, recorded_by=trainer, source="grid")
        elapsed, processed = timed(lambda: rollup.drain_marks(time_budget_seconds=10))
        if processed != 1:
            raise RuntimeError(f"expected one mark drained, got {processed}")
        task_ms.append(elapsed)
        employee = rows[0].employee
        completed += StationQualification.objects.filter(employee=employee, station_id=station_id).exists()
        day = _today(employee.plant)
        elapsed, _ = timed(lambda employee=employee, day=day: employee_readiness(employee_id=employee.id, on_date=day))
        reference_ms.append(elapsed)
    value = percentile(task_ms, 95)
    report.add(
        Row(
            "2",
            f"incremental roll-up, 1 mark, p95 of {own_iterations}",
            value,
            reference=percentile(reference_ms, 95),
            reference_name="ref SQL, 1 employee p95",
            target="<= 50 ms",
            status=judge(value, limit=50, quick=quick),
            note=f"median {median(task_ms):.1f} ms (rollup.drain_marks: employee, stations, line, plant); "
            f"{completed} of {own_iterations} passes completed a station qualification",
        )
    )

    # (b) Save to dashboard: a real worker drains what the save enqueued on commit.
    if env.get("BENCH_REDIS_OK") != "1":
        report.skip("2", "save-to-dashboard p95 (worker + Redis)", "Redis not reachable")
        return
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    worker_env = {**env, "DB_CONN_MAX_AGE": "60"}
    latencies = []
    with celery_worker(env=worker_env, log_path=ROOT / "var" / "bench-worker.log"):
        for rows, trainer, _station_id in worker_batches:
            employee = rows[0].employee
            started = time.perf_counter()
            saved_at = timezone_now()
            assessments_record(rows=rows, recorded_by=trainer, source="grid")
            deadline = started + 30
            while not EmployeeReadiness.objects.filter(employee=employee, computed_at__gte=saved_at).exists():
                if time.perf_counter() > deadline:
                    raise RuntimeError("the roll-up did not show the save within 30 s; see var/bench-worker.log")
                time.sleep(0.01)
            latencies.append((time.perf_counter() - started) * 1000)
    value = percentile(latencies, 95)
    report.add(
        Row(
            "2",
            f"save-to-dashboard p95 of {iterations} (worker+Redis)",
            value,
            reference=percentile(task_ms, 95),
            reference_name="task's own time p95",
            target="p95 <= 2 s",
            status=judge(value, limit=2000, quick=quick),
            note=f"median {median(latencies):.0f} ms; save, on-commit enqueue, worker drain, roll-up row visible",
        )
    )


# --- 5. Roster and matrix export -------------------------------------------------------------------


def _subprocess_measure(code: str, env: dict[str, str]) -> dict:
    """Run `code` in a fresh interpreter (Django set up) and return the dict it prints as JSON last.

    `rss_mb()` there is the process's peak resident memory so far (interpreter and Django included):
    VmHWM, the high-water mark of its own address space. Not ru_maxrss: on Linux a child keeps the
    ru_maxrss of the process it was forked from across exec, so it reported the bench process's size
    (136 MB after section 3) whenever that was larger than the export's own peak.
    """
    import json

    prelude = (
        "import json, resource, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import django\ndjango.setup()\n"
        "def rss_mb():\n"
        "    try:\n"
        "        with open('/proc/self/status') as status:\n"
        "            return next(int(l.split()[1]) for l in status if l.startswith('VmHWM:')) / 1024\n"
        "    except (OSError, StopIteration):\n"
        "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "certtrack.settings"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr.strip().splitlines()[-1] if completed.stderr else "subprocess failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _plant_near(size: int):  # noqa: ANN202
    """The active plant whose employee count is closest to `size` (the largest one on a smaller dataset)."""
    from django.db.models import Count

    from employees.models import Plant

    plants = Plant.objects.filter(is_active=True).annotate(n=Count("employees")).order_by("code")
    return min(plants, key=lambda p: (abs(p.n - size), p.code))


EXPORT_PRODUCT = """
from spreadsheets.exports.roster import roster_workbook_write
from employees.models import Plant
plant = Plant.objects.get(pk={plant_id})
before = rss_mb()
started = time.perf_counter()
count = roster_workbook_write(plant=plant, target={path!r})
ms = (time.perf_counter() - started) * 1000
print(json.dumps({{"ms": ms, "rss_mb": rss_mb(), "rss_before_mb": before, "employees": count}}))
"""

# Reads back the product's workbook (not timed) so the bare writer gets exactly the same cells.
EXPORT_CELLS = """
import pickle
import openpyxl
book = openpyxl.load_workbook({path!r}, read_only=True)
sheets, cells = [], 0
for sheet in book.worksheets:
    rows = []
    for row in sheet.iter_rows():
        out = []
        for cell in row:
            if cell.value is None:
                out.append(None)
                continue
            fill = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type else None
            out.append((cell.value, fill, cell.number_format, bool(cell.font and cell.font.b)))
            cells += 1
        rows.append(out)
    sheets.append((sheet.title, rows))
with open({cells_path!r}, "wb") as handle:
    pickle.dump(sheets, handle)
print(json.dumps({{"cells": cells, "rows": sum(len(r) for _t, r in sheets)}}))
"""

EXPORT_BARE = """
import pickle
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
with open({cells_path!r}, "rb") as handle:
    sheets = pickle.load(handle)
before = rss_mb()
started = time.perf_counter()
fills, bold = {{}}, Font(bold=True)
book = Workbook(write_only=True)
for title, rows in sheets:
    sheet = book.create_sheet(title)
    for row in rows:
        out = []
        for item in row:
            if item is None:
                out.append(None)
                continue
            value, fill, number_format, is_bold = item
            cell = WriteOnlyCell(sheet, value=value)
            if fill:
                cell.fill = fills.get(fill) or fills.setdefault(fill, PatternFill("solid", fgColor=fill))
            if number_format != "General":
                cell.number_format = number_format
            if is_bold:
                cell.font = bold
            out.append(cell)
        sheet.append(out)
book.save({path!r})
ms = (time.perf_counter() - started) * 1000
print(json.dumps({{"ms": ms, "rss_mb": rss_mb(), "rss_before_mb": before}}))
"""


def _ms_list(results: list[dict]) -> str:
    return ", ".join(f"{r['ms']:,.0f}" for r in results)


def roster_export(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    name = "roster + matrix export, 5,000-employee plant"
    try:
        _feature("spreadsheets.exports.roster", "roster_workbook_write")
    except FeatureMissing as missing:
        report.skip("5", name, f"not available yet: {missing}")
        return
    import tempfile

    plant = _plant_near(5000)
    runs = 1 if quick else 2
    with tempfile.TemporaryDirectory(prefix="certtrack-bench-") as tmp:
        product_path, bare_path, cells_path = (f"{tmp}/roster.xlsx", f"{tmp}/bare.xlsx", f"{tmp}/cells.pickle")
        products = [
            _subprocess_measure(EXPORT_PRODUCT.format(plant_id=plant.id, path=product_path), env) for _ in range(runs)
        ]
        cells = _subprocess_measure(EXPORT_CELLS.format(path=product_path, cells_path=cells_path), env)
        bares = [
            _subprocess_measure(EXPORT_BARE.format(path=bare_path, cells_path=cells_path), env) for _ in range(runs)
        ]
        size_mb = os.path.getsize(product_path) / 2**20
    product = min(products, key=lambda r: r["ms"])
    bare = min(bares, key=lambda r: r["ms"])
    ratio = product["ms"] / bare["ms"]
    status = judge(ratio, limit=1.3, quick=quick)
    report.add(
        Row(
            "5",
            f"export, plant {plant.code} ({product['employees']:,} employees)",
            product["ms"],
            reference=bare["ms"],
            reference_name="bare openpyxl write-only",
            target="<= 1.3x bare",
            status=status,
            note=f"{cells['cells']:,} cells in {cells['rows']:,} rows, {size_mb:.1f} MB file; "
            f"runs {_ms_list(products)} vs {_ms_list(bares)} ms",
        )
    )
    peak = max(r["rss_mb"] for r in products)
    report.add(
        Row(
            "5",
            "export peak memory (subprocess peak RSS)",
            peak,
            unit="MB",
            reference=max(r["rss_mb"] for r in bares),
            reference_name="bare writer peak RSS",
            target="<= 200 MB",
            status=judge(peak, limit=200, quick=quick),
            note=f"RSS before the export {product['rss_before_mb']:.0f} MB (interpreter + Django); "
            "the bare writer also holds every cell in memory",
        )
    )


# --- 6. Employee import ----------------------------------------------------------------------------

IMPORT_FILE = """
import datetime
from openpyxl import Workbook
from employees.models import Employee
plant_id, total = {plant_id}, {rows}
existing = list(
    Employee.objects.filter(plant_id=plant_id).select_related("plant", "line", "station", "role")
    .order_by("employee_no")[: total // 2]
)
book = Workbook(write_only=True)
sheet = book.create_sheet("Employees")
sheet.append(["employee_no", "name", "plant", "line", "station", "role", "shift", "hire_date", "status"])
def row(e, number, name, shift):
    return [number, name, e.plant.code, e.line.code if e.line else "", e.station.code if e.station else "",
            e.role.code, shift, e.hire_date, e.status]
for i, e in enumerate(existing):  # half of them change shift: updated; the others: unchanged
    sheet.append(row(e, e.employee_no, e.name, ("B" if e.shift != "B" else "C") if i % 2 == 0 else e.shift))
for i in range(total - len(existing)):  # new employees, placed like existing ones
    e = existing[i % len(existing)]
    sheet.append(row(e, f"BENCH-IMP-{{i:06d}}", f"Bench Import {{i}}", e.shift))
book.save({path!r})
print(json.dumps({{"existing": len(existing)}}))
"""

IMPORT_RUN = """
from django.contrib.auth import get_user_model
from django.db import transaction
from spreadsheets.engine import import_run
from employees.models import Plant
from pathlib import Path
plant = Plant.objects.get(pk={plant_id})
user = get_user_model().objects.get(username="hr-" + plant.code.lower())
before = rss_mb()
started = time.perf_counter()
preview = import_run(kind="employees", path=Path({path!r}), user=user, plant=plant, commit=False, filename="e.xlsx")
preview_ms = (time.perf_counter() - started) * 1000
if not preview.ok:
    raise SystemExit(preview.as_text()[:2000])
# The commit runs to completion; the bench's outer transaction then rolls it back so the dataset stays the same.
with transaction.atomic():
    started_commit = time.perf_counter()
    done = import_run(kind="employees", path=Path({path!r}), user=user, plant=plant, commit=True, filename="e.xlsx")
    commit_ms = (time.perf_counter() - started_commit) * 1000
    transaction.set_rollback(True)
if not done.committed:
    raise SystemExit(done.as_text()[:2000])
print(json.dumps({{"preview_ms": preview_ms, "commit_ms": commit_ms, "rss_mb": rss_mb(), "rss_before_mb": before,
                  "counts": done.counts()}}))
"""


def employee_import(report: Report, *, quick: bool, env: dict[str, str]) -> None:
    name = "employee import, 10,000 rows, preview + commit"
    try:
        _feature("spreadsheets.engine", "import_run")
        _feature("spreadsheets.importers.employees", "EmployeeImporter")
    except FeatureMissing as missing:
        report.skip("6", name, f"not available yet: {missing}")
        return
    import tempfile

    plant = _plant_near(5000)
    with tempfile.TemporaryDirectory(prefix="certtrack-bench-") as tmp:
        path = f"{tmp}/employees.xlsx"
        _subprocess_measure(IMPORT_FILE.format(plant_id=plant.id, rows=10_000, path=path), env)
        result = _subprocess_measure(IMPORT_RUN.format(plant_id=plant.id, path=path), env)
    total = (result["preview_ms"] + result["commit_ms"]) / 1000
    counts = result["counts"]
    report.add(
        Row(
            "6",
            name,
            total,
            unit="s",
            target="<= 30 s",
            status=judge(total, limit=30, quick=quick),
            note=f"preview {result['preview_ms'] / 1000:.1f} s + commit {result['commit_ms'] / 1000:.1f} s; "
            f"{counts['created']:,} created, {counts['updated']:,} updated, {counts['unchanged']:,} unchanged "
            f"(plant {plant.code}; commit rolled back afterwards)",
        )
    )
    report.add(
        Row(
            "6",
            "import peak memory (subprocess peak RSS)",
            result["rss_mb"],
            unit="MB",
            target="<= 300 MB",
            status=judge(result["rss_mb"], limit=300, quick=quick),
            note=f"RSS before the import {result['rss_before_mb']:.0f} MB (interpreter + Django)",
        )
    )


SECTIONS = {
    "1": ("full roll-up vs reference SQL", full_rollup, False),
    "2": ("incremental roll-up", incremental_rollup, True),
    "3": ("pages under load", pages_under_load, True),
    "4": ("results grid save", grid_save, False),
    "5": ("roster and matrix export", roster_export, True),
    "6": ("employee import", employee_import, True),
}

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
