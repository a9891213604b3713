import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, DEMO_REP, demoUser, signIn, waitForHydration } from './fixtures/actions';

// Issue 20: price vs relationship clients. Relationship clients are expected to be steady, price
// clients fluctuate: turnover targets may count one client type, the trend rule has a threshold
// per type.

test('the demo rep has a turnover target with relationship clients, named so in the list', async ({ page }) => {
  await signIn(page, DEMO_REP.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/targets?view=mine');
  await waitForHydration(page);
  const row = page.locator('[data-testid^="target-row-"]').filter({ hasText: 'Turnover with relationship clients' });
  await expect(row).toHaveCount(1);
  await row.getByRole('link').click();
  await expect(page).toHaveURL(/\/targets\/\d+$/);
  await expect(page.getByTestId('target-detail')).toContainText('Turnover with relationship clients');
});

test('the editor offers the client type for turnover only and the check names it', async ({ page }) => {
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/targets/new');
  await waitForHydration(page);
  await page.getByLabel('Metric').selectOption('turnover');
  const clientType = page.getByLabel('Client type');
  await expect(clientType).toBeVisible();
  await clientType.selectOption('relationship');
  await page.getByLabel('Target value').fill('250000');
  await expect(page.getByTestId('smart-M')).toContainText('of turnover with relationship clients');
  // Visits count every client: the choice goes away.
  await page.getByLabel('Metric').selectOption('visits');
  await expect(page.getByLabel('Client type')).toHaveCount(0);
});

test('the trend rule has a threshold per client type, with the reason beside it', async ({ page }) => {
  await signIn(page, demoUser('Sabine Krüger'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/settings');
  await waitForHydration(page);
  const form = page.getByTestId('trend-form');
  await expect(form.getByLabel('Relationship clients (expected to be steady)')).toHaveValue('30');
  await expect(form.getByLabel('Price clients (fluctuate)')).toHaveValue('30');
  await expect(page.getByText('Relationship clients are expected to be steady')).toBeVisible();
});
