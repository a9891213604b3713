-- Customers work (issue 6): sales imports stored once, turnover aggregated by the database,
-- trend rule settings, planned visits.

-- What identifies an imported sale across imports (its reference, or customer + date + amount
-- + position among identical lines). Sales entered otherwise have none.
ALTER TABLE sales ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX sales_import_key ON sales(import_key);

-- Plus/minus and trends sum a date range per customer: this index answers them without
-- touching the table. It replaces the date-only index.
DROP INDEX sales_date;
CREATE INDEX sales_date_customer ON sales(sold_on, customer_id, currency, amount_minor);

-- The trend-change rule (DESIGN.md) an admin may move. No row: 30 % and €500 a month.
CREATE TABLE trend_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    min_change_pct   INTEGER NOT NULL,
    min_change_minor BIGINT NOT NULL,
    updated_by       INTEGER NOT NULL REFERENCES users(id),
    updated_at       TEXT NOT NULL
);

-- A visit planned from a customer's page: an activity that has not happened yet and counts
-- toward nothing until it has.
ALTER TABLE activities ADD COLUMN planned BOOLEAN NOT NULL DEFAULT FALSE;

-- The customers flagged with a trend change on each snapshot day: the daily digest tells an
-- owner about a flag that is new since the last snapshot.
CREATE TABLE trend_flags (
    day         TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    direction   TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    PRIMARY KEY (day, customer_id)
);
