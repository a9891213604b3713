-- Sync by cursor (issue 25): see the SQLite twin of this file for the idea. Postgres runs
-- writers side by side, and a sequence hands out numbers in the order transactions ask, not in
-- the order they commit: a reader could see number 8 committed while 7 is still open and, its
-- cursor past 7, never see it. So whoever numbers a change first takes a transaction-scoped
-- advisory lock: the writers that change synced records commit one after another, in the order
-- of their numbers (the lock is held from a transaction's first numbered change to its commit;
-- its other statements still run side by side).

CREATE SEQUENCE sync_seq;

CREATE TABLE tombstones (
    seq       BIGINT PRIMARY KEY,
    entity    TEXT NOT NULL CHECK (entity IN ('customer', 'opportunity', 'activity', 'check_in', 'target')),
    entity_id BIGINT NOT NULL,
    owner_id  BIGINT,
    unit_path TEXT,
    reason    TEXT NOT NULL CHECK (reason IN ('deleted', 'moved')),
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX tombstones_entity_seq ON tombstones(entity, seq);

ALTER TABLE customers ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
UPDATE customers SET sync_seq = id, changed_at = created_at;
CREATE INDEX customers_sync_seq ON customers(sync_seq);
ALTER TABLE opportunities ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE opportunities ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
UPDATE opportunities SET sync_seq = id, changed_at = updated_at;
CREATE INDEX opportunities_sync_seq ON opportunities(sync_seq);
ALTER TABLE activities ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
UPDATE activities SET sync_seq = id, changed_at = occurred_at;
CREATE INDEX activities_sync_seq ON activities(sync_seq);
ALTER TABLE check_ins ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE check_ins ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
UPDATE check_ins SET sync_seq = id, changed_at = received_at;
CREATE INDEX check_ins_sync_seq ON check_ins(sync_seq);
ALTER TABLE targets ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE targets ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
UPDATE targets SET sync_seq = id, changed_at = updated_at;
CREATE INDEX targets_sync_seq ON targets(sync_seq);

SELECT setval('sync_seq', GREATEST(1, (SELECT COALESCE(MAX(id), 0) FROM customers), (SELECT COALESCE(MAX(id), 0) FROM opportunities), (SELECT COALESCE(MAX(id), 0) FROM activities), (SELECT COALESCE(MAX(id), 0) FROM check_ins), (SELECT COALESCE(MAX(id), 0) FROM targets)));

-- The next number, for the one transaction allowed to number changes until it commits.
CREATE FUNCTION sync_next() RETURNS BIGINT LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7305125);
    RETURN nextval('sync_seq');
END $$;

