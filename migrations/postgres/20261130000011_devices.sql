-- Devices a person has signed in from (issue 17): a long-lived cookie names the device, and a
-- sign-in from a device its owner used before is not held up by others' guessing (OWASP's
-- "device cookies"): it skips the per-client limit and has its own lane to the password check.

CREATE TABLE known_devices (
    -- SHA-256 of the cookie's token, hex.
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX known_devices_user ON known_devices(user_id);
