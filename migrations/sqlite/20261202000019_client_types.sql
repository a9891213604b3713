-- Issue 20: price vs relationship clients. The trend rule gets a least change per client type
-- (relationship clients are expected to buy steadily, price clients fluctuate); without them the
-- stored single percentage still counts for both, so a rule saved before means the same. A
-- turnover target may count one client type's sales only; NULL counts every client's.
ALTER TABLE trend_settings ADD COLUMN relationship_pct INTEGER;
ALTER TABLE trend_settings ADD COLUMN price_pct INTEGER;
ALTER TABLE targets ADD COLUMN segment TEXT CHECK (segment IN ('price', 'relationship'));
