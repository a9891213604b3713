import { expect, test } from './fixtures/test';
import { DEMO_MANAGER, DEMO_REP, signIn, waitForHydration } from './fixtures/actions';
import { expectNoHorizontalScroll, expectSignedInAs } from './fixtures/checks';

test('a rep signs in, sees the shell and their customers, and signs out', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, DEMO_REP.email);

  await expect(page).toHaveURL(/\/$/);
  await expectSignedInAs(page, DEMO_REP.name, 'Sales rep');
  await expect(page.getByRole('heading', { name: 'Hello, Lena' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main', exact: true });
  for (const link of ['Home', 'Board', 'Targets', 'Customers', 'Check-in']) {
    await expect(nav.getByRole('link', { name: link })).toBeVisible();
  }

  await nav.getByRole('link', { name: 'Customers' }).click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByTestId('customer-count')).toHaveText('33 customers');
  await expect(page.getByTestId('customer-table').locator('tbody tr')).toHaveCount(33);

  await nav.getByRole('link', { name: 'Board' }).click();
  await expect(page.getByRole('heading', { name: 'Pipeline board' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/customers');
  await expect(page).toHaveURL(/\/login\?next=\/customers$/);
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await signIn(page, DEMO_REP.email, 'not-the-password');
  await expect(page.getByTestId('login-error')).toHaveText('The e-mail address or password is wrong.');
  await expect(page).toHaveURL(/\/login/);
});

test('a deep link survives signing in', async ({ page }) => {
  await page.goto('/customers?search=metall');
  await expect(page).toHaveURL(/\/login\?next=/);
  await signIn(page, DEMO_REP.email);
  await expect(page).toHaveURL(/\/customers\?search=metall$/);
  await expect(page.getByRole('searchbox')).toHaveValue('metall');
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test('a manager signs in and gets the thumb-reach tab bar', async ({ page }) => {
    await page.goto('/login');
    await waitForHydration(page);
    await expectNoHorizontalScroll(page);
    await signIn(page, DEMO_MANAGER.email);
    await expectSignedInAs(page, DEMO_MANAGER.name, 'Manager');

    const tabs = page.getByRole('navigation', { name: 'Main (phone)' });
    await expect(tabs).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main', exact: true })).toBeHidden();
    await expectNoHorizontalScroll(page);

    await tabs.getByRole('link', { name: 'Customers' }).tap();
    await expect(page).toHaveURL(/\/customers$/);
    // A manager of a business unit sees the customers of all its teams.
    await expect(page.getByTestId('customer-count')).toHaveText('Showing 1–100 of 198 customers');
    await expectNoHorizontalScroll(page);
  });
});

test.describe('with the service worker', () => {
  test.use({ serviceWorkers: 'allow' });

  test('the content security policy lets every page hydrate and blocks nothing of ours', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const response = await page.goto('/login');
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await signIn(page, DEMO_REP.email);
    await expect(page).toHaveURL(/\/$/);
    for (const path of ['/board', '/targets', '/customers', '/check-in']) {
      await page.goto(path);
      await waitForHydration(page);
    }
    // The inline script (run by its nonce) registered the service worker.
    expect(await page.evaluate(() => typeof (window as any).pacerKeepOffline)).toBe('function');
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then(() => true))).toBe(true);
    expect(violations).toEqual([]);
  });
});
