/**
 * One headless Debian chromium for the whole e2e run (several contexts, never several browsers: CI has 2 cores),
 * driven by playwright-core. The server under test is test/helpers/server.ts's real server, which serves the
 * built client from client/dist (`npm test` builds it first).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server';

export const CHROMIUM = process.env.CONCORD_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(__dirname, '../../docs/screenshots');
const CLIENT_INDEX = path.resolve(__dirname, '../../client/dist/index.html');

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CLIENT_INDEX)) throw new Error('client/dist is missing: run `npm run build:client` first (npm test does)');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (npm test does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Records uncaught page errors and console errors, so a test can insist there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|WebSocket connection|ERR_INTERNET_DISCONNECTED/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Gzipped bytes of every script a page loads (what the browser would get with gzip), by URL. */
export function measureScripts(page: Page): () => Promise<{ files: Array<{ url: string; raw: number; gzip: number }>; gzip: number }> {
  const pending: Array<Promise<{ url: string; raw: number; gzip: number } | null>> = [];
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'script') return;
    pending.push(
      res.body().then(
        (b) => ({ url: new URL(res.url()).pathname, raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length }),
        () => null,
      ),
    );
  });
  return async () => {
    const files = (await Promise.all(pending)).filter((x): x is { url: string; raw: number; gzip: number } => x !== null);
    return { files, gzip: files.reduce((s, f) => s + f.gzip, 0) };
  };
}

export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
}

export function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
}

export async function newContext(browser: Browser, opts: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1, ...opts });
}

type ContextOptions = Parameters<Browser['newContext']>[0];

/** A test file's real server and the chromium, started before its tests and closed after them. */
export interface BrowserSuite {
  server: TestServer;
  browser: Browser;
  /** The file's own browser context (made with `browserSuite`'s `context` options). */
  ctx: BrowserContext;
  /** Another context, closed with the suite. */
  context(opts?: ContextOptions): Promise<BrowserContext>;
  /** Opens a join link as `worker` (in `ctx`, else the suite's) and gets past the instructions with Enter. */
  openAnnotator(token: string, worker: string, ctx?: BrowserContext): Promise<Page>;
}

/** The external id of the item on the annotator page's screen. */
export const currentItem = (page: Page) => page.locator('article.task').getAttribute('data-item');

/**
 * The error a form shows by `field` (the element its aria-describedby names), once it shows one: the server's
 * answer can reach the test before the page has drawn it.
 */
export async function fieldError(page: Page, field: Locator): Promise<string | null> {
  const described = field.and(page.locator('[aria-describedby]'));
  await described.waitFor();
  return page.locator(`#${await described.getAttribute('aria-describedby')}`).textContent();
}

/**
 * Starts the server and the browser (side by side) in `beforeAll` and closes them in `afterAll`. The fields are
 * set once `beforeAll` has run: read them inside tests and hooks, not at the top of the file.
 */
export function browserSuite(opts: { context?: ContextOptions } = {}): BrowserSuite {
  const contexts: BrowserContext[] = [];
  const suite = {
    async context(o: ContextOptions = {}) {
      const c = await newContext(suite.browser, o);
      contexts.push(c);
      return c;
    },
    async openAnnotator(token: string, worker: string, ctx = suite.ctx) {
      const page = await ctx.newPage();
      await page.goto(`${suite.server.url}/join/${token}?worker=${encodeURIComponent(worker)}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.keyboard.press('Enter');
      await page.locator('article.task').waitFor();
      return page;
    },
  } as BrowserSuite;
  beforeAll(async () => {
    [suite.server, suite.browser] = await Promise.all([startServer(), launch()]);
    suite.ctx = await suite.context(opts.context);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await suite.browser?.close();
    await suite.server?.close();
  });
  return suite;
}
