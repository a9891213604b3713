-- Several instances on one database behave as one (issue 18).
--
-- A change that can end an API token's rights (a revocation; a person's role, unit or standing)
-- bumps this number in its own transaction. Every process compares the number its cached token
-- resolutions were made under with the current one, so a revoked token stops at once on every
-- instance, not after the cache's 30 s.
CREATE TABLE token_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO token_generation (id, generation) VALUES (1, 0);

-- The daily snapshot is claimed before it is computed, so of several instances waking after
-- midnight one takes it; a claim left by an instance that died is taken over after 10 minutes.
CREATE TABLE snapshot_claims (
    day        TEXT PRIMARY KEY,
    claimed_at TEXT NOT NULL
);
-- How many times a day's snapshot was stored: 1, unless someone retook it on purpose.
ALTER TABLE snapshot_runs ADD COLUMN runs INTEGER NOT NULL DEFAULT 1;
