-- audit_events is append-only: no row is ever changed. DELETE stays allowed, for the retention
-- purge of the Cron Trigger (src/audit/purge.ts). A trigger, not a REVOKE, so it also holds for
-- the table owner (the role the Worker connects as).
CREATE FUNCTION audit_events_reject_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: UPDATE is not allowed'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_update();
