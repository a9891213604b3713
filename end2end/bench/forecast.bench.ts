import { expect, test } from '@playwright/test';
import { demoUser, signIn, waitForHydration } from '../tests/fixtures/actions';
import { column } from '../tests/fixtures/board';

// Issue #5, measured in Chromium on the release wasm:
//  1. the engine: 10 000 open opportunities × 10 000 trials within one frame (16 ms), the same
//     made-up pipeline as the native criterion benchmark (`cargo bench -p app --bench forecast`);
//  2. the forecast panel's update while a card is dragged over the columns of the admin's
//     2 000-card board: ≤ 16 ms each.
const ENGINE = (deals: number, trials: number, runs: number) =>
  `import(document.querySelector('link[rel=modulepreload][href*=pacer]').href).then((wasm) => Array.from(wasm.forecast_engine_timings(${deals}, ${trials}, ${runs})))`;
const PANEL = "import(document.querySelector('link[rel=modulepreload][href*=pacer]').href).then((wasm) => Array.from(wasm.forecast_timings()))";

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { n: sorted.length, p50: at(50), p95: at(95), max: sorted[sorted.length - 1] };
}

test('forecast engine and panel in the browser', async ({ page }) => {
  await signIn(page, demoUser('Sabine Krüger'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/board');
  await waitForHydration(page);
  await expect(page.getByTestId('forecast').first()).toBeVisible();
  await page.waitForTimeout(2000);

  // 1. The engine alone; the first run includes compiling the code path, so it is dropped.
  for (const deals of [2000, 10000]) {
    const runs: number[] = (await page.evaluate(ENGINE(deals, 10000, 13))) as number[];
    const engine = summary(runs.slice(1));
    console.log(`BENCH forecast engine wasm: ${deals} deals × 10 000 trials ${JSON.stringify(engine)}`);
    if (deals === 10000) expect(engine.p50).toBeLessThanOrEqual(16);
  }

  // 2. The panel during a drag: each column entered recomputes every forecast on the panel.
  await page.evaluate(PANEL);
  const card = column(page, 'Lead').getByTestId('card').first();
  const from = (await card.locator('.opp-customer').boundingBox())!;
  await page.mouse.move(from.x + 10, from.y + 5);
  await page.mouse.down();
  for (const stage of ['Qualified', 'Proposal', 'Negotiation', 'Proposal', 'Qualified', 'Lead', 'Qualified', 'Proposal']) {
    const box = (await column(page, stage).locator('.column-head').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 40, { steps: 10 });
    await page.waitForTimeout(50);
  }
  await page.mouse.move(from.x + 10, from.y + 5, { steps: 10 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  const panel = summary((await page.evaluate(PANEL)) as number[]);
  const targets = await page.getByTestId('forecast').count();
  console.log(`BENCH forecast panel update during drag (${targets} targets on the panel): ${JSON.stringify(panel)}`);
  expect(panel.n).toBeGreaterThan(5);
  expect(panel.p95).toBeLessThanOrEqual(16);
});
