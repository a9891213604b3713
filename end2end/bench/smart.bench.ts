import { expect, test } from '@playwright/test';
import { DEMO_MANAGER, signIn, waitForHydration } from '../tests/fixtures/actions';

// Issue #4: the SMART validator runs in ≤ 1 ms per keystroke in wasm, so typing never lags.
// A manager types a statement and a value key by key into the target editor. Two figures per
// keystroke: the validator itself (the editor reads the clock before and after it and keeps the
// durations; `smart_check_timings`, exported by the wasm, hands them over), and the whole
// keystroke, from the input event to the next animation frame after it (the validator, the
// badges' update, style and layout). Chromium coarsens its clock to 0.1 ms.
/** The durations the editor recorded since the last call (the wasm module is already loaded). */
const TIMINGS = "import(document.querySelector('link[rel=modulepreload][href*=pacer]').href).then((wasm) => Array.from(wasm.smart_check_timings()))";

test('SMART check per keystroke in the target editor', async ({ page }) => {
  await signIn(page, DEMO_MANAGER.email);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/targets/new');
  await waitForHydration(page);
  await page.getByLabel('For', { exact: true }).selectOption({ label: 'Lena Schulz (Industry North)' });
  await page.getByRole('button', { name: 'Next quarter' }).click();
  await page.getByLabel('Target value').fill('1');
  // The track record has arrived when Achievable quotes it.
  await expect(page.getByTestId('smart-A')).toContainText(/P\(hit\)|already reached|over|no turnover|no history/);

  // Forget the checks made while the form was filled in. (A string, so that the test's own
  // transpiler leaves the browser's dynamic import alone.)
  await page.evaluate(TIMINGS);
  await page.evaluate(() => {
    const w = window as any;
    w.__keystrokes = [];
    w.__spins = [];
    for (const id of ['field-statement', 'field-value']) {
      document.getElementById(id)!.addEventListener(
        'input',
        () => {
          const started = performance.now();
          requestAnimationFrame(() => w.__keystrokes.push(performance.now() - started));
          // Control, on the same thread at the same moments: JavaScript that spins for 0.2 ms.
          // Whatever it measures beyond 0.2 ms is time the thread was not running.
          const spin = performance.now();
          while (performance.now() - spin < 0.2) {}
          w.__spins.push(performance.now() - spin);
        },
        { capture: true },
      );
    }
  });
  const statement = 'Raise turnover with existing customers in the north to € 1.5 M this quarter, mostly from relationship clients';
  await page.getByLabel('Statement').pressSequentially(statement, { delay: 20 });
  await page.getByLabel('Target value').fill('');
  await page.getByLabel('Target value').pressSequentially('1500000', { delay: 20 });
  await page.waitForTimeout(200);
  const checks = (await page.evaluate(TIMINGS)) as number[];
  const keystrokes = (await page.evaluate(() => (window as any).__keystrokes)) as number[];
  const spins = (await page.evaluate(() => (window as any).__spins)) as number[];
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
    return { n: s.length, p50: at(0.5).toFixed(2), p95: at(0.95).toFixed(2), p99: at(0.99).toFixed(2), max: s[s.length - 1].toFixed(2), over1ms: s.filter((x) => x > 1).length };
  };
  console.log('SMART check per keystroke (ms):', JSON.stringify(stats(checks)));
  console.log('Control, a 0.2 ms JavaScript spin at each keystroke (ms):', JSON.stringify(stats(spins)));
  console.log('Keystroke to next frame (ms):', JSON.stringify(stats(keystrokes)));
  expect(checks.length).toBeGreaterThanOrEqual(statement.length);
  // The budget holds for the check; a keystroke or two per run can read more because the thread
  // was descheduled, which the control shows at the same moments (BENCHMARKS.md).
  const sorted = [...checks].sort((a, b) => a - b);
  expect(sorted[Math.floor(0.95 * sorted.length)]).toBeLessThanOrEqual(1);
});
