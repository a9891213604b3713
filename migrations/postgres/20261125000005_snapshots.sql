-- The daily snapshot of every active target (Postgres): the history behind the burn-up chart,
-- the status history and the "what changed since yesterday" digest. Figures in hundredths of
-- the metric's unit, like targets.value_hundredths. One row per target and day.
CREATE TABLE target_snapshots (
    target_id              BIGINT NOT NULL REFERENCES targets(id),
    day                    DATE NOT NULL,
    actual_hundredths      BIGINT NOT NULL,
    expected_hundredths    BIGINT NOT NULL,
    projection_hundredths  BIGINT NOT NULL,
    p10_hundredths         BIGINT,
    p50_hundredths         BIGINT,
    p90_hundredths         BIGINT,
    p_hit_permille         INTEGER CHECK (p_hit_permille BETWEEN 0 AND 1000),
    health                 TEXT NOT NULL CHECK (health IN ('on_track', 'at_risk', 'off_track')),
    warning                TEXT,
    taken_at               TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (target_id, day)
);
CREATE INDEX target_snapshots_day ON target_snapshots(day);

-- Which days have been snapshotted, so start-up knows whether today's run is missing.
CREATE TABLE snapshot_runs (
    day      DATE PRIMARY KEY,
    taken_at TIMESTAMPTZ NOT NULL,
    targets  INTEGER NOT NULL
);

-- The status thresholds an admin may move (DESIGN.md, "Status"). No row: the defaults.
CREATE TABLE forecast_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    hit_on_track   INTEGER NOT NULL,
    hit_off_track  INTEGER NOT NULL,
    pace_on_track  INTEGER NOT NULL,
    pace_off_track INTEGER NOT NULL,
    updated_by     BIGINT NOT NULL REFERENCES users(id),
    updated_at     TIMESTAMPTZ NOT NULL
);
