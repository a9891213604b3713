-- Foundation schema (Postgres). Kept column-for-column equal to migrations/sqlite; the only
-- differences are the id columns and native DATE/TIMESTAMPTZ where SQLite stores ISO 8601 TEXT.
-- Money is INTEGER minor units (cents): exact, and summed by the database.

CREATE TABLE org_units (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   BIGINT REFERENCES org_units(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('company', 'business_unit', 'team')),
    path        TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    org_unit_id   BIGINT NOT NULL REFERENCES org_units(id),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_org_unit ON users(org_unit_id);

-- Consecutive failed sign-ins per e-mail address (known or not: no enumeration).
CREATE TABLE login_failures (
    email           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_ref     TEXT UNIQUE,
    name             TEXT NOT NULL,
    owner_id         BIGINT REFERENCES users(id),
    segment          TEXT NOT NULL CHECK (segment IN ('price', 'relationship')),
    city             TEXT,
    lat              DOUBLE PRECISION,
    lon              DOUBLE PRECISION,
    first_contact_on DATE,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX customers_owner ON customers(owner_id);

CREATE TABLE sales (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES customers(id),
    sold_on      DATE NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    reference    TEXT
);
CREATE INDEX sales_customer_date ON sales(customer_id, sold_on);
CREATE INDEX sales_date ON sales(sold_on);

CREATE TABLE pipelines (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE stages (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline_id  BIGINT NOT NULL REFERENCES pipelines(id),
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    probability  INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    rotting_days INTEGER CHECK (rotting_days > 0),
    kind         TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    UNIQUE (pipeline_id, position)
);

CREATE TABLE opportunities (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title             TEXT NOT NULL,
    customer_id       BIGINT NOT NULL REFERENCES customers(id),
    owner_id          BIGINT NOT NULL REFERENCES users(id),
    value_minor       BIGINT NOT NULL CHECK (value_minor >= 0),
    currency          TEXT NOT NULL,
    expected_close_on DATE NOT NULL,
    stage_id          BIGINT NOT NULL REFERENCES stages(id),
    probability       INTEGER CHECK (probability BETWEEN 0 AND 100),
    lost_reason       TEXT,
    closed_on         DATE,
    version           BIGINT NOT NULL DEFAULT 1,
    stage_entered_at  TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX opportunities_owner ON opportunities(owner_id);
CREATE INDEX opportunities_stage ON opportunities(stage_id);
CREATE INDEX opportunities_customer ON opportunities(customer_id);

CREATE TABLE stage_changes (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
    from_stage_id  BIGINT REFERENCES stages(id),
    to_stage_id    BIGINT NOT NULL REFERENCES stages(id),
    changed_at     TIMESTAMPTZ NOT NULL,
    changed_by     BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX stage_changes_opportunity ON stage_changes(opportunity_id, changed_at);

CREATE TABLE activities (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('visit', 'call', 'initial_contact', 'meeting')),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    occurred_at TIMESTAMPTZ NOT NULL,
    notes       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activities_user_time ON activities(user_id, occurred_at);
CREATE INDEX activities_customer ON activities(customer_id, occurred_at);
