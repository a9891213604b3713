-- A real company (issue 17): the first admin set up once, people who join and leave, units
-- that open and close, one-time links for passwords, an audit trail of organisation changes,
-- and sign-in failures counted per address and per client.

-- People who left: they cannot sign in and nothing acts as them, but their history stays.
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
-- Raised when the password changes or the person is deactivated: every session that carries
-- an older number is over.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN manager_id INTEGER REFERENCES users(id);
ALTER TABLE org_units ADD COLUMN closed_at TEXT;

-- Exactly one row once the company and its first admin exist: a second setup cannot insert it.
CREATE TABLE installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    company     TEXT NOT NULL,
    set_up_at   TEXT NOT NULL
);

-- One-time links: the first start's setup link, a new person's invitation, a password reset.
CREATE TABLE one_time_links (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- SHA-256 of the token, hex; the link itself is shown once.
    token_hash  TEXT NOT NULL UNIQUE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('setup', 'invite', 'reset')),
    user_id     INTEGER REFERENCES users(id),
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    used_at     TEXT
);
CREATE INDEX one_time_links_user ON one_time_links(user_id);

-- Who changed the organisation or its people, when, and what it was before and after (JSON).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users(id),
    entity      TEXT NOT NULL CHECK (entity IN ('org_unit', 'user')),
    entity_id   BIGINT NOT NULL,
    action      TEXT NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, at);

-- Failed sign-ins per (address, client) and per client over all addresses (email '*'):
-- guessing one address from one client slows that pair down, not the owner elsewhere.
DROP TABLE login_failures;
CREATE TABLE sign_in_failures (
    email           TEXT NOT NULL,
    client          TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    blocked_until   TEXT,
    PRIMARY KEY (email, client)
);
CREATE INDEX sign_in_failures_age ON sign_in_failures(last_failure_at);
