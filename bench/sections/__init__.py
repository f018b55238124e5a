"""The benchmark sections: the six of issue #7, the gate's of issue #17 (7, alias `gate`), the forecast's
and the suggested plan's of issue #18 (8, alias `planning`; 9, alias `suggest`), the expiry reminders' of issue #19 (10,
alias `reminders`) and the queues' and the read replica's of issue #20 (11, alias `queues`;
12, alias `replica`), one module each. Each one
measures a feature beside a bare reference in the same run, and reports "not available yet" when the feature
is not in this checkout.

SECTIONS maps a section's number to (title, function, whether it takes the bench's environment); ALIASES
maps a name `--sections` also takes to its number.
"""

from __future__ import annotations

import os

from bench.sections.export import roster_export
from bench.sections.gate import gate_figures
from bench.sections.grid import grid_save
from bench.sections.import_ import employee_import
from bench.sections.incremental import incremental_rollup
from bench.sections.pages import pages_under_load
from bench.sections.planning import planning_figures
from bench.sections.queues import rollup_beside_exports
from bench.sections.reminders import reminder_figures
from bench.sections.replica import TITLE as REPLICA_TITLE
from bench.sections.replica import replica_pages
from bench.sections.rollup import full_rollup
from bench.sections.suggest import suggest_figures

SECTIONS = {
    "1": ("full roll-up vs reference SQL", full_rollup, False),
    "2": ("incremental roll-up", incremental_rollup, True),
    "3": ("pages under load", pages_under_load, True),
    "4": ("results grid save", grid_save, False),
    "5": ("roster and matrix export", roster_export, True),
    "6": ("employee import", employee_import, True),
    "7": ("station gate: one check, throughput, bulk 500", gate_figures, True),
    "8": ("forecast: every line to SOP, cached page", planning_figures, False),
    "9": ("suggested plan: whole largest plant, vs baseline", suggest_figures, False),
    "10": ("expiry reminders: every plant's daily job (locmem email)", reminder_figures, False),
    "11": ("roll-up during exports: one queue vs queues per workload", rollup_beside_exports, True),
    "12": (REPLICA_TITLE, replica_pages, True),
}
ALIASES = {
    "gate": "7",
    "planning": "8",
    "suggest": "9",
    "planning-suggest": "9",
    "reminders": "10",
    "queues": "11",
    "replica": "12",
}

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
