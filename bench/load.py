"""Pages under load: gunicorn on a free loopback port and a bounded, threaded HTTP client."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz on port {port} within {timeout:.0f} s")


@contextlib.contextmanager
def gunicorn(*, env: dict[str, str], workers: int = 4, log_path: Path) -> Iterator[int]:
    """Run gunicorn (production settings, DEBUG off) on a free loopback port; always stopped on exit."""
    port = free_port()
    venv_bin = Path(sys.executable).parent
    command = [
        str(venv_bin / "gunicorn"),
        "certtrack.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for(port, timeout=60)
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@dataclass
class LoadResult:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: int = 0
    seconds: float = 0.0


def _get(port: int, path: str, cookie: str | None) -> tuple[int, float]:
    headers = {"Cookie": cookie} if cookie else {}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    finally:
        conn.close()
    return status, (time.perf_counter() - started) * 1000


def run_load(
    *, port: int, paths: dict[str, tuple[str, str | None]], clients: int = 20, rounds: int = 10, seed: int = 1
) -> LoadResult:
    """`clients` threads each request every path `rounds` times, in a shuffled order; bounded, no duration loop.

    paths: {label: (path, cookie header or None)}. Every label is measured under the same mixed load.
    """
    result = LoadResult()
    lock = threading.Lock()
    labels = list(paths)

    for label in labels:  # warm-up: first hits compile templates and fill caches; not counted
        _get(port, *paths[label])

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        plan = labels * rounds
        rng.shuffle(plan)
        for label in plan:
            path, cookie = paths[label]
            try:
                status, elapsed = _get(port, path, cookie)
            except OSError:
                status, elapsed = 0, 0.0
            with lock:
                result.requests += 1
                if status == 200:
                    result.latencies_ms[label].append(elapsed)
                else:
                    result.errors[label] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    result.seconds = time.perf_counter() - started
    return result


def production_env(base: dict[str, str]) -> dict[str, str]:
    """The environment of a production-like web process on loopback (DEBUG off, no TLS redirect)."""
    return {
        **base,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "PYTHONUNBUFFERED": "1",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
