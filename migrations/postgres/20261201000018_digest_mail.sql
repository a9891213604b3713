-- Issue 20: the daily digest by e-mail. Each person may switch it off; each mail is claimed
-- once per person and day, so several server instances send it once.
ALTER TABLE users ADD COLUMN digest_mail BOOLEAN NOT NULL DEFAULT TRUE;
CREATE TABLE digest_mails (
    user_id    BIGINT NOT NULL REFERENCES users(id),
    day        DATE NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    -- Why it was not sent (nothing to report, or the mail server's answer).
    outcome    TEXT,
    -- Claims so far: one not sent is claimed again after 15 minutes, three times at most.
    attempts   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, day)
);
