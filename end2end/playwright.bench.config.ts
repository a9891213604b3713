import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Measured browser runs for BENCHMARKS.md (`make bench`), one at a time so nothing else
// competes for the two cores.
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: /.*\.bench\.ts/,
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
});
