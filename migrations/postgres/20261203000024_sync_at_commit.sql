-- Sync numbers at commit (issue 25). The first design (…22_sync) took an advisory lock at a
-- transaction's first numbered change and held it to commit, so numbers followed commit order.
-- But a transaction holding it could then wait for a row another writer held, while that
-- writer waited for the lock: an activity written before its customer's first-contact update,
-- beside an ERP rename of that customer, was "deadlock detected" (a 500).
--
-- Now a change keeps the number its row gets when it is written (its identity: a record read
-- later with another number changed again), and its place in the feed is numbered at commit:
-- deferred triggers run last, take the lock, and write only rows no other transaction can
-- hold - the change log below (no foreign keys, one row per record, upserted) and the
-- transaction's own tombstones. Whoever holds the lock waits for nothing else, so it cannot
-- deadlock; commits of synced writes still follow one another in the order of their numbers,
-- and the lock is released only after the commit is visible.
--
-- What keeps the lock's holder from waiting (keep it so):
--   * nothing runs `SET CONSTRAINTS ... IMMEDIATE` (the lock would be taken mid-transaction,
--     before row locks, as in the first design);
--   * no DEFERRABLE foreign key or other deferred trigger fires after these (it could wait for
--     a row lock while holding the lock);
--   * `sync_seq` keeps CACHE 1 (a cached block would hand out numbers out of commit order).
-- The lock is held through the commit's flush: synced commits do not share one, so all
-- instances together commit at most about one synced transaction per disk flush.
--
-- Writers are kept out while the log is filled from the records: a change committed between
-- the fill and the triggers below would have no place in the feed. (An instance of the
-- previous version still running orders by the write-time number: upgrade all instances
-- together, see the README.)
LOCK TABLE customers, opportunities, activities, check_ins, targets, tombstones IN SHARE ROW EXCLUSIVE MODE;

-- Where each record's latest committed change sits in the feed.
CREATE TABLE sync_log (
    entity    TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
INSERT INTO sync_log (entity, entity_id, seq) SELECT 'customer', id, sync_seq FROM customers;
INSERT INTO sync_log (entity, entity_id, seq) SELECT 'opportunity', id, sync_seq FROM opportunities;
INSERT INTO sync_log (entity, entity_id, seq) SELECT 'activity', id, sync_seq FROM activities;
INSERT INTO sync_log (entity, entity_id, seq) SELECT 'check_in', id, sync_seq FROM check_ins;
INSERT INTO sync_log (entity, entity_id, seq) SELECT 'target', id, sync_seq FROM targets;
CREATE UNIQUE INDEX sync_log_feed ON sync_log(entity, seq);

-- A tombstone's place in the feed, numbered at commit like the records' (NULL until then).
ALTER TABLE tombstones ADD COLUMN pos BIGINT;
UPDATE tombstones SET pos = seq;
CREATE INDEX tombstones_feed ON tombstones(entity, pos);
DROP INDEX tombstones_entity_seq;

-- Numbers are taken without the lock now: they only name a change.
CREATE OR REPLACE FUNCTION sync_next() RETURNS BIGINT LANGUAGE sql AS $$
    SELECT nextval('sync_seq')
$$;

-- At commit: the record's place in the feed. TG_ARGV[0]: the entity. A record written and
-- deleted in the same transaction is gone by now (its tombstone says so): no place for it.
CREATE FUNCTION sync_commit_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    present BOOLEAN;
BEGIN
    present := CASE TG_ARGV[0]
        WHEN 'customer' THEN EXISTS (SELECT 1 FROM customers WHERE id = NEW.id)
        WHEN 'opportunity' THEN EXISTS (SELECT 1 FROM opportunities WHERE id = NEW.id)
        WHEN 'activity' THEN EXISTS (SELECT 1 FROM activities WHERE id = NEW.id)
        WHEN 'check_in' THEN EXISTS (SELECT 1 FROM check_ins WHERE id = NEW.id)
        ELSE EXISTS (SELECT 1 FROM targets WHERE id = NEW.id)
    END;
    IF NOT present THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(7305125);
    INSERT INTO sync_log (entity, entity_id, seq) VALUES (TG_ARGV[0], NEW.id, nextval('sync_seq'))
    ON CONFLICT (entity, entity_id) DO UPDATE SET seq = EXCLUDED.seq;
    RETURN NULL;
END $$;

-- At commit: a tombstone's place in the feed.
CREATE FUNCTION sync_commit_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7305125);
    UPDATE tombstones SET pos = nextval('sync_seq') WHERE seq = NEW.seq;
    RETURN NULL;
END $$;

-- A deleted record leaves the log (its tombstone says it went).
CREATE FUNCTION sync_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sync_log WHERE entity = TG_ARGV[0] AND entity_id = OLD.id;
    RETURN OLD;
END $$;

CREATE CONSTRAINT TRIGGER customers_sync_commit AFTER INSERT OR UPDATE ON customers DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_commit_change('customer');
CREATE TRIGGER customers_sync_forget AFTER DELETE ON customers FOR EACH ROW EXECUTE FUNCTION sync_forget('customer');
CREATE CONSTRAINT TRIGGER opportunities_sync_commit AFTER INSERT OR UPDATE ON opportunities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_commit_change('opportunity');
CREATE TRIGGER opportunities_sync_forget AFTER DELETE ON opportunities FOR EACH ROW EXECUTE FUNCTION sync_forget('opportunity');
CREATE CONSTRAINT TRIGGER activities_sync_commit AFTER INSERT OR UPDATE ON activities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_commit_change('activity');
CREATE TRIGGER activities_sync_forget AFTER DELETE ON activities FOR EACH ROW EXECUTE FUNCTION sync_forget('activity');
CREATE CONSTRAINT TRIGGER check_ins_sync_commit AFTER INSERT OR UPDATE ON check_ins DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_commit_change('check_in');
CREATE TRIGGER check_ins_sync_forget AFTER DELETE ON check_ins FOR EACH ROW EXECUTE FUNCTION sync_forget('check_in');
CREATE CONSTRAINT TRIGGER targets_sync_commit AFTER INSERT OR UPDATE ON targets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_commit_change('target');
CREATE TRIGGER targets_sync_forget AFTER DELETE ON targets FOR EACH ROW EXECUTE FUNCTION sync_forget('target');
CREATE CONSTRAINT TRIGGER tombstones_sync_commit AFTER INSERT ON tombstones DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sync_commit_tombstone();

-- Moves no longer take the lock as they start (their rows are numbered at commit).
CREATE OR REPLACE FUNCTION sync_user_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

CREATE OR REPLACE FUNCTION sync_unit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

