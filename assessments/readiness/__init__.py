"""Readiness: the outbox of marks, the roll-up into the current tables and snapshots, and the
dashboards that read them."""
