import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, DEMO_REP, signIn, waitForHydration } from './fixtures/actions';

// Issue 22: every page passes an automated accessibility audit (axe-core, WCAG 2.1 A and AA) with
// no serious or critical violation — signed out, and signed in as each role, on a desktop and on
// a 375-pixel phone. Pages that open something (a drawer, a form with an error) are audited open.

const ADMIN = 'sabine.krueger@pacer.demo';
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true };

/** The violations axe finds on the page as it is now, serious and critical only, in words. */
async function audit(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
      return `${new URL(page.url()).pathname}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.length}× e.g. ${where}`;
    });
}

/** Opens each path, waits for the app, audits; then returns every violation found. */
async function auditPaths(page: Page, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const response = await page.goto(path);
    expect(response?.status(), `${path} answered`).toBeLessThan(500);
    await waitForHydration(page);
    found.push(...(await audit(page)));
  }
  return found;
}

/** The first link on `list` whose address matches, as a path (ids differ per database). */
async function firstLink(page: Page, list: string, pattern: RegExp): Promise<string> {
  await page.goto(list);
  await waitForHydration(page);
  const hrefs = await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  const href = hrefs.find((h) => pattern.test(h));
  expect(href, `a link like ${pattern} on ${list}`).toBeTruthy();
  return href!;
}

/** Every route a role can open, with today's ids of one target and one customer it sees. */
async function routesOf(page: Page, role: 'rep' | 'manager' | 'admin'): Promise<string[]> {
  const target = await firstLink(page, '/targets', /^\/targets\/\d+$/);
  const customer = await firstLink(page, '/customers', /^\/customers\/\d+$/);
  const common = ['/', '/board', '/targets', target, '/customers', customer, '/customers/new', '/check-in', '/settings', '/account', '/no-such-page'];
  if (role === 'rep') return common;
  const managing = [...common, '/targets/new', `${target}/edit`, '/check-ins', '/customers/import'];
  if (role === 'manager') return managing;
  return [...managing, '/board/stages', '/admin/organisation', '/admin/people'];
}

/** The board with its drawer open on a new opportunity whose value is refused. */
async function auditOpenedBoard(page: Page): Promise<string[]> {
  await page.goto('/board');
  await waitForHydration(page);
  await page.getByTestId('new-opportunity').click();
  const drawer = page.getByTestId('drawer');
  await drawer.getByLabel('Value').fill('12.345');
  await drawer.getByLabel('Value').blur();
  await expect(drawer.getByTestId('error-value')).toBeVisible();
  return audit(page);
}

for (const [device, use] of [['desktop', {}], ['phone', PHONE]] as const) {
  test.describe(`accessibility audit on a ${device}`, () => {
    test.use(use);

    test('signed out: sign-in, set-up and password pages', async ({ page }) => {
      const found = await auditPaths(page, ['/login', '/setup', '/password', '/login?next=/board']);
      expect(found, 'serious or critical accessibility violations').toEqual([]);
    });

    for (const [role, email] of [['rep', DEMO_REP.email], ['manager', DEMO_MANAGER.email], ['admin', ADMIN]] as const) {
      test(`every page of a ${role}`, async ({ page }) => {
        test.setTimeout(180_000);
        await signIn(page, email);
        await expect(page).toHaveURL(/\/$/);
        const found = await auditPaths(page, await routesOf(page, role));
        if (role !== 'admin') found.push(...(await auditOpenedBoard(page)));
        expect(found, 'serious or critical accessibility violations').toEqual([]);
      });
    }
  });
}
