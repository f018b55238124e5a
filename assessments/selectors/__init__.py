"""The selectors of assessments: reads of results, certifications, sessions and the audit log, one module per entity."""
