-- The accuracy report (issue 19) compares Pacer's forecast with the plain weighted pipeline
-- (won + Σ value × probability) as it stood on each day: kept beside the band for bookings and
-- won-opportunity targets (run-rate targets compare with the straight-line projection).
ALTER TABLE target_snapshots ADD COLUMN weighted_hundredths BIGINT;
