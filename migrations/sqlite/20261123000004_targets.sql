-- SMART targets and their agreement history (SQLite). Values are stored in hundredths of the
-- metric's unit (cents for money, 1/100 of a count or a percentage point): exact integers.
CREATE TABLE targets (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    statement          TEXT NOT NULL,
    metric             TEXT NOT NULL CHECK (metric IN ('turnover', 'bookings', 'won_opportunities', 'visits', 'initial_contacts', 'new_customers', 'turnover_per_existing_customer', 'customer_growth_pct')),
    value_hundredths   BIGINT NOT NULL CHECK (value_hundredths > 0),
    currency           TEXT,
    baseline           BIGINT CHECK (baseline > 0),
    starts_on          TEXT NOT NULL,
    ends_on            TEXT NOT NULL,
    assignee_user_id   INTEGER REFERENCES users(id),
    assignee_unit_id   INTEGER REFERENCES org_units(id),
    parent_id          INTEGER REFERENCES targets(id),
    kind               TEXT NOT NULL CHECK (kind IN ('operational', 'strategic')),
    rationale          TEXT NOT NULL DEFAULT '',
    factors            TEXT NOT NULL DEFAULT 'mmmmm',
    status             TEXT NOT NULL CHECK (status IN ('draft', 'proposed', 'changes_requested', 'agreed', 'achieved', 'missed')),
    awaiting           TEXT CHECK (awaiting IN ('manager', 'assignee')),
    counter_hundredths BIGINT CHECK (counter_hundredths > 0),
    version            BIGINT NOT NULL DEFAULT 1,
    created_by         INTEGER NOT NULL REFERENCES users(id),
    created_at         TEXT NOT NULL,
    updated_by         INTEGER NOT NULL REFERENCES users(id),
    updated_at         TEXT NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK ((assignee_user_id IS NULL) <> (assignee_unit_id IS NULL))
);
CREATE INDEX targets_assignee_user ON targets(assignee_user_id);
CREATE INDEX targets_assignee_unit ON targets(assignee_unit_id);
CREATE INDEX targets_parent ON targets(parent_id);

-- Every creation, field change and workflow step, with who and when.
-- kind 'created': field NULL; 'changed': field, old_value, new_value;
-- 'transition': field = the action, old_value / new_value = the statuses, comment.
CREATE TABLE target_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id  INTEGER NOT NULL REFERENCES targets(id),
    at         TEXT NOT NULL,
    by_user_id INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL CHECK (kind IN ('created', 'changed', 'transition')),
    field      TEXT,
    old_value  TEXT,
    new_value  TEXT,
    comment    TEXT
);
CREATE INDEX target_events_target ON target_events(target_id, id);
