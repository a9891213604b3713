-- Webhooks (issue 25): an admin subscribes a URL to event types; every event is written to the
-- outbox (`webhook_deliveries`) by a trigger in the same transaction as the change, once per
-- subscription that wants it, so nothing is lost across restarts and no write path forgets one.
-- The server's delivery job sends each subscription's deliveries in order, signed, retrying
-- with back-off; a subscription failing for a day is paused (its events keep waiting for it)
-- and the admins are told.
CREATE TABLE webhooks (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    url                TEXT NOT NULL,
    -- The signing key, shown to the admin once; needed in the clear to sign every delivery.
    secret             TEXT NOT NULL,
    -- Event types, comma-separated: opportunity.stage_changed, opportunity.won, target.status_changed.
    events             TEXT NOT NULL,
    created_by         BIGINT NOT NULL REFERENCES users(id),
    created_at         TEXT NOT NULL,
    paused_at          TEXT,
    paused_reason      TEXT,
    -- Paused by the delivery job after failing (not by an admin): the digest says so.
    paused_for_failure BOOLEAN NOT NULL DEFAULT FALSE,
    failing_since      TEXT,
    last_attempt_at    TEXT,
    last_status        TEXT,
    last_success_at    TEXT,
    deleted_at         TEXT
);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks(id),
    event           TEXT NOT NULL,
    -- The event's data, JSON.
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- The attempt in flight: who sends it (a random token) and until when it is theirs. A
    -- server that dies mid-send leaves it to be tried again when the claim runs out.
    claim_token     TEXT,
    claimed_until   TEXT,
    delivered_at    TEXT,
    last_status     TEXT
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(webhook_id, delivered_at, id);

CREATE TRIGGER opportunities_webhook AFTER UPDATE OF stage_id ON opportunities
WHEN OLD.stage_id IS NOT NEW.stage_id BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'opportunity.stage_changed', json_object('opportunity_id', NEW.id, 'title', NEW.title, 'customer_id', NEW.customer_id,
        'owner_id', NEW.owner_id, 'from_stage_id', OLD.stage_id, 'to_stage_id', NEW.stage_id,
        'to_stage', (SELECT name FROM stages WHERE id = NEW.stage_id),
        'value', (NEW.value_minor / 100) || '.' || printf('%02d', NEW.value_minor % 100), 'currency', NEW.currency, 'version', NEW.version), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,opportunity.stage_changed,%';
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'opportunity.won', json_object('opportunity_id', NEW.id, 'title', NEW.title, 'customer_id', NEW.customer_id,
        'owner_id', NEW.owner_id, 'from_stage_id', OLD.stage_id, 'to_stage_id', NEW.stage_id,
        'to_stage', (SELECT name FROM stages WHERE id = NEW.stage_id),
        'value', (NEW.value_minor / 100) || '.' || printf('%02d', NEW.value_minor % 100), 'currency', NEW.currency, 'version', NEW.version), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,opportunity.won,%' AND (SELECT kind FROM stages WHERE id = NEW.stage_id) = 'won';
END;

-- A deal created straight into a stage (an ERP posting a won deal) enters it too.
CREATE TRIGGER opportunities_webhook_created AFTER INSERT ON opportunities BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'opportunity.stage_changed', json_object('opportunity_id', NEW.id, 'title', NEW.title, 'customer_id', NEW.customer_id,
        'owner_id', NEW.owner_id, 'from_stage_id', NULL, 'to_stage_id', NEW.stage_id,
        'to_stage', (SELECT name FROM stages WHERE id = NEW.stage_id),
        'value', (NEW.value_minor / 100) || '.' || printf('%02d', NEW.value_minor % 100), 'currency', NEW.currency, 'version', NEW.version), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,opportunity.stage_changed,%';
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'opportunity.won', json_object('opportunity_id', NEW.id, 'title', NEW.title, 'customer_id', NEW.customer_id,
        'owner_id', NEW.owner_id, 'from_stage_id', NULL, 'to_stage_id', NEW.stage_id,
        'to_stage', (SELECT name FROM stages WHERE id = NEW.stage_id),
        'value', (NEW.value_minor / 100) || '.' || printf('%02d', NEW.value_minor % 100), 'currency', NEW.currency, 'version', NEW.version), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,opportunity.won,%' AND (SELECT kind FROM stages WHERE id = NEW.stage_id) = 'won';
END;

CREATE TRIGGER targets_webhook AFTER UPDATE OF status ON targets
WHEN OLD.status IS NOT NEW.status BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'target.status_changed', json_object('target_id', NEW.id, 'statement', NEW.statement, 'from_status', OLD.status,
        'to_status', NEW.status, 'version', NEW.version), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,target.status_changed,%';
END;
