-- Forecast calls (issue 19): what a person says a target will come to. A rep calls their own
-- target, a manager the unit's (the adjusted roll-up). Every call is kept; the latest counts.
-- Pacer's median at the moment of the call is kept beside it, for the accuracy report.
CREATE TABLE forecast_calls (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id            BIGINT NOT NULL REFERENCES targets(id),
    made_by              BIGINT NOT NULL REFERENCES users(id),
    commit_hundredths    BIGINT NOT NULL,
    best_case_hundredths BIGINT NOT NULL CHECK (best_case_hundredths >= commit_hundredths),
    note                 TEXT NOT NULL DEFAULT '',
    model_p50_hundredths BIGINT,
    made_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX forecast_calls_target ON forecast_calls(target_id, made_at);
