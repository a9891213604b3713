import { Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { demoUser, signIn, waitForHydration } from './fixtures/actions';
import { column, columnCount } from './fixtures/board';

// The demo company with 50 000 more opportunities (`server seed-scale`), started by
// scripts/test.sh beside the others: PACER_SCALE_URL is where it runs. Issue 21: the board
// sends each column a window at a time, never every card.
const SCALE = process.env.PACER_SCALE_URL;
test.use({ baseURL: SCALE });
test.skip(!SCALE, 'PACER_SCALE_URL names the company-scale installation (scripts/test.sh starts it)');

async function companyBoard(page: Page, query = '') {
  await signIn(page, demoUser('Sabine Krüger'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/board');
  await waitForHydration(page);
  // The whole company: the first unit view the admin may choose.
  const views = page.getByTestId('filter-view');
  const company = await views.locator('option').nth(1).getAttribute('value');
  await page.goto(`/board?view=${company}${query}`);
  await waitForHydration(page);
  await expect(page.getByTestId('board')).toBeVisible();
}

/** Scrolls a column's cards to their end until `count` cards are drawn. */
async function scrollUntil(page: Page, stage: string, count: number) {
  const cards = column(page, stage).locator('.column-cards');
  await expect
    .poll(
      async () => {
        await cards.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        return column(page, stage).getByTestId('card').count();
      },
      // 62 windows, each drawn into a longer column: over a minute on a loaded 2-core CI machine.
      { timeout: 150_000, intervals: [100] },
    )
    .toBeGreaterThanOrEqual(count);
}

test('a column of the 50 000-opportunity board scrolls to its end, a window at a time', async ({ page }) => {
  test.setTimeout(240_000);
  const requests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/board_column')) requests.push(r.url());
  });
  await companyBoard(page);
  const won = column(page, 'Won');
  await won.getByRole('button', { name: 'Show cards' }).click();
  const total = await columnCount(page, 'Won');
  expect(total).toBeGreaterThan(1_000);
  await expect(won.getByTestId('card')).toHaveCount(40);
  await scrollUntil(page, 'Won', total);
  await expect(won.getByTestId('card')).toHaveCount(total);
  await expect(won.getByTestId('column-more')).toHaveCount(0);
  // One request per further window of 40.
  expect(requests.length).toBeGreaterThanOrEqual(Math.ceil(total / 40) - 1);
  // The other columns still hold their first window only.
  await expect(column(page, 'Lead').getByTestId('card')).toHaveCount(40);
});

test('a card from the third window moves, and the column counts follow', async ({ page }) => {
  test.setTimeout(120_000);
  await companyBoard(page);
  const lead = column(page, 'Lead');
  const leadBefore = await columnCount(page, 'Lead');
  const qualifiedBefore = await columnCount(page, 'Qualified');
  expect(leadBefore).toBeGreaterThan(5_000);
  await scrollUntil(page, 'Lead', 120);
  const card = lead.getByTestId('card').nth(100);
  const id = (await card.getAttribute('data-card-id'))!;
  await card.focus();
  await page.keyboard.press('ArrowRight');
  const moved = column(page, 'Qualified').locator(`[data-card-id="${id}"]`);
  await expect(moved).toBeAttached();
  await expect(page.locator(`[data-card-id="${id}"].pending`)).toHaveCount(0);
  await expect(page.getByTestId('announcement')).toContainText('Moved');
  await expect(lead.getByTestId('column-count')).toHaveText(String(leadBefore - 1));
  await expect(column(page, 'Qualified').getByTestId('column-count')).toHaveText(String(qualifiedBefore + 1));
  // Drawn once.
  await expect(column(page, 'Qualified').locator(`[data-card-id="${id}"]`)).toHaveCount(1);

  // The server counted it too.
  await page.reload();
  await waitForHydration(page);
  await expect(column(page, 'Lead').getByTestId('column-count')).toHaveText(String(leadBefore - 1));
  await expect(column(page, 'Qualified').getByTestId('column-count')).toHaveText(String(qualifiedBefore + 1));
});

test('a search finds cards far beyond the first windows, and counts only them', async ({ page }) => {
  await companyBoard(page, '&q=Scale+deal+4999');
  for (const stage of ['Won', 'Lost']) await column(page, stage).getByRole('button', { name: 'Show cards' }).click();
  const cards = page.getByTestId('card');
  await expect(cards.first()).toBeVisible();
  // "Scale deal 4999" and "Scale deal 49990" … "49999": eleven, wherever they sort.
  const shown = await cards.count();
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThanOrEqual(11);
  const titles = await cards.locator('.opp-title').allInnerTexts();
  for (const title of titles) expect(title).toMatch(/^Scale deal 4999\d?$/);
  let counted = 0;
  for (const stage of ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']) {
    counted += await columnCount(page, stage);
  }
  expect(counted).toBe(shown);
});
