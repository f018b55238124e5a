"""Pages under load: gunicorn on a free loopback port, loaded by wrk for a bounded time."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
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


def _get(port: int, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


# wrk's Lua hook: one line of JSON with the path's percentiles (wrk measures in microseconds).
WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"p50": %.3f, "p95": %.3f, "requests": %d, "errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk_script(paths: list[str] | None = None) -> str:
    """The Lua script of one wrk process: the figures hook, and with `paths` a request hook that walks the
    list in its (pregenerated, e.g. shuffled) order, one path per request, wrapping around. Headers given
    with -H (wrk.headers) are sent with every request."""
    if not paths:
        return WRK_SCRIPT
    table = ",\n".join(json.dumps(path) for path in paths)  # an ASCII JSON string is a valid Lua string
    request = f"""
paths = {{
{table}
}}
local next_path = 0
request = function()
  next_path = next_path % #paths + 1
  return wrk.format(nil, paths[next_path])
end
"""
    return request + WRK_SCRIPT


@dataclass
class PathLoad:
    """One path's figures from its wrk process (milliseconds)."""

    p50: float
    p95: float
    requests: int
    errors: int


@dataclass
class LoadResult:
    paths: dict[str, PathLoad] = field(default_factory=dict)
    clients: int = 0
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(p.requests for p in self.paths.values())


def run_load(
    *,
    port: int,
    paths: dict[str, tuple[str | list[str], dict[str, str]]],
    clients: int = 20,
    seconds: int = 20,
) -> LoadResult:
    """wrk (closed loop, no think time) on every path at once: `clients` connections shared out between paths.

    paths: {label: (path, request headers)}; a list of paths instead of one: each request takes the next
    of the list (random pairs, pregenerated). One wrk process per label runs for the same `seconds`, so
    every label is measured under the same total load; one warm-up request per label is not counted.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    for path, headers in paths.values():  # warm-up: first hits compile templates and fill caches
        _get(port, path if isinstance(path, str) else path[0], headers)
    labels = list(paths)
    per_path = [clients // len(labels) + (1 if n < clients % len(labels) else 0) for n in range(len(labels))]
    scripts: list[str] = []
    processes: dict[str, subprocess.Popen] = {}
    try:
        for label, connections in zip(labels, per_path, strict=True):
            path, headers = paths[label]
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(wrk_script(None if isinstance(path, str) else list(path)))
            scripts.append(script.name)
            command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", script.name]
            for name, value in headers.items():
                command += ["-H", f"{name}: {value}"]
            command.append(f"http://127.0.0.1:{port}{path if isinstance(path, str) else path[0]}")
            processes[label] = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        result = LoadResult(clients=clients, seconds=seconds)
        for label, process in processes.items():
            output, _ = process.communicate(timeout=seconds + 60)
            line = next((row for row in output.splitlines() if row.startswith("WRK ")), None)
            if line is None:
                raise RuntimeError(f"wrk gave no figures for {label}: {output[-500:]}")
            result.paths[label] = PathLoad(**json.loads(line.removeprefix("WRK ")))
        return result
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        for name in scripts:
            os.unlink(name)


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
