import { Browser, BrowserContext, devices, Page } from '@playwright/test';
import { expect, test, watch } from './fixtures/test';
import { DEMO_MANAGER, demoUser, signIn, waitForHydration } from './fixtures/actions';
import { NetworkDoor } from './fixtures/network';

// Field reps on a phone (375 px wide, touch): check in with the location granted, denied, and
// with no network at all. Each test signs in a different rep, so their visit counts are their own.

type Customer = { id: number; name: string; city: string | null; location: [number, number] | null; radius_m: number };

const PHONE = { ...devices['Pixel 5'], viewport: { width: 375, height: 740 } };

async function phone(browser: Browser, baseURL: string, options: { geolocation?: [number, number]; serviceWorkers?: 'allow' | 'block' } = {}) {
  const context = await browser.newContext({
    ...PHONE,
    baseURL,
    serviceWorkers: options.serviceWorkers ?? 'allow',
    ...(options.geolocation
      ? {
          permissions: ['geolocation'],
          geolocation: { latitude: options.geolocation[0], longitude: options.geolocation[1], accuracy: 12 },
        }
      : {}),
  });
  return context;
}

async function signedIn(context: BrowserContext, email: string): Promise<Page> {
  const page = await context.newPage();
  await signIn(page, email);
  await expect(page).toHaveURL(/\/$/);
  return page;
}

/** The rep's customers as the check-in page gets them. */
async function customersOf(page: Page): Promise<Customer[]> {
  const response = await page.request.post('/api/check_in_customers', { form: {} });
  expect(response.ok()).toBeTruthy();
  return response.json();
}

/** The rep's own visits target running today, and what it has counted so far. */
async function visitsTarget(page: Page, rep: string): Promise<{ id: number; actual: number }> {
  const response = await page.request.post('/api/targets', { form: {} });
  expect(response.ok()).toBeTruthy();
  const today = new Date().toISOString().slice(0, 10);
  const rows: any[] = (await response.json()).rows;
  const row = rows.find(
    (r) => r.metric === 'visits' && r.assignee_name === rep && r.status === 'agreed' && r.period.start <= today && today <= r.period.end,
  );
  expect(row, `a running visits target for ${rep}`).toBeTruthy();
  return { id: row.id, actual: Number(row.actual) };
}

/** Check-ins the server holds for the signed-in rep today. */
async function serverCheckIns(page: Page): Promise<any[]> {
  const response = await page.request.post('/api/team_check_ins', { form: { range: 'today' } });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).rows;
}

async function openCheckIn(page: Page) {
  await page.goto('/check-in');
  await waitForHydration(page);
  await expect(page.getByTestId('check-in-customers')).toBeVisible();
}

async function checkInAt(page: Page, customer: Customer) {
  await page.getByTestId('customer-search').fill(customer.name);
  await page.getByTestId('check-in-customer').filter({ hasText: customer.name }).first().tap();
  await page.getByTestId('check-in-button').tap();
}

function visitRow(page: Page, customer: Customer) {
  return page.getByTestId('visit').filter({ hasText: customer.name }).first();
}

