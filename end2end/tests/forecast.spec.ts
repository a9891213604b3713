import { expect, test, watch } from './fixtures/test';
import { DEMO_MANAGER, DEMO_REP, demoUser, signIn, waitForHydration } from './fixtures/actions';
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

// Issue #19: every metric has a range. Lena's visits this quarter get P10–P90 and a chance
// from how the same stretches went before, drawn as a band, not a straight line.
test('the target page shows a band for a visits target', async ({ page }) => {
  await signIn(page, DEMO_REP.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/targets');
  await waitForHydration(page);
  await page.getByRole('link', { name: /^Lena Schulz: \d+ customer visits in Q4/ }).first().click();
  await expect(page).toHaveURL(/\/targets\/\d+$/);
  await expect(page.getByTestId('pace').first()).toContainText(/P10–P90 [\d,]+ – [\d,]+ · \d{1,3} % chance to reach it/);
  await expect(page.getByTestId('burnup-band')).toBeVisible();
  await expect(page.getByTestId('burnup-projection')).toHaveCount(0);
});

// Issue #19: forecast calls. The rep calls her own quarter; her manager sees the call beside
// Pacer's forecast on the team's target and calls the team, starting from the calls added up.
test('a rep submits a call and the manager sees it beside the model', async ({ page: rep, browser, pageProblems }) => {
  await signIn(rep, DEMO_REP.email);
  await expect(rep).toHaveURL(/\/$/);
  await rep.goto('/targets');
  await waitForHydration(rep);
  await rep.getByRole('link', { name: /^Lena Schulz: book € [\d.,]+( [kM])? of new business in Q4/ }).first().click();
  await expect(rep).toHaveURL(/\/targets\/\d+$/);
  await waitForHydration(rep);
  const calls = rep.getByTestId('calls');
  await expect(calls.getByTestId('model-forecast')).toContainText('% chance');
  const form = calls.getByTestId('call-form');
  // A best case below the commit is refused under the field, before anything is sent.
  await form.getByLabel('Commit (sure to reach)').fill('60k');
  await form.getByLabel('Best case').fill('50k');
  await form.getByTestId('submit-call').click();
  await expect(form.getByTestId('error-best_case')).toContainText('cannot be below the commit');
  await form.getByLabel('Best case').fill('80k');
  await form.getByLabel('Why (optional)').fill('Two proposals with Hansa Metall');
  await form.getByTestId('submit-call').click();
  await expect(rep.getByTestId('target-notice')).toContainText('Your call is saved');
  await expect(calls.getByTestId('call-latest')).toContainText(/commit € 60 k, best case € 80 k/);
  await expect(calls.getByTestId('call-latest')).toContainText('Two proposals with Hansa Metall');

  const managerContext = await browser.newContext();
  watch(managerContext, pageProblems);
  const manager = await managerContext.newPage();
  await signIn(manager, DEMO_MANAGER.email);
  await expect(manager).toHaveURL(/\/$/);
  await manager.goto('/targets?view=team');
  await waitForHydration(manager);
  await manager.getByRole('link', { name: /^Industry North: book € [\d.,]+( [kM])? in Q4/ }).first().click();
  await expect(manager).toHaveURL(/\/targets\/\d+$/);
  await waitForHydration(manager);
  const team = manager.getByTestId('team-calls');
  const lena = team.getByTestId('team-call-row').filter({ hasText: 'Lena Schulz' });
  await expect(lena).toContainText("€ 60 k");
  await expect(lena).toContainText('% chance');
  await expect(team.getByTestId('team-calls-sum')).toContainText('1 of 3 called');
  // The manager's form starts from the team's calls added up, and the adjusted call is kept.
  const managerForm = manager.getByTestId('call-form');
  await expect(managerForm.getByLabel('Commit (sure to reach)')).toHaveValue('60000');
  await managerForm.getByLabel('Commit (sure to reach)').fill('200k');
  await managerForm.getByLabel('Best case').fill('260k');
  await managerForm.getByTestId('submit-call').click();
  await expect(manager.getByTestId('calls').getByTestId('call-latest')).toContainText(/by Julia Hoffmann .*commit € 200 k/);
  await managerContext.close();
});
