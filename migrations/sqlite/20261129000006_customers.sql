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

-- Each customer's EUR turnover per calendar month, one row per customer and year, kept in step
-- with `sales` by every write (import, demo). The plus/minus lists and trends read whole months
-- here and only the partial months at a period's edges from `sales`: a twelfth of the rows.
CREATE TABLE turnover_years (
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    year        INTEGER NOT NULL,
    m1  BIGINT NOT NULL DEFAULT 0,
    m2  BIGINT NOT NULL DEFAULT 0,
    m3  BIGINT NOT NULL DEFAULT 0,
    m4  BIGINT NOT NULL DEFAULT 0,
    m5  BIGINT NOT NULL DEFAULT 0,
    m6  BIGINT NOT NULL DEFAULT 0,
    m7  BIGINT NOT NULL DEFAULT 0,
    m8  BIGINT NOT NULL DEFAULT 0,
    m9  BIGINT NOT NULL DEFAULT 0,
    m10 BIGINT NOT NULL DEFAULT 0,
    m11 BIGINT NOT NULL DEFAULT 0,
    m12 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, year)
);
CREATE INDEX turnover_years_year ON turnover_years(year, customer_id);
INSERT INTO turnover_years (customer_id, year, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12)
SELECT customer_id, CAST(strftime('%Y', sold_on) AS INTEGER),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 1 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 2 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 3 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 4 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 5 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 6 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 7 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 8 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 9 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 10 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 11 THEN amount_minor ELSE 0 END),
       SUM(CASE WHEN CAST(strftime('%m', sold_on) AS INTEGER) = 12 THEN amount_minor ELSE 0 END)
FROM sales WHERE currency = 'EUR'
GROUP BY customer_id, CAST(strftime('%Y', sold_on) AS INTEGER);
