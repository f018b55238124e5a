"""The services of assessments: every write of results, certifications, sessions and audit events, by entity."""
