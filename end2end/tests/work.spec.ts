import { expect, test } from './fixtures/test';
import { DEMO_REP, demoUser, signIn, waitForHydration } from './fixtures/actions';

/** The browser's local day, as date inputs take it. */
function localDay(offsetDays = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Issue #20: a running target lists the customers that close its gap. The rep plans a visit
// to the top one from there, and it drops off the list.
test('a rep plans a visit to the top candidate of her visits target and it drops off', async ({ page }) => {
  await signIn(page, DEMO_REP.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/targets');
  await waitForHydration(page);
  await page.getByRole('link', { name: /^Lena Schulz: \d+ customer visits in Q4/ }).first().click();
  await expect(page).toHaveURL(/\/targets\/\d+$/);
  const targetUrl = page.url();
  const candidates = page.getByTestId('gap-candidates');
  await expect(candidates.getByRole('heading', { name: 'Not visited for longest' })).toBeVisible();
  const top = candidates.getByTestId('candidate').first();
  const customerId = await top.getAttribute('data-customer-id');
  await expect(top.locator('.candidate-detail')).toHaveText(/last visit .* \(\d+ days ago\)|never visited/);

  await top.getByTestId('candidate-plan').click();
  await expect(page).toHaveURL(new RegExp(`/customers/${customerId}\\?plan`));
  await waitForHydration(page);
  const plan = page.getByTestId('plan-visit');
  await plan.getByLabel('Plan a visit on').fill(localDay(1));
  await plan.getByLabel('Purpose').fill('Present the spring range');
  await plan.getByRole('button', { name: 'Plan visit' }).click();
  await expect(page.getByTestId('planned-visit').filter({ hasText: 'Present the spring range' })).toHaveCount(1);

  await page.goto(targetUrl);
  await waitForHydration(page);
  await expect(candidates.getByTestId('candidate').first()).toBeVisible();
  await expect(candidates.locator(`[data-customer-id="${customerId}"]`)).toHaveCount(0);
});

// Issue #20: work done away from a check-in is recorded in the browser: a call logged from the
// dashboard with a next step due today shows on the customer's page and on the dashboard until
// it is ticked off.
test('a rep logs a call from the dashboard; its next step is due there until done', async ({ page }) => {
  await signIn(page, demoUser('Nadine Wolf'));
  await expect(page).toHaveURL(/\/$/);
  await waitForHydration(page);
  const card = page.getByTestId('log-work');
  await card.locator('summary').click();
  // Her customers: pick the first one the search finds.
  const search = card.getByTestId('log-work-search');
  await search.fill('GmbH');
  const first = card.getByTestId('log-work-results').getByRole('button').first();
  await expect(first).toBeVisible();
  const customer = (await first.innerText()).split(' · ')[0];
  await first.click();
  await expect(card.getByTestId('log-work-customer')).toHaveText(customer);

  const form = card.getByTestId('log-activity');
  await form.getByLabel('What').selectOption('call');
  await form.getByLabel('How it went').selectOption('follow_up');
  await form.getByLabel('Notes').fill('Wants a quote for 40 units');
  // A next step without its day is refused by field, before anything is sent.
  await form.getByLabel('Next step').fill('Send the quote for 40 units');
  await form.getByRole('button', { name: 'Log it' }).click();
  await expect(form.getByTestId('activity-error-next_step_due')).toHaveText('give the day the next step is due');
  await expect(form.locator('#activity-next-step-due')).toHaveAttribute('aria-invalid', 'true');
  await form.getByLabel('Due on').fill(localDay(0));
  await form.getByRole('button', { name: 'Log it' }).click();
  await expect(form.getByTestId('activity-logged')).toHaveText('Call logged.');

  await page.reload();
  await waitForHydration(page);
  const step = page.getByTestId('next-steps').getByTestId('next-step').filter({ hasText: 'Send the quote for 40 units' });
  await expect(step).toHaveCount(1);
  await expect(step).toContainText('due today');
  await step.getByRole('link', { name: customer }).click();
  await waitForHydration(page);
  const line = page.getByTestId('activity').filter({ hasText: 'Wants a quote for 40 units' });
  await expect(line).toContainText('Call');
  await expect(line).toContainText('Follow-up agreed');
  await expect(line.getByTestId('activity-next-step')).toContainText('Next: Send the quote for 40 units');

  await page.goto('/');
  await waitForHydration(page);
  await step.getByTestId('next-step-done').click();
  await expect(step.getByTestId('next-step-done')).toHaveText('Done ✓');
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('next-step').filter({ hasText: 'Send the quote for 40 units' })).toHaveCount(0);
});

// Issue #20: a rep adds a prospect from the phone; the same firm typed again in the same town
// is flagged before anything is saved.
test('a rep adds a prospect on the phone and the same firm again is flagged', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, DEMO_REP.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/check-in');
  await waitForHydration(page);
  await page.getByTestId('checkin-new-prospect').click();
  await expect(page).toHaveURL(/\/customers\/new$/);
  await waitForHydration(page);
  const tag = Date.now().toString(36);
  const form = page.getByTestId('prospect-form');
  await form.getByLabel('Company name').fill(`Brandt Kältetechnik ${tag} GmbH`);
  await form.getByLabel('Town').fill('Kiel');
  await form.getByLabel('Annual potential in € (estimate)').fill('80000');
  await form.getByRole('button', { name: 'Save prospect' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+$/);
  const first = page.url();
  await expect(page.getByTestId('customer-name')).toHaveText(`Brandt Kältetechnik ${tag} GmbH`);

  await page.goto('/customers/new');
  await waitForHydration(page);
  await form.getByLabel('Company name').fill(`Brandt Kaeltetechnik ${tag}`);
  await form.getByLabel('Town').fill('kiel');
  await form.getByRole('button', { name: 'Save prospect' }).click();
  const alike = page.getByTestId('prospect-lookalikes');
  await expect(alike).toContainText('Already in Pacer?');
  await expect(alike.getByRole('link', { name: `Brandt Kältetechnik ${tag} GmbH` })).toHaveAttribute('href', new URL(first).pathname);
  await expect(page).toHaveURL(/\/customers\/new$/);
  await alike.getByTestId('prospect-save-anyway').click();
  await expect(page).toHaveURL(/\/customers\/\d+$/);
  expect(page.url()).not.toBe(first);
});
