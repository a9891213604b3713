-- Issue 20: reps record their work. An activity gets e-mail as a kind, an outcome and a next
-- step with a due date (done when ticked off); a customer gets an estimated annual potential.
ALTER TABLE activities DROP CONSTRAINT activities_kind_check;
ALTER TABLE activities ADD CONSTRAINT activities_kind_check
    CHECK (kind IN ('visit', 'call', 'initial_contact', 'meeting', 'email'));
ALTER TABLE activities ADD COLUMN outcome TEXT
    CHECK (outcome IN ('reached', 'not_reached', 'follow_up', 'order_taken', 'not_interested'));
ALTER TABLE activities ADD COLUMN next_step TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN next_step_due DATE;
ALTER TABLE activities ADD COLUMN next_step_done_at TIMESTAMPTZ;
CREATE INDEX activities_next_steps ON activities(user_id, next_step_due)
    WHERE next_step_done_at IS NULL AND next_step_due IS NOT NULL;
ALTER TABLE customers ADD COLUMN potential_minor BIGINT;
