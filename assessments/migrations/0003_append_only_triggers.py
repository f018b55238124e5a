"""On PostgreSQL the database itself keeps assessments and audit events append-only.

- assessments: INSERT, and one UPDATE that voids a not-yet-voided row (only the
  voided_* fields and void_reason may change); any other UPDATE and every DELETE
  raise an exception.
- audit events: INSERT only.

SQLite has no such triggers here; there the service layer is the only write path.
"""

from __future__ import annotations

from django.db import migrations

ASSESSMENT_GUARD = """
CREATE OR REPLACE FUNCTION certtrack_assessment_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'assessments are append-only: DELETE refused (void the entry instead)' USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.voided_at IS NOT NULL THEN
        RAISE EXCEPTION 'assessment % is voided and can no longer change', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.employee_id, NEW.course_id, NEW.kind, NEW.assessed_on, NEW.score, NEW.passed,
        NEW.checklist_notes, NEW.notes, NEW.attempt, NEW.assessor_id, NEW.recorded_by_id,
        NEW.recorded_at, NEW.session_id, NEW.source)
       IS DISTINCT FROM
       (OLD.employee_id, OLD.course_id, OLD.kind, OLD.assessed_on, OLD.score, OLD.passed,
        OLD.checklist_notes, OLD.notes, OLD.attempt, OLD.assessor_id, OLD.recorded_by_id,
        OLD.recorded_at, OLD.session_id, OLD.source) THEN
        RAISE EXCEPTION 'assessments are append-only: result fields of % cannot be updated', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assessment_append_only
    BEFORE UPDATE OR DELETE ON assessments_assessment
    FOR EACH ROW EXECUTE FUNCTION certtrack_assessment_guard();

CREATE OR REPLACE FUNCTION certtrack_audit_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON assessments_auditevent
    FOR EACH ROW EXECUTE FUNCTION certtrack_audit_guard();
"""

DROP_GUARDS = """
DROP TRIGGER IF EXISTS assessment_append_only ON assessments_assessment;
DROP TRIGGER IF EXISTS audit_event_append_only ON assessments_auditevent;
DROP FUNCTION IF EXISTS certtrack_assessment_guard();
DROP FUNCTION IF EXISTS certtrack_audit_guard();
"""


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ASSESSMENT_GUARD, params=None)


def uninstall(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GUARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_initial")]
    operations = [migrations.RunPython(install, uninstall)]
