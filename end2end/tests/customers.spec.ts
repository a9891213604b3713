import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, DEMO_REP, signIn, waitForHydration } from './fixtures/actions';

const ADMIN = 'sabine.krueger@pacer.demo';

/** Unique per run, so the test can run again on the same database. */
const RUN = Date.now().toString(36);

/** A sales file: `lines` sales spread over 5 new customers, dated 2020 so no target moves. */
function salesFile(lines: number, badLine?: number): Buffer {
  const rows = ['customer_ref;date;amount;reference'];
  for (let i = 0; i < lines; i++) {
    const line = i + 2; // the header is line 1
    const amount = line === badLine ? '12,3,4' : `${(i % 997) + 1},50`;
    rows.push(`E2E-${RUN}-${i % 5};${String((i % 28) + 1).padStart(2, '0')}.03.2020;${amount};E2E-${RUN}-${lines}-${i}`);
  }
  return Buffer.from('\ufeff' + rows.join('\n') + '\n', 'utf-8');
}

// Issue #6: upload a CSV, see the progress and the result — a bad line refuses the whole file.
test('an admin imports sales: a bad line stores nothing, then the file imports with progress', async ({ page }) => {
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/customers');
  await waitForHydration(page);
  await page.getByTestId('import-link').click();
  await expect(page).toHaveURL(/\/customers\/import$/);
  await waitForHydration(page);
  await expect(page.getByTestId('import-columns')).toContainText('customer_ref, date, amount');

  await page.getByTestId('import-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: salesFile(40, 7) });
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText('Nothing was imported: 1 problem in 40 lines');
  const errors = page.getByTestId('import-error');
  await expect(errors).toHaveCount(1);
  await expect(errors.first()).toContainText('7');
  await expect(errors.first()).toContainText('amount');
  await expect(errors.first()).toContainText('"12,3,4" is not an amount');

  // Every phase the status line goes through is recorded while the import runs.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as any).importPhases = seen;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="import-phase"]');
      if (el && seen[seen.length - 1] !== el.textContent) seen.push(el.textContent ?? '');
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('import-file').setInputFiles({ name: 'sales.csv', mimeType: 'text/csv', buffer: salesFile(60_000) });
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText('Imported 60000 lines of sales: 60000 new', { timeout: 60_000 });
  await expect(page.getByTestId('import-new-customers')).toContainText(`E2E-${RUN}-0`);
  await expect(page.getByTestId('import-report')).toContainText('semicolons');
  const phases: string[] = await page.evaluate(() => (window as any).importPhases);
  expect(phases.some((p) => /^(Uploading|Checking|Storing)/.test(p))).toBe(true);
  expect(phases.some((p) => /^Storing… \d+ of 60000 lines$/.test(p))).toBe(true);

  // The same file again stores nothing twice.
  await page.getByTestId('import-file').setInputFiles({ name: 'sales.csv', mimeType: 'text/csv', buffer: salesFile(60_000) });
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-summary')).toContainText('0 new, 0 changed, 60000 already there', { timeout: 60_000 });
});

// Issue #6: open the minus list and a customer's chart.
test('a rep opens the minus list, then a customer with its 24-month chart, and plans a visit', async ({ page }) => {
  await signIn(page, DEMO_REP.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/customers');
  await waitForHydration(page);
  await page.getByTestId('list-minus').click();
  await expect(page).toHaveURL(/list=minus/);
  // Rendered with the minus list's rows (the old rows stay until the new ones arrive).
  await expect(page.getByText('Customers buying less than in the same span last year')).toBeVisible();
  const rows = page.getByTestId('customer-row');
  await expect(rows.first()).toBeVisible();
  // Most negative first, every deviation below zero.
  const deltas = (await page.getByTestId('delta').allInnerTexts()).map((t) => Number(t.replace(/[^\d.-]/g, '')));
  expect(deltas.length).toBeGreaterThan(0);
  for (const d of deltas) expect(d).toBeLessThan(0);
  expect([...deltas].sort((a, b) => a - b)).toEqual(deltas);

  const first = rows.first().getByRole('link');
  const name = await first.innerText();
  await first.click();
  await expect(page.getByTestId('customer-name')).toHaveText(name);
  await expect(page.getByTestId('turnover-chart').getByTestId('month-bar')).toHaveCount(24);
  await expect(page.getByTestId('window-12 months before')).toHaveCount(1);
  await expect(page.getByTestId('window-last 3 complete months')).toHaveCount(1);
  await expect(page.getByTestId('customer-turnover')).toContainText('a year earlier');

  await waitForHydration(page);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Plan a visit on').fill(tomorrow);
  const purpose = `Win back the spring order (${Date.now().toString(36)})`;
  await page.getByLabel('Purpose').fill(purpose);
  await page.getByRole('button', { name: 'Plan visit' }).click();
  await expect(page.getByTestId('planned-visit').filter({ hasText: purpose })).toBeVisible();
});

test('a manager sorts the plus list, filters it and gets the same list as CSV', async ({ page }) => {
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/customers?list=plus');
  await waitForHydration(page);
  const deltas = async () =>
    (await page.getByTestId('delta').allInnerTexts()).map((t) => Number(t.replace(/[^\d.-]/g, '')));
  const natural = await deltas();
  expect(natural.length).toBeGreaterThan(0);
  for (const d of natural) expect(d).toBeGreaterThan(0);
  expect([...natural].sort((a, b) => b - a)).toEqual(natural);

  await page.getByTestId('sort-name').click();
  await expect(page).toHaveURL(/sort=name/);
  await expect(page.getByTestId('sort-name')).toContainText('↑');
  const names = await page.getByTestId('customer-row').getByRole('link').allInnerTexts();
  // Case-insensitive, as the database's LOWER() folds case (ASCII letters).
  const key = (n: string) => n.replace(/[A-Z]/g, (c) => c.toLowerCase());
  expect([...names].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))).toEqual(names);

  await page.getByLabel('Client type').selectOption('price');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/segment=price/);
  await expect(page.getByTestId('customer-row').filter({ hasText: 'Relationship client' })).toHaveCount(0);
  await expect(page.getByTestId('customer-row').first()).toBeVisible();
  const shown = await page.getByTestId('customer-row').count();

  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^customers-plus-\d{4}-01-01-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = require('fs').readFileSync(await file.path(), 'utf-8') as string;
  const lines = text.trim().split('\n');
  expect(lines[0]).toContain('customer_ref,name,segment,owner');
  expect(lines.length - 1).toBe(shown);
  for (const line of lines.slice(1)) expect(line).toContain(',price,');
});

