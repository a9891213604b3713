import { expect, test } from '@playwright/test';
import { demoUser, signIn, waitForHydration } from '../tests/fixtures/actions';
import { column } from '../tests/fixtures/board';

// Issue #3: with 2 000 open opportunities on the board, no frame during a drag may take
// longer than 50 ms. Measured with Chromium's Long Animation Frames timeline (every frame
// over 50 ms is an entry) and, as a cross-check, the gaps between animation frames.
test('frames while dragging a card across a board of 2 000 open opportunities', async ({ page }) => {
  await signIn(page, demoUser('Sabine Krüger'));
  await expect(page).toHaveURL(/\/$/);
  const started = Date.now();
  await page.goto('/board');
  await waitForHydration(page);
  const hydratedMs = Date.now() - started;
  // Columns draw a window of cards each; their headers count them all.
  const counts = await page.getByTestId('column-count').allInnerTexts();
  const cards = counts.reduce((sum, n) => sum + Number(n), 0);
  expect(cards).toBeGreaterThanOrEqual(2000);
  const drawn = await page.getByTestId('card').count();
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  // Let the page settle after hydration: the budget is about dragging, not loading.
  await page.waitForTimeout(3000);

  await page.evaluate(() => {
    const w = window as any;
    w.__loaf = [];
    w.__gaps = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as any[]) {
        w.__loaf.push(e.duration);
        w.__loafDetail = w.__loafDetail ?? [];
        w.__loafDetail.push({ at: Math.round(e.startTime), ms: Math.round(e.duration), blocking: Math.round(e.blockingDuration), render: Math.round(e.renderStart ? e.startTime + e.duration - e.renderStart : 0), style: Math.round(e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0), scripts: (e.scripts ?? []).map((s: any) => `${s.invoker}:${Math.round(s.duration)}`).join(',') });
      }
    }).observe({ type: 'long-animation-frame' });
    let last = performance.now();
    w.__measuring = true;
    const tick = (now: number) => {
      w.__gaps.push(now - last);
      last = now;
      if (w.__measuring) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });

  const card = column(page, 'Lead').getByTestId('card').first();
  const from = (await card.locator('.opp-customer').boundingBox())!;
  const stages = ['Qualified', 'Proposal', 'Negotiation', 'Proposal', 'Qualified', 'Lead'];
  await page.mouse.move(from.x + 10, from.y + 5);
  await page.mouse.down();
  for (const stage of stages) {
    const box = (await column(page, stage).locator('.column-head').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 40, { steps: 25 });
  }
  await page.mouse.up();
  await page.waitForTimeout(300);

  const result = await page.evaluate(() => {
    const w = window as any;
    w.__measuring = false;
    const gaps: number[] = w.__gaps.slice(1);
    return {
      frames: gaps.length,
      longAnimationFrames: w.__loaf.length,
      longestLoafMs: Math.max(0, ...w.__loaf),
      longestFrameGapMs: Math.max(0, ...gaps),
      detail: (w.__loafDetail ?? []).slice(0, 12),
    };
  });
  console.log(`BENCH drag: ${cards} cards (${drawn} drawn, ${elements} elements), hydrated in ${hydratedMs} ms after navigation, ${JSON.stringify(result)}`);
  expect(result.longestLoafMs).toBeLessThanOrEqual(50);
});
