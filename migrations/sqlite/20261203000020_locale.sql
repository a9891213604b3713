-- Issue 22: each person reads numbers, amounts and dates in their own locale ('en': € 1,234.56
-- and 31 Mar 2026; 'de': 1.234,56 € and 31.03.2026), in the UI, the e-mails and the exports.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'de'));
