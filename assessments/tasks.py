"""The assessments app's Celery tasks: the readiness roll-up's, which live in assessments/readiness/tasks.py.

Celery's autodiscovery imports only `<app>.tasks`, and a web process sending a task imports the
module its name gives (certtrack.queue, certtrack.claims): the roll-up tasks keep their names
`assessments.tasks.readiness_*`, so this module imports theirs to register them.
"""

from __future__ import annotations

from assessments.readiness import tasks as readiness_tasks

__all__ = ["readiness_tasks"]