test('a rep checks in where the customer is: verified, checked out, and the manager sees it', async ({ browser }, info) => {
  const baseURL = info.project.use.baseURL!;
  const rep = 'Jonas Meyer';
  const context = await phone(browser, baseURL, { geolocation: [0, 0] });
  const page = await signedIn(context, demoUser(rep));
  const customer = (await customersOf(page)).find((c) => c.location)!;
  // Standing 40 m north of the customer.
  await context.setGeolocation({ latitude: customer.location![0] + 0.00036, longitude: customer.location![1], accuracy: 12 });
  await openCheckIn(page);
  await expect(page.getByTestId('location-status')).toContainText('Location found, accurate to 12 m');
  // Nearest first: the customer is at the top, 40 m away.
  await expect(page.getByTestId('check-in-customer').first()).toContainText('40 m');

  await checkInAt(page, customer);
  const row = visitRow(page, customer);
  await expect(row).toHaveAttribute('data-sync', 'synced');
  await expect(row).toHaveAttribute('data-verification', 'verified');
  await expect(row.getByTestId('visit-verification')).toHaveText('Verified: 40 m from the customer.');

  const open = page.getByTestId('open-visit');
  await expect(open).toContainText(`At ${customer.name}`);
  await open.getByText('Order taken').tap();
  await page.getByTestId('visit-notes').fill('Ordered 12 pallets of the spring range.');
  await page.getByTestId('visit-next-step').fill('Call about delivery on Monday.');
  await page.getByTestId('check-out-button').tap();
  await expect(open).toBeHidden();
  await expect(row).toContainText('on site · Order taken');
  await expect(row).toHaveAttribute('data-sync', 'synced');
  // The phone may add Pacer to its home screen; it opens on Check-in.
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest');
  const manifest = await (await page.request.get('/manifest.webmanifest')).json();
  expect(manifest.start_url).toBe('/check-in');
  expect(manifest.display).toBe('standalone');
  // Nothing is wider than the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

  // The manager's view: the visit, verified, with its outcome, on the list and on the map.
  const desk = await browser.newContext({ baseURL });
  const manager = await signedIn(desk, DEMO_MANAGER.email);
  await manager.goto('/check-ins');
  await waitForHydration(manager);
  const listed = manager.getByTestId('team-check-in').filter({ hasText: rep }).filter({ hasText: customer.name });
  await expect(listed.first()).toHaveAttribute('data-verification', 'verified');
  await expect(listed.first()).toContainText('Ordered 12 pallets of the spring range. → Call about delivery on Monday.');
  await expect(listed.first()).toContainText('Order taken');
  await expect(manager.getByTestId('check-in-map')).toBeVisible();
  expect(await manager.getByTestId('map-visit').count()).toBeGreaterThanOrEqual(1);
  const [download] = await Promise.all([manager.waitForEvent('download'), manager.getByTestId('export-csv').click()]);
  const csv = await (await download.createReadStream()).toArray();
  const text = Buffer.concat(csv).toString('utf8');
  expect(text.split('\n')[0]).toContain('checked_in_utc,');
  expect(text).toContain(`${rep},${customer.id},`);
  expect(text).toContain('order_taken,Ordered 12 pallets of the spring range.,Call about delivery on Monday.');
  await manager.getByTestId('range').selectOption('week');
  await manager.getByRole('button', { name: 'Show' }).click();
  await expect(manager).toHaveURL(/range=week/);
  await expect(manager.getByTestId('team-check-in').filter({ hasText: customer.name }).first()).toBeVisible();
  // The manager widens this customer's radius on its page (a large site).
  await manager.goto(`/customers/${customer.id}`);
  await waitForHydration(manager);
  await manager.locator('#field-radius').fill('500');
  await manager.getByTestId('visit-radius-form').getByRole('button', { name: 'Set' }).click();
  await expect(manager.getByTestId('visit-radius')).toHaveText('500 m');
  // Empty restores the default.
  await manager.locator('#field-radius').fill('');
  await manager.getByTestId('visit-radius-form').getByRole('button', { name: 'Set' }).click();
  await expect(manager.getByTestId('visit-radius')).toHaveText('300 m (default)');
  await desk.close();
  await context.close();
});

