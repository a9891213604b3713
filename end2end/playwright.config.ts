import { defineConfig, devices } from '@playwright/test';

// The server is started by scripts/test.sh (fresh SQLite database with the demo company);
// PACER_URL says where. Chromium is Debian's: Playwright's own browser download cannot work here.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.PACER_URL ?? 'http://127.0.0.1:3000',
    trace: 'retain-on-failure',
    // Pacer registers a service worker on every page; a worker answering requests would hide them
    // from page.route. Only the check-in spec, which tests it, allows it.
    serviceWorkers: 'block',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], channel: undefined } }],
});
