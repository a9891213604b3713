import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, DEMO_REP, signIn, waitForHydration } from './fixtures/actions';

// Issue #8: a manager creates an API token on the settings page, sees it once, a script uses
// it with the manager's scope, and revoking it shuts the script out at once.
test('a manager creates an API token, a script uses it, revoking it shuts the script out', async ({ page, request }) => {
  await signIn(page, DEMO_MANAGER.email);
  await page.getByTestId('settings-link').click();
  await expect(page).toHaveURL(/\/settings$/);
  await waitForHydration(page);
  const section = page.getByTestId('api-tokens');
  await expect(section).toBeVisible();

  // A token needs a name: the refusal shows under the field.
  await section.getByTestId('create-token').click();
  await expect(section.getByTestId('error-name')).toContainText('give the token a name');

  await section.getByLabel('Name').fill('BI nightly export');
  await section.getByLabel('Role').selectOption('manager');
  await section.getByLabel('Sees').selectOption({ label: 'Industry North' });
  await section.getByTestId('create-token').click();
  const secret = section.getByTestId('new-token-value');
  await expect(secret).toHaveValue(/^pacer_[0-9a-f]{64}$/);
  const token = await secret.inputValue();
  const row = section.getByTestId('token-row').filter({ hasText: 'BI nightly export' });
  await expect(row).toContainText('Industry North');
  await expect(row).toContainText(`pacer_…${token.slice(-4)}`);
  await expect(row).toContainText('never');

  // The script: the manager's role over Industry North, nothing else.
  const auth = { Authorization: `Bearer ${token}` };
  const me = await request.get('/api/v1/me', { headers: auth });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ role: 'manager', unit_name: 'Industry North' });
  const list = await request.get('/api/v1/opportunities?page_size=200', { headers: auth });
  expect(list.status()).toBe(200);
  const owners = new Set(((await list.json()).items as { owner_name: string }[]).map((o) => o.owner_name));
  expect(owners.size).toBeGreaterThan(0);
  const csv = await request.get('/api/export/opportunities.csv', { headers: auth });
  expect(csv.status()).toBe(200);
  // Pages are not for tokens.
  expect((await request.get('/api/customers', { headers: auth })).status()).toBe(401);

  // Last use shows after a reload (it is written just after the first request); revoking
  // takes two clicks and works at once.
  await expect(async () => {
    await page.reload();
    await expect(row).not.toContainText('never', { timeout: 1000 });
  }).toPass({ timeout: 15000 });
  await waitForHydration(page);
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await row.getByTestId('revoke-token').click();
  await expect(row.getByTestId('revoke-token')).toHaveText('Really revoke?');
  await row.getByTestId('revoke-token').click();
  await expect(row.getByTestId('token-revoked')).toContainText('Revoked');
  const after = await request.get('/api/v1/me', { headers: auth });
  expect(after.status()).toBe(401);
  expect((await after.json()).error.code).toBe('unauthorized');
});

test('the API page documents every endpoint, and reps have no token settings', async ({ page }) => {
  await page.goto('/api/v1/docs');
  await expect(page.locator('h1')).toContainText('Pacer API');
  for (const path of ['/api/v1/opportunities', '/api/v1/sales', '/api/v1/targets/{id}', '/api/v1/check-ins']) {
    await expect(page.locator('code', { hasText: path }).first()).toBeVisible();
  }
  await page.getByRole('link', { name: 'OpportunityPage' }).first().click();
  await expect(page.locator('#schema-OpportunityPage')).toBeInViewport();

  await signIn(page, DEMO_REP.email);
  await expect(page.getByTestId('settings-link')).toHaveCount(0);
});

// Issue 25: an admin subscribes another system to events under Settings → Webhooks, sees the
// signing secret once, and pauses, resumes and deletes the subscription; managers have no
// webhook settings.
test('an admin subscribes a webhook, sees its secret once, pauses, resumes and deletes it', async ({ page }) => {
  await signIn(page, 'sabine.krueger@pacer.demo');
  await expect(page).not.toHaveURL(/\/login/);
  await page.goto('/settings');
  await waitForHydration(page);
  const section = page.getByTestId('webhooks');
  await expect(section).toBeVisible();

  // Refusals in plain words, under their fields: the address first, then the events.
  await section.getByTestId('create-webhook').click();
  await expect(section.getByTestId('error-url')).toContainText('starting with https://');
  const url = `https://erp.example.invalid/pacer-events-${Date.now()}`;
  await section.getByLabel('Address').fill(url);
  await section.getByTestId('create-webhook').click();
  await expect(section.getByTestId('error-events')).toContainText('choose at least one event');
  await section.getByRole('checkbox', { name: /opportunity\.won/ }).check();
  await section.getByTestId('create-webhook').click();
  await expect(section.getByTestId('new-webhook-value')).toHaveValue(/^whsec_[0-9a-f]{64}$/);
  const row = section.getByTestId('webhook-row').filter({ hasText: url });
  await expect(row).toContainText('opportunity.won');
  await expect(row.getByTestId('webhook-state')).toHaveText('Running');
  await expect(row.getByTestId('webhook-last-status')).toContainText('none yet');

  await row.getByTestId('webhook-pause').click();
  await expect(row.getByTestId('webhook-state')).toContainText('Paused: paused by Sabine');
  await row.getByTestId('webhook-pause').click();
  await expect(row.getByTestId('webhook-state')).toHaveText('Running');
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('new-webhook-value')).toHaveCount(0);
  await row.getByTestId('webhook-delete').click();
  await expect(row).toHaveCount(0);

  await page.context().clearCookies();
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).not.toHaveURL(/\/login/);
  await page.goto('/settings');
  await waitForHydration(page);
  await expect(page.getByTestId('api-tokens')).toBeVisible();
  await expect(page.getByTestId('webhooks')).toHaveCount(0);
});
