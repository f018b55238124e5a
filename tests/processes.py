"""Real Celery workers and gunicorn servers started by a test, on 127.0.0.1, and stopped by it.

They run on the test database (pytest-django's test_<NAME>, PostgreSQL) and on REDIS_URL under a broker key
prefix of the test's own (CELERY_BROKER_KEY_PREFIX): CI's worker, which serves every queue of REDIS_URL,
never sees their messages, nor they CI's. `broker_prefixed` points this process's Celery app at the same
prefix, so what the test sends reaches the workers it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def wait_for(predicate, *, seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def test_database_url() -> str:
    """postgres:// URL of the database this test runs on (the test database)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(*, prefix: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        # The worker closes its connection after each task, so pytest can drop the test database.
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_KEY_PREFIX": prefix,
        "CACHE_URL": settings.CACHE_URL,
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def new_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}:"


@contextlib.contextmanager
def broker_prefixed(prefix: str) -> Iterator[None]:
    """This process's Celery app sends under `prefix` (not eager), as the started workers read."""
    from certtrack.celery import app

    saved = (app.conf.broker_transport_options, app.conf.task_always_eager)

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_transport_options = {**saved[0], "global_keyprefix": prefix}
    app.conf.task_always_eager = False
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_transport_options, app.conf.task_always_eager = saved
        reset_pools()
        purge_prefix(prefix)


def purge_prefix(prefix: str) -> None:
    """Delete every broker key the test's workers left under its prefix."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


class Started:
    """A started process, its log, and how to stop it (SIGTERM, then SIGKILL of its process group)."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._log_handle = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own programs, our own arguments
            args, cwd=ROOT, env=env, stdout=self._log_handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, marker: str, *, seconds: float = 60) -> None:
        if not wait_for(lambda: marker in self.output() or self.process.poll() is not None, seconds=seconds):
            self.stop()
            raise AssertionError(f"{self.name} did not start within {seconds} s:\n{self.output()[-3000:]}")
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.output()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log_handle.close()


def celery_worker(
    name: str, *, queues: list[str] | None, prefix: str, log_dir: Path, concurrency: int = 1, include: str = ""
) -> Started:
    """A worker serving `queues` (None: every queue, as `make worker`), ready when this returns."""
    args = [
        str(VENV_BIN / "celery"),
        "-A",
        "certtrack",
        "worker",
        "--loglevel=INFO",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        f"--hostname={name}-{uuid.uuid4().hex[:6]}@127.0.0.1",
        "--without-gossip",
        "--without-mingle",
    ]
    if queues:
        args.append(f"--queues={','.join(queues)}")
    if include:
        args.append(f"--include={include}")
    worker = Started(name, args, env=process_env(prefix=prefix), log=log_dir / f"{name}.log")
    worker.wait_ready(" ready.")
    return worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_server(name: str, *, prefix: str, log_dir: Path, workers: int = 2) -> tuple[Started, str]:
    """A gunicorn server of certtrack on a free loopback port; returns it and its base URL."""
    port = free_port()
    args = [
        str(VENV_BIN / "gunicorn"),
        "certtrack.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--timeout=60",
    ]
    env = process_env(prefix=prefix, DEBUG="1", ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0")
    server = Started(name, args, env=env, log=log_dir / f"{name}.log")
    server.wait_ready("Booting worker")

    def answers() -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
        return False

    if not wait_for(answers, seconds=30):
        server.stop()
        raise AssertionError(f"{name} does not answer on port {port}:\n{server.output()[-3000:]}")
    return server, f"http://127.0.0.1:{port}"
