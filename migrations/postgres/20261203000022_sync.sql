-- Sync by cursor (issue 25): see the SQLite twin of this file for the idea. Postgres runs
-- writers side by side, and a sequence hands out numbers in the order transactions ask, not in
-- the order they commit: a reader could see number 8 committed while 7 is still open and, its
-- cursor past 7, never see it. So changes are numbered at commit: deferred constraint triggers
-- number the rows (and tombstones) a transaction changed as it commits, under a
-- transaction-scoped advisory lock, so numbers follow commit order. The lock is taken last,
-- when the transaction holds every row lock it will need (the numbering touches only rows it
-- changed itself), so it cannot deadlock with row locks, and it is held only while committing.

CREATE SEQUENCE sync_seq;

CREATE TABLE tombstones (
    id        BIGSERIAL PRIMARY KEY,
    -- Numbered as the transaction that wrote it commits (NULL until then).
    seq       BIGINT UNIQUE,
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

-- The next number, for the one committing transaction allowed to number changes until its
-- commit is done.
CREATE FUNCTION sync_next() RETURNS BIGINT LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7305125);
    RETURN nextval('sync_seq');
END $$;

-- The unit path a person sits in.
CREATE FUNCTION sync_user_path(person BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT o.path FROM users u JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = person
$$;

-- A row whose owner changed leaves a tombstone at the old owner (numbered at commit).
-- TG_ARGV: the entity, the owner column ('' for targets: their assignee).
CREATE FUNCTION sync_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_owner BIGINT;
    old_path TEXT;
    moved BOOLEAN;
BEGIN
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
        INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
        VALUES (TG_ARGV[0], OLD.id, old_owner, old_path, 'moved', clock_timestamp());
    END IF;
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
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    VALUES (TG_ARGV[0], OLD.id, old_owner, old_path, 'deleted', clock_timestamp());
    RETURN OLD;
END $$;

-- At commit: numbers a row the transaction inserted or changed. Its own UPDATE sets only the
-- number and the time, which the update trigger's WHEN leaves alone (no second round).
CREATE FUNCTION sync_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %I SET sync_seq = sync_next(), changed_at = clock_timestamp() WHERE id = $1',
                   TG_TABLE_NAME) USING NEW.id;
    RETURN NULL;
END $$;

CREATE FUNCTION sync_number_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tombstones SET seq = sync_next(), at = clock_timestamp() WHERE id = NEW.id;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER tombstones_sync_number AFTER INSERT ON tombstones
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_number_tombstone();

