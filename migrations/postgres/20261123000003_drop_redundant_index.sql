-- opportunities_stage_close (stage_id, expected_close_on) serves every lookup by stage, so the
-- single-column index only cost a second index update on every move.
DROP INDEX opportunities_stage;
