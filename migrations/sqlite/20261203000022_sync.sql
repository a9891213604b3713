-- Sync by cursor (issue 25). Every change to a record the API lists (customers, opportunities,
-- targets, activities, check-ins) takes the next number of one counter (`sync_seq`) and the
-- database's time (`changed_at`). Triggers do it, so no write path can forget it. A record that
-- is deleted, or that leaves someone's view (its owner changes, its owner moves to another unit,
-- a unit moves in the tree), leaves a tombstone numbered by the same counter, with the owner and
-- the unit path it had: who could see it then sees the tombstone. A client that remembers the
-- last number it read sees every later change once. SQLite has one writer at a time, so the
-- numbers are handed out in commit order; the Postgres twin of this file serialises the writers
-- that number changes with an advisory lock for the same reason.

CREATE TABLE sync_clock (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);

CREATE TABLE tombstones (
    seq       BIGINT PRIMARY KEY,
    entity    TEXT NOT NULL CHECK (entity IN ('customer', 'opportunity', 'activity', 'check_in', 'target')),
    entity_id BIGINT NOT NULL,
    -- Who owned it (for a target: the person it is assigned to) and the unit path it sat in.
    owner_id  BIGINT,
    unit_path TEXT,
    reason    TEXT NOT NULL CHECK (reason IN ('deleted', 'moved')),
    at        TEXT NOT NULL
);
CREATE INDEX tombstones_entity_seq ON tombstones(entity, seq);

ALTER TABLE customers ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN changed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE customers SET sync_seq = id, changed_at = created_at;
CREATE INDEX customers_sync_seq ON customers(sync_seq);
ALTER TABLE opportunities ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE opportunities ADD COLUMN changed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE opportunities SET sync_seq = id, changed_at = updated_at;
CREATE INDEX opportunities_sync_seq ON opportunities(sync_seq);
ALTER TABLE activities ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN changed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE activities SET sync_seq = id, changed_at = occurred_at;
CREATE INDEX activities_sync_seq ON activities(sync_seq);
ALTER TABLE check_ins ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE check_ins ADD COLUMN changed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE check_ins SET sync_seq = id, changed_at = received_at;
CREATE INDEX check_ins_sync_seq ON check_ins(sync_seq);
ALTER TABLE targets ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE targets ADD COLUMN changed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE targets SET sync_seq = id, changed_at = updated_at;
CREATE INDEX targets_sync_seq ON targets(sync_seq);

INSERT INTO sync_clock (id, seq) VALUES (1, MAX(0, (SELECT COALESCE(MAX(id), 0) FROM customers), (SELECT COALESCE(MAX(id), 0) FROM opportunities), (SELECT COALESCE(MAX(id), 0) FROM activities), (SELECT COALESCE(MAX(id), 0) FROM check_ins), (SELECT COALESCE(MAX(id), 0) FROM targets)));

CREATE TRIGGER customers_sync_insert AFTER INSERT ON customers BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE customers SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER customers_sync_update AFTER UPDATE ON customers WHEN NEW.sync_seq = OLD.sync_seq BEGIN
    UPDATE sync_clock SET seq = seq + 1 WHERE OLD.owner_id IS NOT NEW.owner_id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'customer', OLD.id, OLD.owner_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.owner_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE OLD.owner_id IS NOT NEW.owner_id;
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE customers SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER customers_sync_delete AFTER DELETE ON customers BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'customer', OLD.id, OLD.owner_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.owner_id), 'deleted', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now');
END;

CREATE TRIGGER opportunities_sync_insert AFTER INSERT ON opportunities BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE opportunities SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER opportunities_sync_update AFTER UPDATE ON opportunities WHEN NEW.sync_seq = OLD.sync_seq BEGIN
    UPDATE sync_clock SET seq = seq + 1 WHERE OLD.owner_id IS NOT NEW.owner_id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'opportunity', OLD.id, OLD.owner_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.owner_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE OLD.owner_id IS NOT NEW.owner_id;
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE opportunities SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER opportunities_sync_delete AFTER DELETE ON opportunities BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'opportunity', OLD.id, OLD.owner_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.owner_id), 'deleted', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now');
END;

CREATE TRIGGER activities_sync_insert AFTER INSERT ON activities BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE activities SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER activities_sync_update AFTER UPDATE ON activities WHEN NEW.sync_seq = OLD.sync_seq BEGIN
    UPDATE sync_clock SET seq = seq + 1 WHERE OLD.user_id IS NOT NEW.user_id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'activity', OLD.id, OLD.user_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.user_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE OLD.user_id IS NOT NEW.user_id;
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE activities SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER activities_sync_delete AFTER DELETE ON activities BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'activity', OLD.id, OLD.user_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.user_id), 'deleted', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now');
END;

