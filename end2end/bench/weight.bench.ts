import { Browser, BrowserContext, CDPSession, devices, Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { DEMO_MANAGER, DEMO_REP, signIn } from '../tests/fixtures/actions';

// Issue 21: what a page costs a user on first visit — bytes on the wire, requests, time until
// usable — measured in Chromium through the DevTools protocol, cold cache (a new browser context
// for every page, signed in by cookie only). Two runs per page:
//   * loopback: transferred bytes (encoded, as on the wire: headers + compressed body), requests
//     (all, and those for code: wasm, JS, CSS), and the time until the network is idle;
//   * a slow 4G phone: Chromium's throttling at 1.6 Mbps down / 750 kbps up / 150 ms RTT and a
//     4× slower CPU, timed from navigation until the page is usable (see `usable` per page).
// The service worker is blocked, so these are the page's own needs (it precaches after load).

/** Hydrated: the wasm has taken over the page (a throttled phone takes its time). */
const hydrated = (page: Page) => expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 90_000 });

/** `shown`: the page's main content is on screen as the server drew it (before the wasm). */
type Measure = {
  path: string;
  who: { email: string };
  usable: (page: Page) => Promise<void>;
  shown?: (page: Page) => Promise<void>;
  phone?: boolean;
};

const PAGES: Measure[] = [
  {
    path: '/board',
    who: DEMO_REP,
    usable: async (page) => {
      await hydrated(page);
      await expect(page.locator('[data-testid="card"]').first()).toBeVisible({ timeout: 90_000 });
    },
  },
  {
    path: '/targets/new',
    who: DEMO_MANAGER,
    usable: async (page) => {
      await hydrated(page);
      await expect(page.getByLabel('Statement')).toBeEditable({ timeout: 90_000 });
    },
  },
  {
    path: '/check-in',
    who: DEMO_REP,
    phone: true,
    usable: async (page) => {
      // The customer list is shown and the check-in button answers.
      await hydrated(page);
      await expect(page.getByTestId('check-in-customer').first()).toBeVisible({ timeout: 90_000 });
    },
    shown: async (page) => {
      await expect(page.getByTestId('check-in-customer').first()).toBeVisible({ timeout: 90_000 });
    },
  },
  {
    path: '/',
    who: DEMO_REP,
    usable: async (page) => {
      await hydrated(page);
    },
  },
];

type Transfer = { url: string; type: string; bytes: number; headers: number; encoding: string };

/** Records every response's bytes on the wire (headers and body) and its encoding. */
async function record(cdp: CDPSession): Promise<() => Transfer[]> {
  const seen = new Map<string, { url: string; type: string; headers: number; encoding: string }>();
  const done: Transfer[] = [];
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e: any) =>
    seen.set(e.requestId, { url: e.request.url, type: e.type ?? 'Other', headers: 0, encoding: 'none' }),
  );
  cdp.on('Network.responseReceivedExtraInfo', (e: any) => {
    const r = seen.get(e.requestId);
    if (r && e.headersText) r.headers = e.headersText.length;
  });
  cdp.on('Network.responseReceived', (e: any) => {
    const r = seen.get(e.requestId);
    const headers = e.response.headers ?? {};
    const encoding = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-encoding')?.[1];
    if (r) r.encoding = String(encoding ?? 'none');
  });
  cdp.on('Network.loadingFinished', (e: any) => {
    const r = seen.get(e.requestId);
    if (r) done.push({ ...r, bytes: e.encodedDataLength });
  });
  return () => done;
}

async function signedInState(browser: Browser, baseURL: string, email: string) {
  const context = await browser.newContext({ baseURL, serviceWorkers: 'block' });
  const page = await context.newPage();
  await signIn(page, email);
  await expect(page).toHaveURL(/\/$/);
  const state = await context.storageState();
  await context.close();
  return state;
}

/** A new page of `context` on a slow 4G phone: 1.6 Mbps down, 750 kbps up, 150 ms, 4× CPU. */
async function slowPhonePage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  const throttle = await context.newCDPSession(page);
  await throttle.send('Network.enable');
  await throttle.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await throttle.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  return page;
}

const isCode = (t: Transfer) => /\.(wasm|js|css)(\?|$)/.test(t.url);
const kb = (b: number) => (b / 1024).toFixed(0);

test('page weight, requests and time to usable, cold cache', async ({ browser, baseURL }) => {
  const rows: string[] = [];
  const states = new Map<string, Awaited<ReturnType<typeof signedInState>>>();
  for (const m of PAGES) {
    if (!states.has(m.who.email)) states.set(m.who.email, await signedInState(browser, baseURL!, m.who.email));
    const storageState = states.get(m.who.email)!;
    const device = m.phone ? { ...devices['Pixel 5'], viewport: { width: 375, height: 740 } } : {};

    // Loopback: bytes and requests.
    const context = await browser.newContext({ ...device, baseURL, storageState, serviceWorkers: 'block' });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const transfers = await record(cdp);
    const started = Date.now();
    await page.goto(m.path, { waitUntil: 'networkidle' });
    const idle = Date.now() - started;
    await m.usable(page);
    const all = transfers();
    const code = all.filter(isCode);
    const wasm = all.filter((t) => t.url.includes('.wasm'));
    const sum = (ts: Transfer[]) => ts.reduce((s, t) => s + t.bytes, 0);
    await context.close();

    // Slow 4G phone: time until usable.
    const slow = await browser.newContext({ ...device, baseURL, storageState, serviceWorkers: 'block' });
    const phonePage = await slowPhonePage(slow);
    const t0 = Date.now();
    await phonePage.goto(m.path, { waitUntil: 'commit', timeout: 120_000 });
    let shown: number | undefined;
    if (m.shown) {
      await m.shown(phonePage);
      shown = Date.now() - t0;
    }
    await m.usable(phonePage);
    const usable = Date.now() - t0;
    // The same phone opening the page again (a rep's next visit): the hashed code comes from
    // its cache, the page itself and its data over the slow network again.
    const again = await slowPhonePage(slow);
    await phonePage.close();
    const t1 = Date.now();
    await again.goto(m.path, { waitUntil: 'commit', timeout: 120_000 });
    await m.usable(again);
    const usableAgain = Date.now() - t1;
    await slow.close();

    const headers = all.reduce((s, t) => s + t.headers, 0);
    const encodings = [...new Set(code.map((t) => t.encoding))].join('/');
    rows.push(
      `| \`${m.path}\` | ${kb(sum(all))} KB | ${kb(headers)} KB | ${kb(sum(wasm))} KB | ${encodings} | ${all.length} | ${code.length} | ${idle} ms | ${(usable / 1000).toFixed(1)} s | ${(usableAgain / 1000).toFixed(1)} s |`,
    );
    console.log(`${m.path}: ${kb(sum(all))} KB (headers ${kb(headers)} KB), wasm ${kb(sum(wasm))} KB, code as ${encodings}, ${all.length} requests (${code.length} code), idle ${idle} ms, usable on slow 4G ${usable} ms${shown === undefined ? '' : ` (content shown at ${shown} ms)`}, again ${usableAgain} ms`);
  }
  console.log(
    ['', '| page | transferred | of it headers | of it wasm | code sent as | requests | of them code | network idle (loopback) | usable on slow 4G, 4× CPU | again, code cached |', '|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n'),
  );
});
