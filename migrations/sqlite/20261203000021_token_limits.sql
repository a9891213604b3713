-- Issue 25: a token can be read-only (a BI tool's: every write is refused with 403) and can
-- expire (the creator picks when; NULL: never). Resolving a token checks both.
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
