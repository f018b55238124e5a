"""What several sections share: the checkout's root, the feature probe, a plant's today, the plant of a
given size, and the subprocess that runs a probe of bench/probes.py.
"""

from __future__ import annotations

import datetime
import importlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.harness import FeatureMissing

ROOT = Path(__file__).resolve().parents[2]


def feature(module: str, *names: str) -> Callable:
    """The first of `names` found in `module`, or FeatureMissing."""
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        raise FeatureMissing(f"{module} is not in this checkout") from exc
    for name in names:
        if callable(getattr(found, name, None)):
            return getattr(found, name)
    raise FeatureMissing(f"{module} has no {' / '.join(names)} yet")


def local_today(plant) -> datetime.date:
    return plant.local_today()


def plant_near(size: int):
    """The active plant whose employee count is closest to `size` (the largest one on a smaller dataset)."""
    from django.db.models import Count

    from employees.models import Plant

    plants = Plant.objects.filter(is_active=True).annotate(n=Count("employees")).order_by("code")
    return min(plants, key=lambda p: (abs(p.n - size), p.code))


def probe_measure(probe: str, *args: str, env: dict[str, str]) -> dict:
    """Run `python -m bench.probes <probe> <args>` in a fresh interpreter and return the dict it prints as
    JSON last.

    A fresh process, so that the probe's `rss_mb` reads the peak resident memory of its own work
    (interpreter and Django included): VmHWM, the high-water mark of its own address space.
    """
    completed = subprocess.run(
        [sys.executable, "-m", "bench.probes", probe, *args],
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
