import { Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { demoUser, signIn, waitForHydration } from './fixtures/actions';

// Issue 22: each person picks how numbers, amounts and dates are written — English (€ 1,234.56,
// 31 Mar 2026) or German (1.234,56 €, 31.03.2026) — and it holds on the board, in the target
// editor, in date fields and in the CSV exports (which keep a plain option for machines).
// Anja Neumann and Markus Weber (Trade) are in no other spec, so switching them is safe.

const REP = demoUser('Anja Neumann');
const MANAGER = demoUser('Markus Weber');

async function writeGerman(page: Page, email: string) {
  await signIn(page, email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/account');
  await waitForHydration(page);
  await page.getByTestId('locale-choice').selectOption('de');
  // The page reloads with the new choice.
  await expect(page.locator('html')).toHaveAttribute('data-locale', 'de');
  await waitForHydration(page);
  await expect(page.getByTestId('locale-choice')).toHaveValue('de');
}

test.describe.configure({ mode: 'serial' });

test('a rep who reads German creates a deal as 1.234,56 € closing 31.03.2027, and exports it both ways', async ({ page }) => {
  await writeGerman(page, REP);
  await page.goto('/board');
  await waitForHydration(page);
  // The columns' sums too: "12,3 Tsd. €", never "€ 12.3 k".
  const totals = page.getByTestId('column-totals').first();
  await expect(totals).toContainText(/(Tsd\.|Mio\.|\d) €/);
  await expect(totals).not.toContainText(/€ \d/);
  const title = `Regalsystem ${Date.now()}`;
  await page.getByTestId('new-opportunity').click();
  const drawer = page.getByTestId('drawer');
  // The drawer's close date is already written the German way.
  await expect(drawer.getByLabel('Expected close')).toHaveValue(/^\d{2}\.\d{2}\.\d{4}$/);
  await drawer.getByLabel('Title').fill(title);
  await drawer.getByLabel('Customer').selectOption({ index: 1 });
  await drawer.getByLabel('Value').fill('1.234,56');
  await drawer.getByLabel('Expected close').fill('31.03.2027');
  await drawer.getByLabel('Expected close').blur();
  await expect(drawer.getByTestId('error-value')).toHaveText('');
  await expect(drawer.getByTestId('error-expected_close_on')).toHaveText('');
  await drawer.getByRole('button', { name: 'Save' }).click();
  await expect(drawer).toHaveCount(0);

  const card = page.getByTestId('card').filter({ hasText: title });
  await expect(card.locator('.opp-value')).toHaveAttribute('title', '1.234,56 €');
  await expect(card.locator('.opp-value')).toHaveText('1,2 Tsd. €');
  await expect(card).toContainText('31.03.2027');
  // A date the German way that does not exist is refused in words.
  await card.locator('.opp-title').click();
  await expect(drawer.getByLabel('Value')).toHaveValue('1234,56');
  await expect(drawer.getByLabel('Expected close')).toHaveValue('31.03.2027');
  await drawer.getByLabel('Expected close').fill('31.02.2027');
  await drawer.getByLabel('Expected close').blur();
  await expect(drawer.getByTestId('error-expected_close_on')).toContainText('"31.02.2027" is not a date (write it as TT.MM.JJJJ)');
  await page.keyboard.press('Escape');

  // The CSV in German: semicolons, decimal comma, 31.03.2027; the plain one for machines.
  const german = await (await page.request.get('/api/export/opportunities.csv')).text();
  const line = german.split('\n').find((l) => l.includes(title))!;
  expect(line, german.slice(0, 300)).toBeTruthy();
  expect(line).toContain(';1.234,56;EUR;');
  expect(line).toContain(';31.03.2027;');
  const plain = await (await page.request.get('/api/export/opportunities.csv?format=plain')).text();
  const plainLine = plain.split('\n').find((l) => l.includes(title))!;
  expect(plainLine).toContain(',1234.56,EUR,');
  expect(plainLine).toContain(',2027-03-31,');
  await expect(page.getByTestId('export-csv-plain')).toHaveAttribute('href', /format=plain/);
});

test('a manager who reads German drafts a target with German dates and amounts', async ({ page }) => {
  await writeGerman(page, MANAGER);
  await page.goto('/targets/new');
  await waitForHydration(page);
  // The quarter the editor starts with is written the German way.
  await expect(page.getByLabel('Start', { exact: true })).toHaveValue(/^\d{2}\.\d{2}\.\d{4}$/);
  await page.getByLabel('Metric').selectOption('turnover');
  await page.getByLabel('Target value').fill('1234,56');
  await expect(page.getByTestId('value-reads-as')).toHaveText('= 1.234,56 €');
  await page.getByLabel('Target value').fill('250k');
  await expect(page.getByTestId('value-reads-as')).toHaveText('= 250.000,00 €');
  await page.getByLabel('Start', { exact: true }).fill('01.01.2027');
  await page.getByLabel('End', { exact: true }).fill('31.03.2027');
  await expect(page.getByTestId('smart-T')).toHaveAttribute('data-level', 'pass');
  await expect(page.getByTestId('smart-T')).toContainText('01.01.2027 – 31.03.2027');
  await expect(page.getByTestId('smart-M')).toContainText('250 Tsd. €');
  // An end before the start, in German dates.
  await page.getByLabel('End', { exact: true }).fill('31.12.2026');
  await expect(page.getByTestId('smart-T')).toContainText('the end date 31.12.2026 is before the start date 01.01.2027');

  // Back to English: the same fields now read the English way.
  await page.goto('/account');
  await waitForHydration(page);
  await page.getByTestId('locale-choice').selectOption('en');
  await expect(page.locator('html')).toHaveAttribute('data-locale', 'en');
  await page.goto('/targets/new');
  await waitForHydration(page);
  await expect(page.getByLabel('Start', { exact: true })).toHaveValue(/^\d{2} [A-Z][a-z]{2} \d{4}$/);
  await page.getByLabel('Target value').fill('1,234.56');
  await expect(page.getByTestId('value-reads-as')).toHaveText('= € 1,234.56');
});