CREATE TRIGGER customers_sync_moved BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION sync_moved('customer', 'owner_id');
CREATE TRIGGER customers_sync_deleted AFTER DELETE ON customers FOR EACH ROW EXECUTE FUNCTION sync_deleted('customer', 'owner_id');
CREATE CONSTRAINT TRIGGER customers_sync_inserted AFTER INSERT ON customers DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_number();
CREATE CONSTRAINT TRIGGER customers_sync_updated AFTER UPDATE ON customers DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.changed_at IS NOT DISTINCT FROM NEW.changed_at) EXECUTE FUNCTION sync_number();
CREATE TRIGGER opportunities_sync_moved BEFORE UPDATE ON opportunities FOR EACH ROW EXECUTE FUNCTION sync_moved('opportunity', 'owner_id');
CREATE TRIGGER opportunities_sync_deleted AFTER DELETE ON opportunities FOR EACH ROW EXECUTE FUNCTION sync_deleted('opportunity', 'owner_id');
CREATE CONSTRAINT TRIGGER opportunities_sync_inserted AFTER INSERT ON opportunities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_number();
CREATE CONSTRAINT TRIGGER opportunities_sync_updated AFTER UPDATE ON opportunities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.changed_at IS NOT DISTINCT FROM NEW.changed_at) EXECUTE FUNCTION sync_number();
CREATE TRIGGER activities_sync_moved BEFORE UPDATE ON activities FOR EACH ROW EXECUTE FUNCTION sync_moved('activity', 'user_id');
CREATE TRIGGER activities_sync_deleted AFTER DELETE ON activities FOR EACH ROW EXECUTE FUNCTION sync_deleted('activity', 'user_id');
CREATE CONSTRAINT TRIGGER activities_sync_inserted AFTER INSERT ON activities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_number();
CREATE CONSTRAINT TRIGGER activities_sync_updated AFTER UPDATE ON activities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.changed_at IS NOT DISTINCT FROM NEW.changed_at) EXECUTE FUNCTION sync_number();
CREATE TRIGGER check_ins_sync_moved BEFORE UPDATE ON check_ins FOR EACH ROW EXECUTE FUNCTION sync_moved('check_in', 'user_id');
CREATE TRIGGER check_ins_sync_deleted AFTER DELETE ON check_ins FOR EACH ROW EXECUTE FUNCTION sync_deleted('check_in', 'user_id');
CREATE CONSTRAINT TRIGGER check_ins_sync_inserted AFTER INSERT ON check_ins DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_number();
CREATE CONSTRAINT TRIGGER check_ins_sync_updated AFTER UPDATE ON check_ins DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.changed_at IS NOT DISTINCT FROM NEW.changed_at) EXECUTE FUNCTION sync_number();
CREATE TRIGGER targets_sync_moved BEFORE UPDATE ON targets FOR EACH ROW EXECUTE FUNCTION sync_moved('target', '');
CREATE TRIGGER targets_sync_deleted AFTER DELETE ON targets FOR EACH ROW EXECUTE FUNCTION sync_deleted('target', '');
CREATE CONSTRAINT TRIGGER targets_sync_inserted AFTER INSERT ON targets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_number();
CREATE CONSTRAINT TRIGGER targets_sync_updated AFTER UPDATE ON targets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.changed_at IS NOT DISTINCT FROM NEW.changed_at) EXECUTE FUNCTION sync_number();

-- A person moving to another unit, a unit moving in the tree: what they own leaves the old
-- place (tombstones at the old path) and changes at the new one (its rows numbered again).
CREATE FUNCTION sync_user_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'customer', id, owner_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp() FROM customers WHERE owner_id = NEW.id;
    UPDATE customers SET changed_at = changed_at WHERE owner_id = NEW.id;
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'opportunity', id, owner_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp() FROM opportunities WHERE owner_id = NEW.id;
    UPDATE opportunities SET changed_at = changed_at WHERE owner_id = NEW.id;
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'activity', id, user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp() FROM activities WHERE user_id = NEW.id;
    UPDATE activities SET changed_at = changed_at WHERE user_id = NEW.id;
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'check_in', id, user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp() FROM check_ins WHERE user_id = NEW.id;
    UPDATE check_ins SET changed_at = changed_at WHERE user_id = NEW.id;
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'target', id, assignee_user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', clock_timestamp() FROM targets WHERE assignee_user_id = NEW.id;
    UPDATE targets SET changed_at = changed_at WHERE assignee_user_id = NEW.id;
    RETURN NEW;
END $$;

CREATE FUNCTION sync_unit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'customer', id, owner_id, OLD.path, 'moved', clock_timestamp() FROM customers WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE customers SET changed_at = changed_at WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'opportunity', id, owner_id, OLD.path, 'moved', clock_timestamp() FROM opportunities WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE opportunities SET changed_at = changed_at WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'activity', id, user_id, OLD.path, 'moved', clock_timestamp() FROM activities WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE activities SET changed_at = changed_at WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'check_in', id, user_id, OLD.path, 'moved', clock_timestamp() FROM check_ins WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE check_ins SET changed_at = changed_at WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (entity, entity_id, owner_id, unit_path, reason, at)
    SELECT 'target', id, assignee_user_id, OLD.path, 'moved', clock_timestamp() FROM targets WHERE (assignee_user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) OR assignee_unit_id = NEW.id);
    UPDATE targets SET changed_at = changed_at WHERE (assignee_user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) OR assignee_unit_id = NEW.id);
    RETURN NEW;
END $$;

CREATE TRIGGER users_sync_move AFTER UPDATE OF org_unit_id ON users FOR EACH ROW
    WHEN (OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id) EXECUTE FUNCTION sync_user_moved();
CREATE TRIGGER org_units_sync_move AFTER UPDATE OF path ON org_units FOR EACH ROW
    WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION sync_unit_moved();
