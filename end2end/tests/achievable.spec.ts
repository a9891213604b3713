import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, signIn, waitForHydration } from './fixtures/actions';

// Issue 20, part 4: Achievable as the seed means it. A target below what the assignee's run
// rate and season already make likely is flagged as not ambitious, with the figure; the chance
// to hit the value typed is read in the browser from what the server expects, so the letter
// follows every keystroke; the external factors say which way they push, and ambition raises
// the floor only. Nothing is saved here, so parallel tests see no new target.

test('a manager drafts a target that is too low and sees why', async ({ page }) => {
  let asked = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/target_context')) asked += 1;
  });
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/targets/new');
  await waitForHydration(page);

  await page.getByLabel('Metric').selectOption('turnover');
  await page.getByLabel('For', { exact: true }).selectOption({ label: 'Jonas Meyer (Industry North)' });
  await page.getByRole('button', { name: 'This quarter' }).click();
  await page.getByLabel('Statement').fill('Jonas Meyer: turnover of € 1,000 this quarter');
  await page.getByLabel('Target value').fill('1000');

  // Jonas's run rate and season already point far beyond € 1 k: too low, and why.
  const achievable = page.getByTestId('smart-A');
  await expect(achievable).toContainText('too low:');
  await expect(achievable).toHaveAttribute('data-level', 'warning');
  await expect(achievable).toContainText(/Pacer (already )?expects € [\d.]+( [kM])? from the run rate and the season/);

  // The chance follows the value as it is typed, without asking the server again.
  const askedBefore = asked;
  expect(askedBefore).toBeGreaterThan(0);
  await page.getByLabel('Target value').fill('500M');
  await expect(achievable).toContainText('too high: P(hit) under 1 % for € 500 M');
  await page.getByLabel('Target value').fill('1000');
  await expect(achievable).toContainText('too low:');
  expect(asked, 'the value alone is judged in the browser').toBe(askedBefore);

  // Each factor says which way it pushes; the plausible growth follows, and ambition moves
  // the floor, never the ceiling.
  await expect(page.getByLabel('Competition intensity').locator('option[value="high"]')).toHaveText(
    'High — strong competition: makes growth harder',
  );
  const range = page.getByTestId('growth-range');
  await expect(range).toContainText('+0 % to +20 %');
  await page.getByLabel('Leadership ambition').selectOption('high');
  await expect(range).toContainText('+10 % to +20 %');
  await page.getByLabel('Competition intensity').selectOption('high');
  await expect(range).toContainText('+5 % to +15 %');

  // The server's check on save says the same: the warning must be acknowledged.
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByTestId('needs-ack')).toBeVisible();
  await expect(page).toHaveURL(/\/targets\/new$/);
  await expect(achievable).toContainText('too low:');
});
