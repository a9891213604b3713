import { Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { waitForHydration } from './fixtures/actions';

// A fresh, empty installation (PACER_DEMO=off), started by scripts/test.sh beside the demo one:
// PACER_FRESH_URL is where it runs, PACER_SETUP_LINK the one-time link it printed.
const FRESH = process.env.PACER_FRESH_URL;
const SETUP_LINK = process.env.PACER_SETUP_LINK;
const PASSWORD = 'plum orchard bicycle lantern';

async function choosePassword(page: Page, link: string, password: string) {
  await page.goto(link);
  await waitForHydration(page);
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('The same password again').fill(password);
  await page.getByRole('button', { name: 'Save the password' }).click();
}

async function signInAt(page: Page, email: string, password: string) {
  await waitForHydration(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function addPerson(page: Page, p: { name: string; email: string; role: string; unit: RegExp; manager?: string }) {
  const form = page.getByTestId('add-person-form');
  await form.getByLabel('Name').fill(p.name);
  await form.getByLabel('E-mail address').fill(p.email);
  await form.getByLabel('Role').selectOption(p.role);
  const unit = form.getByLabel('Unit');
  const value = await unit.locator('option').filter({ hasText: p.unit }).first().getAttribute('value');
  await unit.selectOption(value!);
  if (p.manager) await form.getByLabel('Manager').selectOption({ label: p.manager });
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('person').filter({ hasText: p.email })).toBeVisible();
  const link = await page.getByTestId('issued-link-value').inputValue();
  expect(link).toContain('/password?token=');
  return link;
}

test('a fresh installation: the first admin sets up the company, its people join, one leaves', async ({ browser }) => {
  test.skip(!FRESH || !SETUP_LINK, 'run through `make test`, which starts the empty installation');
  const admin = await (await browser.newContext({ baseURL: FRESH })).newPage();

  // The setup link creates the company and its first admin, who lands on the organisation.
  await admin.goto(SETUP_LINK!);
  await waitForHydration(admin);
  await admin.getByLabel('Company').fill('Acme Sales');
  await admin.getByLabel('Your name').fill('Ada Admin');
  await admin.getByLabel('Your e-mail address').fill('ada@acme.test');
  await admin.getByLabel('New password').fill(PASSWORD);
  await admin.getByLabel('The same password again').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Create the company' }).click();
  await expect(admin).toHaveURL(/\/admin\/organisation$/);
  await expect(admin.getByTestId('unit')).toHaveCount(1);

  // A business unit, then a team in it.
  const create = admin.getByTestId('create-unit-form');
  await create.getByLabel('Name').fill('North');
  await create.getByRole('button', { name: 'Open the unit' }).click();
  await expect(admin.locator('[data-unit="North"]')).toBeVisible();
  await create.getByLabel('Under').selectOption({ label: 'North (Business unit → new team)' });
  await create.getByLabel('Name').fill('North Field');
  await create.getByRole('button', { name: 'Open the unit' }).click();
  await expect(admin.locator('[data-unit="North Field"]')).toBeVisible();
  await expect(admin.getByTestId('audit')).toContainText('opened team');

  // A manager and two reps, each with a link to pass on.
  await admin.goto('/admin/people');
  await waitForHydration(admin);
  await addPerson(admin, { name: 'Max Manager', email: 'max@acme.test', role: 'manager', unit: /North$/ });
  const repLink = await addPerson(admin, {
    name: 'Rita Rep', email: 'rita@acme.test', role: 'rep', unit: /North Field/, manager: 'Max Manager',
  });
  await addPerson(admin, { name: 'Rob Rep', email: 'rob@acme.test', role: 'rep', unit: /North Field/, manager: 'Max Manager' });
  await expect(admin.getByTestId('person').filter({ hasText: 'rita@acme.test' }).getByTestId('person-status')).toHaveText('invited');

  // Rita chooses her password from the link and signs in.
  const rita = await (await browser.newContext({ baseURL: FRESH })).newPage();
  await choosePassword(rita, repLink, PASSWORD);
  await expect(rita).toHaveURL(/\/login\?password_set=1/);
  await expect(rita.getByTestId('password-set')).toBeVisible();
  await signInAt(rita, 'rita@acme.test', PASSWORD);
  await expect(rita).toHaveURL(/\/$/);
  await expect(rita.getByTestId('signed-in-role')).toContainText('Sales rep');

  // Rita has customers (imported by the admin with her as owner).
  await admin.goto('/customers/import');
  await waitForHydration(admin);
  await admin.getByLabel('Customers').check();
  const csv = 'customer_ref,name,segment,owner_email\nACME-1,Alpha Tools,relationship,rita@acme.test\nACME-2,Beta Metals,price,rita@acme.test\n';
  await admin.getByTestId('import-file').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await admin.getByTestId('import-start').click();
  await expect(admin.getByTestId('import-summary')).toContainText('Imported 2 lines');

  // Rita leaves: her customers go to Rob, she cannot go on.
  await admin.goto('/admin/people');
  await waitForHydration(admin);
  const row = admin.getByTestId('person').filter({ hasText: 'rita@acme.test' });
  await row.getByTestId('person-actions').click();
  await row.getByTestId('deactivate').click();
  await expect(admin.getByTestId('form-error')).toContainText('choose who takes them over');
  await row.getByTestId('successor').selectOption({ label: 'Rob Rep' });
  await row.getByTestId('deactivate').click();
  await expect(admin.getByTestId('deactivated')).toContainText('2 customers');
  await expect(admin.getByTestId('person').filter({ hasText: 'rita@acme.test' }).getByTestId('person-status')).toHaveText('left');

  await admin.goto('/customers');
  await expect(admin.getByTestId('customer-table')).toContainText('Rob Rep');
  await expect(admin.getByTestId('customer-table')).not.toContainText('Rita Rep');

  // Her open session has ended.
  await rita.goto('/customers');
  await expect(rita).toHaveURL(/\/login/);
});
