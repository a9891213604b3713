-- Webhooks (issue 25): an admin subscribes a URL to event types; every event is written to the
-- outbox (`webhook_deliveries`) by a trigger in the same transaction as the change, once per
-- subscription that wants it, so nothing is lost across restarts and no write path forgets one.
-- The server's delivery job sends each subscription's deliveries in order, signed, retrying
-- with back-off; a subscription failing for a day is paused (its events keep waiting for it)
-- and the admins are told.
CREATE TABLE webhooks (
    id                 BIGSERIAL PRIMARY KEY,
    url                TEXT NOT NULL,
    -- The signing key, shown to the admin once; needed in the clear to sign every delivery.
    secret             TEXT NOT NULL,
    -- Event types, comma-separated: opportunity.stage_changed, opportunity.won, target.status_changed.
    events             TEXT NOT NULL,
    created_by         BIGINT NOT NULL REFERENCES users(id),
    created_at         TIMESTAMPTZ NOT NULL,
    paused_at          TIMESTAMPTZ,
    paused_reason      TEXT,
    -- Paused by the delivery job after failing (not by an admin): the digest says so.
    paused_for_failure BOOLEAN NOT NULL DEFAULT FALSE,
    failing_since      TIMESTAMPTZ,
    last_attempt_at    TIMESTAMPTZ,
    last_status        TEXT,
    last_success_at    TIMESTAMPTZ,
    deleted_at         TIMESTAMPTZ
);

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks(id),
    event           TEXT NOT NULL,
    -- The event's data, JSON.
    payload         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- The attempt in flight: who sends it (a random token) and until when it is theirs. A
    -- server that dies mid-send leaves it to be tried again when the claim runs out.
    claim_token     TEXT,
    claimed_until   TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    last_status     TEXT
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(webhook_id, delivered_at, id);

-- A deal entering a stage: moved there, or created in it (TG_OP).
CREATE FUNCTION webhook_stage_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    from_stage BIGINT := NULL;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        from_stage := OLD.stage_id;
    END IF;
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'opportunity.stage_changed', CAST(json_build_object('opportunity_id', NEW.id, 'title', NEW.title, 'customer_id', NEW.customer_id,
        'owner_id', NEW.owner_id, 'from_stage_id', from_stage, 'to_stage_id', NEW.stage_id,
        'to_stage', (SELECT name FROM stages WHERE id = NEW.stage_id),
        'value', (NEW.value_minor / 100)::TEXT || '.' || lpad((NEW.value_minor % 100)::TEXT, 2, '0'), 'currency', NEW.currency, 'version', NEW.version) AS TEXT), clock_timestamp(), clock_timestamp()
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,opportunity.stage_changed,%';
    IF (SELECT kind FROM stages WHERE id = NEW.stage_id) = 'won' THEN
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'opportunity.won', CAST(json_build_object('opportunity_id', NEW.id, 'title', NEW.title, 'customer_id', NEW.customer_id,
        'owner_id', NEW.owner_id, 'from_stage_id', from_stage, 'to_stage_id', NEW.stage_id,
        'to_stage', (SELECT name FROM stages WHERE id = NEW.stage_id),
        'value', (NEW.value_minor / 100)::TEXT || '.' || lpad((NEW.value_minor % 100)::TEXT, 2, '0'), 'currency', NEW.currency, 'version', NEW.version) AS TEXT), clock_timestamp(), clock_timestamp()
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,opportunity.won,%';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION webhook_target_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
    SELECT w.id, 'target.status_changed', CAST(json_build_object('target_id', NEW.id, 'statement', NEW.statement, 'from_status', OLD.status,
        'to_status', NEW.status, 'version', NEW.version) AS TEXT), clock_timestamp(), clock_timestamp()
    FROM webhooks w WHERE w.deleted_at IS NULL
      AND (',' || w.events || ',') LIKE '%,target.status_changed,%';
    RETURN NEW;
END $$;

CREATE TRIGGER opportunities_webhook AFTER UPDATE OF stage_id ON opportunities FOR EACH ROW
    WHEN (OLD.stage_id IS DISTINCT FROM NEW.stage_id) EXECUTE FUNCTION webhook_stage_changed();
CREATE TRIGGER opportunities_webhook_created AFTER INSERT ON opportunities FOR EACH ROW
    EXECUTE FUNCTION webhook_stage_changed();
CREATE TRIGGER targets_webhook AFTER UPDATE OF status ON targets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION webhook_target_status();
