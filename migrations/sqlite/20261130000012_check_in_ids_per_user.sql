-- A check-in's client id is unique per user, as activity ids are (issue 18): one person
-- reusing another's id must not make that person's check-in fail or be answered with someone
-- else's. SQLite cannot drop a column's UNIQUE, so the table is rebuilt (nothing references it).
CREATE TABLE check_ins_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id      TEXT NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    customer_id    INTEGER NOT NULL REFERENCES customers(id),
    activity_id    INTEGER NOT NULL REFERENCES activities(id),
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
ALTER TABLE check_ins_new RENAME TO check_ins;
CREATE UNIQUE INDEX check_ins_client_id ON check_ins(user_id, client_id);
CREATE INDEX check_ins_time ON check_ins(device_time);
CREATE INDEX check_ins_user_time ON check_ins(user_id, device_time);
