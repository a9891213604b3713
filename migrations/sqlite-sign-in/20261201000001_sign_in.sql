-- The SQLite file signing in writes to (issue 18), kept apart from the main database so a long
-- import holding the main file's write lock never makes a sign-in wait. The same tables as in
-- the main schema (migrations 9 and 11), without the reference to users: the user lives in the
-- other file, and a device of a removed user simply never matches a sign-in again.
-- Postgres keeps these tables in its one database.

CREATE TABLE sign_in_failures (
    email           TEXT NOT NULL,
    client          TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    blocked_until   TEXT,
    PRIMARY KEY (email, client)
);
CREATE INDEX sign_in_failures_age ON sign_in_failures(last_failure_at);

CREATE TABLE known_devices (
    -- SHA-256 of the cookie's token, hex.
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices(user_id);

-- One row once sessions, devices and failures have been moved over from the main file (an
-- installation from before this file); until then every start tries again.
CREATE TABLE carried_over (
    done INTEGER PRIMARY KEY CHECK (done = 1)
);
