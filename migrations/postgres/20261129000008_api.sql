-- The integration API (issue 8): named tokens with the rights of a role and an org scope, and
-- activities that a client can resend without counting twice.

CREATE TABLE api_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL,
    -- SHA-256 of the token, hex. The token itself is shown once and never stored.
    token_hash    TEXT NOT NULL UNIQUE,
    -- The token's last four characters, so people can tell their tokens apart.
    hint          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    -- Whom the token acts as (owner of what it creates; a rep token sees this rep's records).
    user_id       BIGINT NOT NULL REFERENCES users(id),
    -- The part of the organisation a manager token sees.
    org_unit_id   BIGINT NOT NULL REFERENCES org_units(id),
    created_by    BIGINT NOT NULL REFERENCES users(id),
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_created_by ON api_tokens(created_by);

ALTER TABLE activities ADD COLUMN client_id TEXT;
-- Each user's (or token's) own ids: two systems numbering their calls alike do not collide.
CREATE UNIQUE INDEX activities_client_id ON activities(user_id, client_id);
