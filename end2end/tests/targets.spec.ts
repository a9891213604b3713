import { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, demoUser, signIn, waitForHydration } from './fixtures/actions';

// The demo's next-quarter negotiations involve Lena, Jonas, Katrin and Florian; these tests
// work with Miriam Bauer and Stefan Gruber so that parallel tests never touch the same target.

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  await expect(page).toHaveURL(/\/$/);
  return page;
}

const letter = (page: Page, l: string) => page.getByTestId(`smart-${l}`);

// One after the other: the first moves a target of the same manager through "changes
// requested", which the second lists and exports; side by side, a target could enter or leave
// the filter between the list and the export.
test.describe.configure({ mode: 'serial' });

test('a manager drafts a SMART target, the rep counters and the manager accepts the counter', async ({ browser }) => {
  const manager = await signedIn(browser, DEMO_MANAGER.email);
  await manager.goto('/targets/new');
  await waitForHydration(manager);

  // Who and what first: Specific needs both before it judges the sentence.
  await manager.getByLabel('Metric').selectOption('visits');
  await manager.getByLabel('Target value').fill('45');
  await manager.getByLabel('For', { exact: true }).selectOption({ label: 'Miriam Bauer (Industry South)' });
  await manager.getByRole('button', { name: 'Next quarter' }).click();

  // A vague statement: Specific warns as the manager types.
  const statement = manager.getByLabel('Statement');
  await statement.pressSequentially('sell more');
  await expect(letter(manager, 'S')).toHaveAttribute('data-level', 'warning');
  await expect(letter(manager, 'S')).toContainText('“sell more” is vague');
  await statement.fill('');
  await statement.pressSequentially('Miriam Bauer: 45 customer visits in the first quarter');
  await expect(letter(manager, 'S')).toHaveAttribute('data-level', 'pass');
  await expect(letter(manager, 'T')).toHaveAttribute('data-level', 'pass');
  await expect(letter(manager, 'T')).toContainText('short term');
  // Achievable quotes what Pacer expects of Miriam, or her own history, once it has arrived
  // from the server.
  await expect(letter(manager, 'A')).toContainText(/P\(hit\)|already reached|needs [+-]\d+ % over|no visits|no history|a stretch|lower than/);

  // An end before the start fails Time-bound, and the form names the field.
  await manager.getByLabel('End', { exact: true }).fill('2026-12-01');
  await expect(letter(manager, 'T')).toHaveAttribute('data-level', 'error');
  await expect(letter(manager, 'T')).toContainText('is before the start date');
  await manager.getByRole('button', { name: 'Save draft' }).click();
  await expect(manager.getByTestId('error-end')).toContainText('is before the start date');
  await manager.getByRole('button', { name: 'Next quarter' }).click();
  await expect(letter(manager, 'T')).toHaveAttribute('data-level', 'pass');

  await manager.getByLabel('Why it matters (relevance)').fill('Field presence keeps relationship clients buying.');
  await expect(letter(manager, 'R')).toHaveAttribute('data-level', 'pass');
  // Whatever warnings remain (Achievable may call it too low or a stretch) are acknowledged
  // explicitly.
  const warnings = await manager.locator('[data-testid^="smart-"][data-level="warning"]').count();
  if (warnings > 0) await manager.getByTestId('acknowledge').check();
  await manager.getByRole('button', { name: 'Save draft' }).click();
  await expect(manager).toHaveURL(/\/targets\/\d+$/);
  const url = manager.url();
  await waitForHydration(manager);
  await expect(manager.getByTestId('target-status').first()).toHaveText('Draft');

  await manager.getByTestId('action-propose').click();
  await expect(manager.getByTestId('target-notice')).toContainText('Proposed');
  await expect(manager.getByTestId('target-status').first()).toHaveText('Proposed');
  // The manager cannot accept on the rep's behalf: there is no such button for them.
  await expect(manager.getByTestId('action-accept')).toHaveCount(0);

  // The rep, in her own browser, counters with 40 visits.
  const rep = await signedIn(browser, demoUser('Miriam Bauer'));
  await rep.goto(url);
  await waitForHydration(rep);
  await expect(rep.getByTestId('action-accept')).toBeVisible();
  await rep.getByTestId('action-request_changes').click();
  await rep.getByLabel('What should change?').fill('Two key customers close for inventory in January.');
  await rep.getByLabel('Counter-value (optional)').fill('40');
  await rep.getByRole('button', { name: 'Send' }).click();
  await expect(rep.getByTestId('target-notice')).toContainText('Changes requested');

  // The manager sees the counter and accepts it.
  await manager.reload();
  await waitForHydration(manager);
  const acceptCounter = manager.getByTestId('action-accept_counter');
  await expect(acceptCounter).toHaveText('Accept 40');
  await acceptCounter.click();
  await expect(manager.getByTestId('target-notice')).toContainText('agreed');
  await expect(manager.getByTestId('target-status').first()).toHaveText('Agreed');

  const timeline = manager.getByTestId('target-timeline');
  await expect(timeline).toContainText('Julia Hoffmann created the target');
  await expect(timeline).toContainText('Julia Hoffmann proposed it');
  await expect(timeline).toContainText('Miriam Bauer asked for changes');
  await expect(timeline).toContainText('Two key customers close for inventory in January.');
  await expect(timeline).toContainText('Miriam Bauer set the counter-value to 40');
  await expect(timeline).toContainText('Julia Hoffmann accepted the counter-proposal');
  await expect(timeline).toContainText('changed the value: 45 → 40');
});

test('the targets list groups by horizon and kind and a parent shows its allocation', async ({ browser }) => {
  const manager = await signedIn(browser, DEMO_MANAGER.email);
  await manager.goto('/targets?view=team');
  await waitForHydration(manager);
  await expect(manager.getByTestId('targets-medium-operational')).toBeVisible();
  await expect(manager.getByTestId('targets-short-operational')).toBeVisible();
  // The business unit's fiscal-year target is fully shared out among its teams.
  await manager.getByRole('link', { name: /^Industry Accounts: turnover of/ }).click();
  await expect(manager).toHaveURL(/\/targets\/\d+$/);
  await expect(manager.getByTestId('allocation')).toContainText('Fully allocated');
  await expect(manager.getByTestId('target-children').getByRole('row')).toHaveCount(3);
  // A status filter narrows the list and is kept in the URL.
  await manager.goto('/targets?view=team&status=changes_requested');
  await waitForHydration(manager);
  const rows = manager.locator('[data-testid^="target-row-"]');
  await expect(rows).not.toHaveCount(0);
  for (const status of await manager.getByTestId('target-status').allTextContents()) {
    expect(status).toBe('Changes requested');
  }
  // Export CSV lists the same targets, with their progress.
  const [download] = await Promise.all([manager.waitForEvent('download'), manager.getByTestId('export-csv').click()]);
  const lines = Buffer.concat(await (await download.createReadStream()).toArray()).toString('utf8').trim().split('\n');
  expect(lines[0]).toContain('id,statement,metric,client_type,assignee,period_start,period_end,status,target,currency,actual,');
  expect(lines.length - 1).toBe(await rows.count());
  expect(lines.slice(1).every((line) => line.includes(',Changes requested,'))).toBe(true);
});