-- The unit path a person sits in.
CREATE FUNCTION sync_user_path(person BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = person
$$;

-- Numbers a changed row; a row whose owner changed leaves a tombstone at the old owner first.
-- TG_ARGV: the entity, the owner column ('' for targets: their assignee).
CREATE FUNCTION sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_owner BIGINT;
    old_path TEXT;
    moved BOOLEAN := FALSE;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF TG_ARGV[1] = '' THEN
            moved := OLD.assignee_user_id IS DISTINCT FROM NEW.assignee_user_id
                  OR OLD.assignee_unit_id IS DISTINCT FROM NEW.assignee_unit_id;
            old_owner := OLD.assignee_user_id;
            old_path := COALESCE((SELECT path FROM org_units WHERE id = OLD.assignee_unit_id),
                                 sync_user_path(OLD.assignee_user_id));
        ELSE
            old_owner := (to_jsonb(OLD) ->> TG_ARGV[1])::BIGINT;
            moved := old_owner IS DISTINCT FROM (to_jsonb(NEW) ->> TG_ARGV[1])::BIGINT;
            old_path := sync_user_path(old_owner);
        END IF;
        IF moved THEN
            INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
            VALUES (sync_next(), TG_ARGV[0], OLD.id, old_owner, old_path, 'moved', clock_timestamp());
        END IF;
    END IF;
    NEW.sync_seq := sync_next();
    NEW.changed_at := clock_timestamp();
    RETURN NEW;
END $$;

-- A deleted row leaves a tombstone with its owner and their unit path.
CREATE FUNCTION sync_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_owner BIGINT;
    old_path TEXT;
BEGIN
    IF TG_ARGV[1] = '' THEN
        old_owner := OLD.assignee_user_id;
        old_path := COALESCE((SELECT path FROM org_units WHERE id = OLD.assignee_unit_id),
                             sync_user_path(OLD.assignee_user_id));
    ELSE
        old_owner := (to_jsonb(OLD) ->> TG_ARGV[1])::BIGINT;
        old_path := sync_user_path(old_owner);
    END IF;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    VALUES (sync_next(), TG_ARGV[0], OLD.id, old_owner, old_path, 'deleted', clock_timestamp());
    RETURN OLD;
END $$;

CREATE TRIGGER customers_sync_stamp BEFORE INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION sync_stamp('customer', 'owner_id');
CREATE TRIGGER customers_sync_deleted AFTER DELETE ON customers FOR EACH ROW EXECUTE FUNCTION sync_deleted('customer', 'owner_id');
CREATE TRIGGER opportunities_sync_stamp BEFORE INSERT OR UPDATE ON opportunities FOR EACH ROW EXECUTE FUNCTION sync_stamp('opportunity', 'owner_id');
CREATE TRIGGER opportunities_sync_deleted AFTER DELETE ON opportunities FOR EACH ROW EXECUTE FUNCTION sync_deleted('opportunity', 'owner_id');
CREATE TRIGGER activities_sync_stamp BEFORE INSERT OR UPDATE ON activities FOR EACH ROW EXECUTE FUNCTION sync_stamp('activity', 'user_id');
CREATE TRIGGER activities_sync_deleted AFTER DELETE ON activities FOR EACH ROW EXECUTE FUNCTION sync_deleted('activity', 'user_id');
CREATE TRIGGER check_ins_sync_stamp BEFORE INSERT OR UPDATE ON check_ins FOR EACH ROW EXECUTE FUNCTION sync_stamp('check_in', 'user_id');
CREATE TRIGGER check_ins_sync_deleted AFTER DELETE ON check_ins FOR EACH ROW EXECUTE FUNCTION sync_deleted('check_in', 'user_id');
CREATE TRIGGER targets_sync_stamp BEFORE INSERT OR UPDATE ON targets FOR EACH ROW EXECUTE FUNCTION sync_stamp('target', '');
CREATE TRIGGER targets_sync_deleted AFTER DELETE ON targets FOR EACH ROW EXECUTE FUNCTION sync_deleted('target', '');

-- A person moving to another unit, a unit moving in the tree: what they own leaves the old
-- place (tombstones at the old path) and changes at the new one (its rows numbered again).
CREATE FUNCTION sync_user_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7305125);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'customer', id, owner_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp()
    FROM (SELECT id, owner_id FROM customers WHERE owner_id = NEW.id ORDER BY id) moving;
    UPDATE customers SET changed_at = changed_at WHERE owner_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'opportunity', id, owner_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp()
    FROM (SELECT id, owner_id FROM opportunities WHERE owner_id = NEW.id ORDER BY id) moving;
    UPDATE opportunities SET changed_at = changed_at WHERE owner_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'activity', id, user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp()
    FROM (SELECT id, user_id FROM activities WHERE user_id = NEW.id ORDER BY id) moving;
    UPDATE activities SET changed_at = changed_at WHERE user_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'check_in', id, user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp()
    FROM (SELECT id, user_id FROM check_ins WHERE user_id = NEW.id ORDER BY id) moving;
    UPDATE check_ins SET changed_at = changed_at WHERE user_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'target', id, assignee_user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp()
    FROM (SELECT id, assignee_user_id FROM targets WHERE assignee_user_id = NEW.id ORDER BY id) moving;
    UPDATE targets SET changed_at = changed_at WHERE assignee_user_id = NEW.id;
    RETURN NEW;
END $$;

CREATE FUNCTION sync_unit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7305125);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'customer', id, owner_id, OLD.path, 'moved', clock_timestamp()
    FROM (SELECT id, owner_id FROM customers WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) ORDER BY id) moving;
    UPDATE customers SET changed_at = changed_at WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'opportunity', id, owner_id, OLD.path, 'moved', clock_timestamp()
    FROM (SELECT id, owner_id FROM opportunities WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) ORDER BY id) moving;
    UPDATE opportunities SET changed_at = changed_at WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'activity', id, user_id, OLD.path, 'moved', clock_timestamp()
    FROM (SELECT id, user_id FROM activities WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) ORDER BY id) moving;
    UPDATE activities SET changed_at = changed_at WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'check_in', id, user_id, OLD.path, 'moved', clock_timestamp()
    FROM (SELECT id, user_id FROM check_ins WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) ORDER BY id) moving;
    UPDATE check_ins SET changed_at = changed_at WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT nextval('sync_seq'), 'target', id, assignee_user_id, OLD.path, 'moved', clock_timestamp()
    FROM (SELECT id, assignee_user_id FROM targets WHERE (assignee_user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) OR assignee_unit_id = NEW.id) ORDER BY id) moving;
    UPDATE targets SET changed_at = changed_at WHERE (assignee_user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) OR assignee_unit_id = NEW.id);
    RETURN NEW;
END $$;

CREATE TRIGGER users_sync_move AFTER UPDATE OF org_unit_id ON users FOR EACH ROW
    WHEN (OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id) EXECUTE FUNCTION sync_user_moved();
CREATE TRIGGER org_units_sync_move AFTER UPDATE OF path ON org_units FOR EACH ROW
    WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION sync_unit_moved();
