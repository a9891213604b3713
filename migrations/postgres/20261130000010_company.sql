-- The company's own calendar and defaults (issue 17): the month its fiscal year starts, the
-- weekdays it works, its public holidays, its currency and its locale.

CREATE TABLE company_settings (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    fiscal_year_start_month INTEGER NOT NULL CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
    -- Working weekdays, Monday first, as seven 0/1 digits: '1111100' is Monday to Friday.
    working_days            TEXT NOT NULL CHECK (length(working_days) = 7),
    currency                TEXT NOT NULL,
    locale                  TEXT NOT NULL,
    updated_by              BIGINT REFERENCES users(id),
    updated_at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE holidays (
    day  DATE PRIMARY KEY,
    name TEXT NOT NULL
);
