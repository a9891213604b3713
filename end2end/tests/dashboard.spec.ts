import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, demoUser, signIn, waitForHydration } from './fixtures/actions';

// Issue #5: the dashboard is the landing page — the digest first, then my targets with status
// and pace; a manager also sees the team's targets and who is off track.
test('the dashboard greets with the digest, my targets and their status and pace', async ({ page }) => {
  await signIn(page, demoUser('Nadine Wolf'));
  await expect(page).toHaveURL(/\/$/);
  const digest = page.getByTestId('digest');
  await expect(digest).toBeVisible();
  // The demo starts with two weeks of snapshots, so the digest compares with yesterday.
  await expect(digest.locator('h2')).toHaveText('Since yesterday');
  const mine = page.getByTestId('my-targets').getByTestId('dash-target');
  expect(await mine.count()).toBeGreaterThanOrEqual(3);
  for (const target of await mine.all()) {
    await expect(target.getByTestId('health')).toHaveText(/^(On track|At risk|Off track)$/);
    await expect(target.getByTestId('pace')).toContainText('expected by today');
  }
  await expect(page.getByTestId('team-targets')).toHaveCount(0);
});

test('a manager sees the team: counts by status and who is off track', async ({ page }) => {
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  const team = page.getByTestId('team-targets');
  await expect(team).toBeVisible();
  const counts = await team.getByTestId('team-counts').innerText();
  const total = [...counts.matchAll(/(\d+) (off track|at risk|on track)/g)].reduce((n, m) => n + Number(m[1]), 0);
  expect(total).toBeGreaterThan(0);
  const off = Number(/(\d+) off track/.exec(counts)![1]);
  await expect(team.getByTestId('off-track-item')).toHaveCount(off);
});

test('a target shows its burn-up chart with a point for every day so far and its status history', async ({ page }) => {
  await signIn(page, demoUser('Nadine Wolf'));
  await expect(page).toHaveURL(/\/$/);
  // Her quarterly visits target: a run-rate metric, with the weekly pace needed.
  await page.getByTestId('my-targets').getByRole("link", { name: /customer visits/ }).first().click();
  await expect(page).toHaveURL(/\/targets\/\d+$/);
  await waitForHydration(page);
  const chart = page.getByTestId('burnup');
  await expect(chart).toBeVisible();
  const svg = chart.locator('svg');
  const start = (await svg.getAttribute('data-period-start'))!;
  const end = (await svg.getAttribute('data-period-end'))!;
  const today = new Date().toISOString().slice(0, 10);
  const last = today < end ? today : end;
  const days = (Date.parse(last) - Date.parse(start)) / 86_400_000 + 1;
  const points = (await chart.getByTestId('burnup-actual').getAttribute('points'))!.trim().split(/\s+/);
  expect(points).toHaveLength(days);
  await expect(svg).toHaveAttribute('data-points', String(days));
  await expect(chart.getByTestId('burnup-target')).toBeAttached();
  await expect(chart.getByTestId('burnup-expected')).toBeAttached();
  // Visits have a range from the months before (issue 19), drawn as a band, and still the
  // weekly pace needed.
  await expect(chart.getByTestId('burnup-band')).toBeAttached();
  await expect(page.getByTestId('weekly-pace')).toContainText(/a week/);
  // Two weeks of demo snapshots and today's, one square each.
  const strip = page.getByTestId('status-history').locator('.history-day');
  await expect(strip).toHaveCount(Math.min(15, days));
});

test('an admin moves the status thresholds; a wrong value is named at its field', async ({ page }) => {
  await signIn(page, 'sabine.krueger@pacer.demo');
  await expect(page).toHaveURL(/\/$/);
  await waitForHydration(page);
  await page.getByTestId('settings-link').click();
  await expect(page).toHaveURL(/\/settings$/);
  const form = page.getByTestId('thresholds-form');
  const offTrack = form.locator('#field-hit_off_track');
  await expect(offTrack).toHaveValue('30');
  await offTrack.fill('75');
  await offTrack.blur();
  await expect(page.getByTestId('error-hit_off_track')).toContainText('below on track (70 %)');
  await page.getByTestId('save-thresholds').click();
  await expect(page.getByTestId('thresholds-saved')).toHaveCount(0);
  // Put back what was there: the other browser tests share this database.
  await offTrack.fill('30');
  await page.getByTestId('save-thresholds').click();
  await expect(page.getByTestId('thresholds-saved')).toBeVisible();
  await expect(page.getByTestId('error-hit_off_track')).toHaveText('');
});