test('with the location denied a check-in is saved unverified, and a refused one keeps its reason', async ({ browser }, info) => {
  const baseURL = info.project.use.baseURL!;
  const rep = 'Katrin Vogel';
  const context = await phone(browser, baseURL);
  const page = await signedIn(context, demoUser(rep));
  const customer = (await customersOf(page))[0];
  await openCheckIn(page);
  await expect(page.getByTestId('location-status')).toContainText('location permission denied');

  await checkInAt(page, customer);
  const row = visitRow(page, customer);
  await expect(row).toHaveAttribute('data-sync', 'synced');
  await expect(row).toHaveAttribute('data-verification', 'unverified');
  await expect(row.getByTestId('visit-verification')).toHaveText('Unverified: location permission denied.');
  const stored = (await serverCheckIns(page)).filter((r) => r.customer_id === customer.id);
  expect(stored.at(0)?.verification).toEqual({ Unverified: { reason: 'location permission denied' } });

  // A check-in the server refuses (a customer this rep may not see) stays on the phone with
  // the reason and is not retried; the rep may discard it.
  const key = `pacer.visits.${(await (await page.request.post('/api/current_user', { form: {} })).json()).id}`;
  await page.evaluate((key) => {
    const visits = JSON.parse(localStorage.getItem(key) ?? '[]');
    visits.push({
      check_in: {
        client_id: 'e2e-refused-' + Date.now(),
        customer_id: 999999999,
        device_time: new Date().toISOString(),
        position: null,
        location_error: 'location permission denied',
      },
      customer_name: 'Nobody GmbH',
      verification: { Unverified: { reason: 'location permission denied' } },
      check_in_sync: { Waiting: { attempts: 0, last_error: null } },
      initial_contact: false,
      check_out: null,
      check_out_sync: { Waiting: { attempts: 0, last_error: null } },
    });
    localStorage.setItem(key, JSON.stringify(visits));
  }, key);
  await page.reload();
  await waitForHydration(page);
  const refused = page.getByTestId('visit').filter({ hasText: 'Nobody GmbH' });
  await expect(refused).toHaveAttribute('data-sync', 'refused');
  await expect(refused.getByTestId('visit-error')).toHaveText('This customer does not exist or is not visible to you.');
  await refused.getByTestId('visit-discard').tap();
  await expect(refused).toHaveCount(0);
  await expect(visitRow(page, customer)).toHaveAttribute('data-sync', 'synced');
  await context.close();
});

test('offline: two check-ins wait on the phone, survive a reload, and sync once each when back online', async ({ browser }, info) => {
  // The phone reaches Pacer through a door the test can shut (see fixtures/network.ts).
  const door = await NetworkDoor.to(info.project.use.baseURL!);
  const rep = 'Lena Schulz';
  const context = await phone(browser, door.url, { geolocation: [0, 0] });
  const page = await signedIn(context, demoUser(rep));
  const located = (await customersOf(page)).filter((c) => c.location);
  const [first, second] = [located[0], located.find((c) => c.name !== located[0].name)!];
  await context.setGeolocation({ latitude: first.location![0], longitude: first.location![1], accuracy: 12 });
  const before = await visitsTarget(page, rep);
  const onServerBefore = (await serverCheckIns(page)).length;

  await openCheckIn(page);
  await expect(page.getByTestId('location-status')).toContainText('Location found');
  await expect(page.getByTestId('network-status')).toHaveText('Online');
  // The page and its files are kept by the service worker before the network goes.
  await expect(page.getByTestId('offline-ready')).toHaveText('Ready to work offline on this phone.');
  await door.cut(context);

  await checkInAt(page, first);
  await expect(visitRow(page, first)).toHaveAttribute('data-sync', 'waiting');
  // Issue 22: what waiting means, in plain words; what the browser reported only behind "Details".
  const problem = visitRow(page, first).getByTestId('visit-error');
  await expect(problem).toHaveText('No connection — will send when you are back online.');
  const details = visitRow(page, first).getByTestId('visit-error-details');
  await expect(details).not.toHaveAttribute('open');
  await expect(details.getByText(/Tried \d+×; last: /)).toBeHidden();
  await details.getByText('Details').click();
  await expect(details).toContainText(/Tried \d+×; last: \S/);
  await checkInAt(page, second);
  await expect(visitRow(page, second)).toHaveAttribute('data-sync', 'waiting');
  const status = page.getByTestId('network-status');
  await expect(status).toContainText('Offline');
  await expect(status).toContainText('2 check-ins waiting to sync');

  // A reload with no network: the page comes from the service worker (nothing else answers),
  // the queue from storage, and the page still says it is offline, whatever the browser claims.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Check in' })).toBeVisible();
  await expect(visitRow(page, first)).toHaveAttribute('data-sync', 'waiting');
  await expect(visitRow(page, second)).toHaveAttribute('data-sync', 'waiting');
  await expect(visitRow(page, first)).toHaveAttribute('data-verification', 'verified');
  await expect(status).toContainText('Offline');
  await expect(status).toContainText('2 check-ins waiting to sync');

  // A page never opened here has no copy: the service worker's offline page says so and
  // leads back to Check-in.
  await page.goto('/board');
  await expect(page.getByRole('heading', { name: 'You are offline' })).toBeVisible();

  // The signal is back; the rep opens Check-in from the offline page and both visits are sent.
  await door.restore(context);
  await page.getByRole('link', { name: 'Open Check-in' }).tap();
  await waitForHydration(page);
  await expect(visitRow(page, first)).toHaveAttribute('data-sync', 'synced');
  await expect(visitRow(page, second)).toHaveAttribute('data-sync', 'synced');
  await expect(page.getByTestId('network-status')).toHaveText('Online');

  // Exactly two more on the server, and the visits target counted both.
  expect((await serverCheckIns(page)).length).toBe(onServerBefore + 2);
  const after = await visitsTarget(page, rep);
  expect(after.actual).toBe(before.actual + 2);
  await page.goto(`/targets/${after.id}`);
  await waitForHydration(page);
  await expect(page.getByText(String(after.actual)).first()).toBeVisible();
  await context.close();
  await door.close();
});

