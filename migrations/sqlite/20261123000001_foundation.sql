-- Foundation schema (SQLite). Kept column-for-column equal to migrations/postgres; the only
-- differences are the id columns and the date/time types SQLite lacks (TEXT, ISO 8601).
-- Money is INTEGER minor units (cents): exact, and summed by the database.

CREATE TABLE org_units (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id   INTEGER REFERENCES org_units(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('company', 'business_unit', 'team')),
    path        TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    org_unit_id   INTEGER NOT NULL REFERENCES org_units(id),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX users_org_unit ON users(org_unit_id);

-- Consecutive failed sign-ins per e-mail address (known or not: no enumeration).
CREATE TABLE login_failures (
    email           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL
);

CREATE TABLE customers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    external_ref     TEXT UNIQUE,
    name             TEXT NOT NULL,
    owner_id         INTEGER REFERENCES users(id),
    segment          TEXT NOT NULL CHECK (segment IN ('price', 'relationship')),
    city             TEXT,
    lat              DOUBLE PRECISION,
    lon              DOUBLE PRECISION,
    first_contact_on TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX customers_owner ON customers(owner_id);

CREATE TABLE sales (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    sold_on      TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    reference    TEXT
);
CREATE INDEX sales_customer_date ON sales(customer_id, sold_on);
CREATE INDEX sales_date ON sales(sold_on);

CREATE TABLE pipelines (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL
);

CREATE TABLE stages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines(id),
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    probability  INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    rotting_days INTEGER CHECK (rotting_days > 0),
    kind         TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    UNIQUE (pipeline_id, position)
);

CREATE TABLE opportunities (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT NOT NULL,
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    owner_id          INTEGER NOT NULL REFERENCES users(id),
    value_minor       BIGINT NOT NULL CHECK (value_minor >= 0),
    currency          TEXT NOT NULL,
    expected_close_on TEXT NOT NULL,
    stage_id          INTEGER NOT NULL REFERENCES stages(id),
    probability       INTEGER CHECK (probability BETWEEN 0 AND 100),
    lost_reason       TEXT,
    closed_on         TEXT,
    version           BIGINT NOT NULL DEFAULT 1,
    stage_entered_at  TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX opportunities_owner ON opportunities(owner_id);
CREATE INDEX opportunities_stage ON opportunities(stage_id);
CREATE INDEX opportunities_customer ON opportunities(customer_id);

CREATE TABLE stage_changes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities(id),
    from_stage_id  INTEGER REFERENCES stages(id),
    to_stage_id    INTEGER NOT NULL REFERENCES stages(id),
    changed_at     TEXT NOT NULL,
    changed_by     INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX stage_changes_opportunity ON stage_changes(opportunity_id, changed_at);

CREATE TABLE activities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('visit', 'call', 'initial_contact', 'meeting')),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    occurred_at TEXT NOT NULL,
    notes       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activities_user_time ON activities(user_id, occurred_at);
CREATE INDEX activities_customer ON activities(customer_id, occurred_at);
