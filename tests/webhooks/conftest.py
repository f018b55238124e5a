"""Fixtures of the webhooks tests: a real HTTP receiver on loopback, and subscriptions.

The receiver is http.server in a thread on 127.0.0.1 and a free port, stopped when the test ends. It
verifies every request's signature with the standardwebhooks library (as a receiver would) and answers
from a script: a status code, or "timeout" (it sleeps past WEBHOOK_TIMEOUT_SECONDS, then answers 200).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.assessments.conftest import worked_example, worked_example_2  # noqa: F401 (fixtures)
from webhooks.models import WebhookSubscription


@dataclass
class Received:
    headers: dict[str, str]
    body: dict | None
    verified: bool


@dataclass
class Receiver:
    secret: str = ""
    script: list = field(default_factory=list)  # answers to give, in order; then 200
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    sleep_seconds: float = 2.0

    def next_answer(self) -> int | str:
        return self.script.pop(0) if self.script else 200

    @property
    def event_ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = Webhook(state.secret).verify(raw, headers)
                verified = True
            except WebhookVerificationError:
                body, verified = json.loads(raw), False
            state.requests.append(Received(headers=headers, body=body, verified=verified))
            answer = state.next_answer()
            if answer == "timeout":
                time.sleep(state.sleep_seconds)
                answer = 200
            payload = b'{"ok": true}' if answer < 300 else b"receiver is down"
            try:
                self.send_response(answer)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the sender gave up (timeout) and closed the connection
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def subscribe(admin_user):
    def make(url: str, *, plants=(), types=(), active: bool = True) -> WebhookSubscription:
        subscription = WebhookSubscription.objects.create(
            url=url, event_types=list(types), is_active=active, created_by=admin_user
        )
        subscription.plants.set(plants)
        return subscription

    return make


@pytest.fixture
def fast_retries(settings):
    """Retries due at once (the sweep sends them at its next run), and a short timeout."""
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [0, 0, 0]
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