/** The browser's local day `offsetDays` from today, as date inputs take it. */
function localDay(offsetDays = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Issue #20, the whole loop: a rep's visits target is off track; she plans a visit to the top
// customer on its list, then in the field with no signal logs a call with the next one and
// checks in at the third; back online both are sent, the target counts the visit and the
// customers she acted on drop off its list.
test('off track: plan a visit, log a call offline on the phone, and the target and its list follow', async ({ browser, pageProblems }, info) => {
  const base = info.project.use.baseURL!;
  // Whose visits target is off track today (reps whose visit counts other tests assert are left out).
  const office = await browser.newContext({ baseURL: base });
  watch(office, pageProblems);
  const admin = await office.newPage();
  await signIn(admin, demoUser('Sabine Krüger'));
  await expect(admin).toHaveURL(/\/$/);
  const listed = await admin.request.post('/api/targets', { form: {} });
  expect(listed.ok()).toBeTruthy();
  const today = new Date().toISOString().slice(0, 10);
  const busy = ['Lena Schulz', 'Jonas Meyer', 'Katrin Vogel', 'Nadine Wolf'];
  const offTrack = ((await listed.json()).rows as any[]).find(
    (r) =>
      r.metric === 'visits' && r.status === 'agreed' && r.period.start <= today && today <= r.period.end &&
      r.outlook?.health === 'off_track' && r.assignee?.user !== undefined && !busy.includes(r.assignee_name),
  );
  expect(offTrack, 'an off-track visits target of a rep').toBeTruthy();
  const rep: string = offTrack.assignee_name;
  /** What the target counted so far, read in the office (not through the phone's door). */
  const counted = async () => {
    const response = await admin.request.post('/api/targets', { form: {} });
    expect(response.ok()).toBeTruthy();
    return Number(((await response.json()).rows as any[]).find((r) => r.id === offTrack.id).actual);
  };

  const door = await NetworkDoor.to(base);
  const context = await phone(browser, door.url, { geolocation: [0, 0] });
  watch(context, pageProblems);
  const page = await signedIn(context, demoUser(rep));
  const before = await visitsTarget(page, rep);
  expect(before.id).toBe(offTrack.id);
  await page.goto(`/targets/${before.id}`);
  await waitForHydration(page);
  await expect(page.getByTestId('health').first()).toContainText('Off track');
  const candidates = page.getByTestId('gap-candidates');
  await expect(candidates.getByRole('heading', { name: 'Not visited for longest' })).toBeVisible();
  const ids = await candidates.getByTestId('candidate').evaluateAll((items) => items.map((i) => Number(i.getAttribute('data-customer-id'))));
  expect(ids.length, 'three customers to act on').toBeGreaterThanOrEqual(3);
  const mine = await customersOf(page);
  const [planned, called, visited] = ids.slice(0, 3).map((id) => mine.find((c) => c.id === id)!);

  // Plan a visit to the top one: it drops off the list.
  await candidates.getByTestId('candidate').first().getByTestId('candidate-plan').tap();
  await expect(page).toHaveURL(new RegExp(`/customers/${planned.id}\\?plan`));
  await waitForHydration(page);
  const plan = page.getByTestId('plan-visit');
  await plan.getByLabel('Plan a visit on').fill(localDay(1));
  await plan.getByLabel('Purpose').fill('Walk the new range through');
  await plan.getByRole('button', { name: 'Plan visit' }).tap();
  await expect(page.getByTestId('planned-visit').filter({ hasText: 'Walk the new range through' })).toHaveCount(1);

  // In the field: the check-in page is kept for offline use, then the signal goes.
  if (visited.location) {
    await context.setGeolocation({ latitude: visited.location[0], longitude: visited.location[1], accuracy: 12 });
  }
  await openCheckIn(page);
  await expect(page.getByTestId('offline-ready')).toHaveText('Ready to work offline on this phone.');
  await door.cut(context);

  await page.getByTestId('customer-search').fill(called.name);
  await page.getByTestId('check-in-customer').filter({ hasText: called.name }).first().tap();
  await page.getByTestId('phone-log-call').tap();
  const form = page.getByTestId('phone-log-activity').getByTestId('log-activity');
  await form.getByLabel('What').selectOption('call');
  await form.getByLabel('How it went').selectOption('reached');
  await form.getByLabel('Notes').fill('Interested in the spring range, wants a visit in January');
  await form.getByRole('button', { name: 'Log it' }).tap();
  await expect(form.getByTestId('activity-logged')).toContainText('Call saved on this phone');
  const call = page.getByTestId('logged-activity').filter({ hasText: called.name });
  await expect(call).toHaveAttribute('data-sync', 'waiting');

  await checkInAt(page, visited);
  await expect(visitRow(page, visited)).toHaveAttribute('data-sync', 'waiting');
  const status = page.getByTestId('network-status');
  await expect(status).toContainText('Offline');
  await expect(status).toContainText('1 check-in and 1 logged call or meeting waiting to sync');
  // Nothing reached the server yet.
  expect(await counted()).toBe(before.actual);

  // Back online: the page opens again and sends both, once each.
  await door.restore(context);
  await page.reload();
  await waitForHydration(page);
  await expect(visitRow(page, visited)).toHaveAttribute('data-sync', 'synced');
  await expect(call).toHaveAttribute('data-sync', 'synced');
  await expect(page.getByTestId('network-status')).toHaveText('Online');

  // The target counted the visit, and the three customers she acted on left its list.
  const after = await visitsTarget(page, rep);
  expect(after.actual).toBe(before.actual + 1);
  await page.goto(`/targets/${after.id}`);
  await waitForHydration(page);
  await expect(candidates.getByTestId('candidate').first()).toBeVisible();
  for (const gone of [planned, called, visited]) {
    await expect(candidates.locator(`[data-customer-id="${gone.id}"]`)).toHaveCount(0);
  }
  await context.close();
  await door.close();
  await office.close();
});

/** The browser code a page fetched, by file name (`/pkg/…`). */
function codeRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/')) seen.push(path.slice('/pkg/'.length));
  });
  return seen;
}

