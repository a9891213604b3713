-- Forecasts learned from the company's own history (issue 19).

-- Expected close dates over time: whether a deal closed by the date it then had is how
-- slippage is learned. Written whenever the date is set; every deal's present date is known
-- from its creation (the dates before this migration are lost).
CREATE TABLE close_date_changes (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    opportunity_id    BIGINT NOT NULL REFERENCES opportunities(id),
    changed_at        TIMESTAMPTZ NOT NULL,
    expected_close_on DATE NOT NULL
);
CREATE INDEX close_date_changes_opportunity ON close_date_changes(opportunity_id, changed_at);
INSERT INTO close_date_changes (opportunity_id, changed_at, expected_close_on)
    SELECT id, created_at, expected_close_on FROM opportunities;

-- What was learned, one row per day it was learned on (JSON of domain::calibration).
CREATE TABLE calibrations (
    as_of       DATE PRIMARY KEY,
    body        TEXT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL
);