test('a manager narrows the list to one team of their unit', async ({ page }) => {
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/customers');
  await waitForHydration(page);
  const all = await page.getByTestId('customer-count').innerText();
  const whole = Number(/of (\d+) customers/.exec(all)?.[1] ?? /(\d+) customers/.exec(all)![1]);
  const unit = page.getByLabel('Unit');
  const options = await unit.locator('option').allInnerTexts();
  // "All I see", the manager's business unit, then its teams.
  expect(options.length).toBeGreaterThanOrEqual(3);
  await unit.selectOption({ label: options[2] });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/unit=\d+/);
  // The list keeps showing the old rows until the narrowed ones arrive.
  await expect(page.getByTestId('customer-count')).not.toHaveText(all);
  const team = await page.getByTestId('customer-count').innerText();
  const part = Number(/of (\d+) customers/.exec(team)?.[1] ?? /(\d+) customers/.exec(team)![1]);
  expect(part).toBeGreaterThan(0);
  expect(part).toBeLessThan(whole);
});

test('the trend list explains each flag with both run rates', async ({ page }) => {
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/customers?list=trend');
  await waitForHydration(page);
  const trends = page.getByTestId('trend');
  await expect(trends.first()).toBeVisible();
  await expect(trends.first()).toHaveAttribute('title', /a month over the last 3 months against .* in the 12 months before/);
});

test('a search that finds one customer says "1 customer"', async ({ page }) => {
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/customers');
  await waitForHydration(page);
  // Customers' whole names, searched for until one finds its row alone.
  const names = (await page.getByTestId('customer-row').locator('td:first-child a').allInnerTexts()).slice(0, 10);
  for (const name of names) {
    await page.goto(`/customers?search=${encodeURIComponent(name.trim())}`);
    await waitForHydration(page);
    await expect(page.getByTestId('customer-row').first()).toBeVisible();
    if ((await page.getByTestId('customer-row').count()) !== 1) continue;
    await expect(page.getByTestId('customer-count')).toHaveText('1 customer');
    return;
  }
  throw new Error(`no search among ${names.join(', ')} found exactly one customer`);
});
