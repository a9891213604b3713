-- Who changed an opportunity last, so a conflicting move can say who got there first.
ALTER TABLE opportunities ADD COLUMN updated_by INTEGER REFERENCES users(id);
-- The board reads open opportunities by stage and closed ones by close date.
CREATE INDEX opportunities_stage_close ON opportunities(stage_id, expected_close_on);
CREATE INDEX opportunities_closed_on ON opportunities(closed_on);
-- A deleted stage is archived, not removed: the history of every opportunity that passed
-- through it keeps its name. Archived stages leave the ordering (position = -id).
ALTER TABLE stages ADD COLUMN archived_at TEXT;