CREATE TRIGGER check_ins_sync_insert AFTER INSERT ON check_ins BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE check_ins SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER check_ins_sync_update AFTER UPDATE ON check_ins WHEN NEW.sync_seq = OLD.sync_seq BEGIN
    UPDATE sync_clock SET seq = seq + 1 WHERE OLD.user_id IS NOT NEW.user_id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'check_in', OLD.id, OLD.user_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.user_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE OLD.user_id IS NOT NEW.user_id;
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE check_ins SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER check_ins_sync_delete AFTER DELETE ON check_ins BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'check_in', OLD.id, OLD.user_id, (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.user_id), 'deleted', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now');
END;

CREATE TRIGGER targets_sync_insert AFTER INSERT ON targets BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE targets SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER targets_sync_update AFTER UPDATE ON targets WHEN NEW.sync_seq = OLD.sync_seq BEGIN
    UPDATE sync_clock SET seq = seq + 1 WHERE (OLD.assignee_user_id IS NOT NEW.assignee_user_id OR OLD.assignee_unit_id IS NOT NEW.assignee_unit_id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'target', OLD.id, OLD.assignee_user_id, COALESCE((SELECT path FROM org_units WHERE id = OLD.assignee_unit_id), (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.assignee_user_id)), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE (OLD.assignee_user_id IS NOT NEW.assignee_user_id OR OLD.assignee_unit_id IS NOT NEW.assignee_unit_id);
    UPDATE sync_clock SET seq = seq + 1;
    UPDATE targets SET sync_seq = (SELECT seq FROM sync_clock), changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER targets_sync_delete AFTER DELETE ON targets BEGIN
    UPDATE sync_clock SET seq = seq + 1;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock), 'target', OLD.id, OLD.assignee_user_id, COALESCE((SELECT path FROM org_units WHERE id = OLD.assignee_unit_id), (SELECT so.path FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE su.id = OLD.assignee_user_id)), 'deleted', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now');
END;

CREATE TRIGGER users_sync_move AFTER UPDATE OF org_unit_id ON users WHEN OLD.org_unit_id IS NOT NEW.org_unit_id BEGIN
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'customer', id, owner_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM customers WHERE owner_id = NEW.id;
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE customers SET changed_at = changed_at WHERE owner_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'opportunity', id, owner_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM opportunities WHERE owner_id = NEW.id;
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE opportunities SET changed_at = changed_at WHERE owner_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'activity', id, user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM activities WHERE user_id = NEW.id;
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE activities SET changed_at = changed_at WHERE user_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'check_in', id, user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM check_ins WHERE user_id = NEW.id;
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE check_ins SET changed_at = changed_at WHERE user_id = NEW.id;
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'target', id, assignee_user_id, (SELECT path FROM org_units WHERE id = OLD.org_unit_id), 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM targets WHERE assignee_user_id = NEW.id;
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE targets SET changed_at = changed_at WHERE assignee_user_id = NEW.id;
END;

CREATE TRIGGER org_units_sync_move AFTER UPDATE OF path ON org_units WHEN OLD.path IS NOT NEW.path BEGIN
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'customer', id, owner_id, OLD.path, 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM customers WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE customers SET changed_at = changed_at WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'opportunity', id, owner_id, OLD.path, 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM opportunities WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE opportunities SET changed_at = changed_at WHERE owner_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'activity', id, user_id, OLD.path, 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM activities WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE activities SET changed_at = changed_at WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'check_in', id, user_id, OLD.path, 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM check_ins WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE check_ins SET changed_at = changed_at WHERE user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id);
    INSERT INTO tombstones (seq, entity, entity_id, owner_id, unit_path, reason, at)
    SELECT (SELECT seq FROM sync_clock) + ROW_NUMBER() OVER (ORDER BY id), 'target', id, assignee_user_id, OLD.path, 'moved', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
    FROM targets WHERE (assignee_user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) OR assignee_unit_id = NEW.id);
    UPDATE sync_clock SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM tombstones));
    UPDATE targets SET changed_at = changed_at WHERE (assignee_user_id IN (SELECT id FROM users WHERE org_unit_id = NEW.id) OR assignee_unit_id = NEW.id);
END;