test('the check-in page opened directly loads only its own bundle, works as drawn before it arrives, and leads on to the app', async ({ browser }, info) => {
  // No service worker: it would fetch the bundle itself, past the hold below.
  const context = await phone(browser, info.project.use.baseURL!, { serviceWorkers: 'block' });
  const page = await signedIn(context, demoUser('Sebastian Lange'));
  const customers = await customersOf(page);
  const code = codeRequests(page);

  // The bundle is held back until the rep has started typing into the page the server drew.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/pkg/check-in.*.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/check-in');
  await expect(page.getByTestId('check-in-customer').first()).toBeVisible();
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  const search = page.getByTestId('customer-search');
  await search.tap();
  await search.pressSequentially(customers[0].name.slice(0, 4));
  release();
  await waitForHydration(page);
  // The live screen took over with what was typed, and the field kept the focus.
  await expect(search).toHaveValue(customers[0].name.slice(0, 4));
  await expect(search).toBeFocused();
  await expect(page.getByTestId('check-in-customer').filter({ hasText: customers[0].name }).first()).toBeVisible();
  await search.pressSequentially(customers[0].name.slice(4));
  await page.getByTestId('check-in-customer').filter({ hasText: customers[0].name }).first().tap();
  await expect(page.getByTestId('check-in-button')).toBeVisible();

  // Its own small bundle, not the app's wasm and its page chunks.
  expect(code.filter((f) => f.startsWith('check-in.') && f.endsWith('.wasm'))).toHaveLength(1);
  expect(code.filter((f) => f.startsWith('pacer.') && f.endsWith('.wasm')), code.join(', ')).toHaveLength(0);
  expect(code.filter((f) => f.startsWith('chunk_') || f.startsWith('split_')), code.join(', ')).toHaveLength(0);

  // The menu leads on: the board opens as a page of the whole app, and works.
  await page.getByRole('navigation', { name: 'Main (phone)' }).getByRole('link', { name: /Board/ }).tap();
  await expect(page).toHaveURL(/\/board$/);
  await waitForHydration(page);
  await expect(page.getByTestId('card').first()).toBeVisible();
  expect(code.filter((f) => f.startsWith('pacer.') && f.endsWith('.wasm'))).toHaveLength(1);

  // Signing out from the check-in page is a plain form there, and works as one.
  await page.goto('/check-in');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Sign out' }).tap();
  await expect(page).toHaveURL(/\/login/);
  expect((await page.request.post('/api/check_in_customers', { form: {} })).ok()).toBeFalsy();
  await context.close();
});

test('check-in opened within the app is kept for offline with the bundle its own copy loads', async ({ browser }, info) => {
  const door = await NetworkDoor.to(info.project.use.baseURL!);
  const context = await phone(browser, door.url);
  const page = await signedIn(context, demoUser('Claudia Krause'));
  await waitForHydration(page);
  // From the dashboard through the menu: the app draws the page itself, with its own code.
  await page.getByRole('navigation', { name: 'Main (phone)' }).getByRole('link', { name: /Check-in/ }).tap();
  await expect(page).toHaveURL(/\/check-in$/);
  await expect(page.getByTestId('offline-ready')).toHaveText('Ready to work offline on this phone.');
  await door.cut(context);

  // Offline, the kept copy of the page loads the check-in bundle: it was kept as well.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('check-in-customer').first()).toBeVisible();
  const loaded = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm')),
  );
  expect(loaded.filter((p) => p.startsWith('/pkg/check-in.')), loaded.join(', ')).toHaveLength(1);
  expect(loaded.filter((p) => p.startsWith('/pkg/pacer.')), loaded.join(', ')).toHaveLength(0);
  await expect(page.getByTestId('network-status')).toContainText('Offline');
  await door.restore(context);
  await context.close();
  await door.close();
});
