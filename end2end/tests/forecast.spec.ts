import { expect, test } from '@playwright/test';
import { DEMO_MANAGER, demoUser, signIn, waitForHydration } from './fixtures/actions';
import { column, columnCount, dragWithMouse } from './fixtures/board';

// Issue #5: the forecast panel is computed in the browser. A card dragged over Won shows the
// what-if at once; dropped, the panel moves before the server has answered, and stays there
// when the answer confirms the move.
test('the forecast moves with a card dragged into Won before the server answers', async ({ page }) => {
  await signIn(page, demoUser('Nadine Wolf'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/board');
  await waitForHydration(page);
  const panel = page.getByTestId('forecast');
  await expect(panel).toHaveCount(1);
  await expect(panel.locator('.forecast-title')).toHaveText(/^Nadine Wolf: book € [0-9.]+ k of new business in Q\d \d{4}$/);
  const wonBefore = await panel.getByTestId('forecast-won').innerText();
  const hitBefore = await panel.getByTestId('forecast-p-hit').innerText();

  // Hold the move's request until the panel has been checked.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let answered = false;
  await page.route('**/api/move_opportunity*', async (route) => {
    await held;
    await route.continue();
  });
  page.on('response', (r) => {
    if (r.url().includes('/api/move_opportunity')) answered = true;
  });

  const wonCards = await columnCount(page, 'Won');
  // The largest deal in Negotiation: winning it moves P(hit) by more than rounding hides.
  const negotiation = column(page, 'Negotiation');
  while (await negotiation.getByTestId('column-more').count()) {
    await negotiation.getByTestId('column-more').dispatchEvent('click');
  }
  const id = await negotiation.getByTestId('card').evaluateAll((cards) => {
    const value = (c: Element) => Number(c.querySelector('.opp-value')!.getAttribute('title')!.replace(/[^0-9.]/g, ''));
    return cards.reduce((a, b) => (value(b) > value(a) ? b : a)).getAttribute('data-card-id')!;
  });
  const card = page.locator(`[data-testid="card"][data-card-id="${id}"]`);
  await dragWithMouse(page, card, column(page, 'Won'), async () => {
    await expect(panel.getByTestId('forecast-whatif')).toBeVisible();
    await expect(panel.getByTestId('forecast-won')).not.toHaveText(wonBefore);
  });
  // Won is collapsed: the card has left Negotiation and is counted in Won.
  await expect(column(page, 'Negotiation').locator(`[data-card-id="${id}"]`)).toHaveCount(0);
  await expect(column(page, 'Won').getByTestId('column-count')).toHaveText(String(wonCards + 1));
  await expect(panel.getByTestId('forecast-whatif')).toHaveCount(0);
  const wonAfter = await panel.getByTestId('forecast-won').innerText();
  expect(wonAfter).not.toBe(wonBefore);
  expect(await panel.getByTestId('forecast-p-hit').innerText()).not.toBe(hitBefore);
  expect(answered).toBe(false);

  const response = page.waitForResponse((r) => r.url().includes('/api/move_opportunity'));
  release();
  expect((await response).status()).toBe(200);
  await expect(page.getByTestId('announcement')).toContainText('Moved');
  await expect(panel.getByTestId('forecast-won')).toHaveText(wonAfter);

  // After a reload the server's numbers are the same as the browser's were.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('forecast').getByTestId('forecast-won')).toHaveText(wonAfter);
});

// Issue #19: the forecast learns from the company's history. A card shows its stage's
// probability and, beside it, what the history says of deals like it; the settings page shows
// a manager what was learned, stage by stage.
test('cards show the stage and the learned probability, and managers see what was learned', async ({ page }) => {
  await signIn(page, demoUser('Nadine Wolf'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/board');
  await waitForHydration(page);
  const learned = page.getByTestId('card-learned');
  await expect(learned.first()).toBeVisible();
  await expect(learned.first()).toHaveText(/^history \d{1,3} %$/);
  // The card's label says both to a screen reader.
  const card = page.locator('[data-card-id]').filter({ has: learned }).first();
  await expect(card).toHaveAttribute('aria-label', /\d+ % \(history says \d+ %\)/);

  await page.context().clearCookies();
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/settings');
  await waitForHydration(page);
  const calibration = page.getByTestId('calibration');
  await expect(calibration.getByTestId('calibration-stage')).toHaveCount(4);
  await expect(calibration.getByTestId('calibration-stage').first()).toContainText('Lead');
  await expect(calibration.getByTestId('calibration-shared')).toContainText('Whole months moved together');
  // Only admins may have it learn again.
  await expect(calibration.getByTestId('relearn')).toHaveCount(0);
});
