-- Issue 20: reps record their work. An activity gets e-mail as a kind, an outcome and a next
-- step with a due date (done when ticked off); a customer gets an estimated annual potential.
--
-- SQLite cannot change a CHECK, so `activities` is rebuilt. Check-ins reference it and sqlx
-- runs this in a transaction (where foreign keys cannot be switched off), so `check_ins` is
-- rebuilt beside it, pointing at the new table: when the old tables go, nothing refers to
-- them, and renaming `activities_new` makes the new check-ins refer to `activities`.
CREATE TABLE activities_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    kind              TEXT NOT NULL CHECK (kind IN ('visit', 'call', 'initial_contact', 'meeting', 'email')),
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    occurred_at       TEXT NOT NULL,
    notes             TEXT NOT NULL DEFAULT '',
    planned           BOOLEAN NOT NULL DEFAULT FALSE,
    client_id         TEXT,
    outcome           TEXT CHECK (outcome IN ('reached', 'not_reached', 'follow_up', 'order_taken', 'not_interested')),
    next_step         TEXT NOT NULL DEFAULT '',
    next_step_due     TEXT,
    next_step_done_at TEXT
);
INSERT INTO activities_new (id, kind, customer_id, user_id, occurred_at, notes, planned, client_id)
SELECT id, kind, customer_id, user_id, occurred_at, notes, planned, client_id FROM activities;

CREATE TABLE check_ins_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id      TEXT NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    activity_id    INTEGER NOT NULL REFERENCES activities_new(id),
    device_time    TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    lat            DOUBLE PRECISION,
    lon            DOUBLE PRECISION,
    accuracy_m     DOUBLE PRECISION,
    distance_m     DOUBLE PRECISION,
    verification   TEXT NOT NULL CHECK (verification IN ('verified', 'outside', 'unverified')),
    reason         TEXT,
    outcome        TEXT CHECK (outcome IN ('order_taken', 'follow_up', 'no_decision', 'not_met')),
    notes          TEXT NOT NULL DEFAULT '',
    next_step      TEXT NOT NULL DEFAULT '',
    checked_out_at TEXT
);
INSERT INTO check_ins_new (id, client_id, user_id, customer_id, activity_id, device_time,
    received_at, lat, lon, accuracy_m, distance_m, verification, reason, outcome, notes,
    next_step, checked_out_at)
SELECT id, client_id, user_id, customer_id, activity_id, device_time, received_at, lat, lon,
    accuracy_m, distance_m, verification, reason, outcome, notes, next_step, checked_out_at
FROM check_ins;

DROP TABLE check_ins;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
ALTER TABLE check_ins_new RENAME TO check_ins;

CREATE INDEX activities_user_time ON activities(user_id, occurred_at);
CREATE INDEX activities_customer ON activities(customer_id, occurred_at);
CREATE UNIQUE INDEX activities_client_id ON activities(user_id, client_id);
CREATE INDEX activities_next_steps ON activities(user_id, next_step_due)
    WHERE next_step_done_at IS NULL AND next_step_due IS NOT NULL;
CREATE UNIQUE INDEX check_ins_client_id ON check_ins(user_id, client_id);
CREATE INDEX check_ins_time ON check_ins(device_time);
CREATE INDEX check_ins_user_time ON check_ins(user_id, device_time);

ALTER TABLE customers ADD COLUMN potential_minor BIGINT;
