// Shared helpers for the browser suite. Not a test file itself (node --test
// only picks up *.test.mjs via tests/browser/run).
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

/** Base URL of the running server, set by tests/browser/run. */
export const BASE_URL = (() => {
  const url = process.env.DATELINE_URL;
  if (!url) {
    throw new Error(
      'DATELINE_URL is not set. Run the suite via tests/browser/run, which starts ' +
        'target/release/dateline serve --demo and sets it.',
    );
  }
  return url.replace(/\/+$/, '');
})();

// Debian's Chromium; we never let Playwright download its own build.
const CHROMIUM = process.env.DATELINE_CHROMIUM || '/usr/bin/chromium';

// Timeouts are deliberately generous (2-core CI running a cold server) but
// finite, so a hung page fails the test rather than the whole CI job.
export const ACTION_TIMEOUT = 15_000;
export const NAV_TIMEOUT = 30_000;

/**
 * Launch headless Chromium. chromium.launch() always starts from a fresh,
 * throwaway user-data dir (Playwright creates and deletes it), so no state
 * leaks between runs; passing --user-data-dir ourselves is not allowed here.
 */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox', // we run as root in CI; the sandbox refuses that
      '--disable-gpu',
      '--disable-background-networking', // tests talk to 127.0.0.1 only
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // Containers often have a 64 MB /dev/shm, which crashes renderers.
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}

/** A browser context with our default timeouts applied. */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ reducedMotion: 'reduce', ...options });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  context.setDefaultNavigationTimeout(NAV_TIMEOUT);
  return context;
}

/** Navigate and insist on a 2xx/3xx-followed-to-2xx answer. */
export async function goto(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.ok(response, `no response for ${url}`);
  assert.ok(response.ok(), `GET ${url} answered HTTP ${response.status()}`);
  return response;
}

/** Absolute URL from a possibly relative href, resolved against the page. */
export function absolute(href, base) {
  return new URL(href, base).href;
}

/** URL without its fragment, for "is this the same page" comparisons. */
export function withoutHash(url) {
  const u = new URL(url);
  u.hash = '';
  return u.href;
}

/**
 * Story links on the front page, in document order, de-duplicated and
 * resolved to absolute URLs. The first one is the lead story.
 */
export async function frontPageStoryLinks(page) {
  await goto(page, `${BASE_URL}/`);
  const hrefs = await page.$$eval('main a.story-link', (as) => as.map((a) => a.href));
  assert.ok(hrefs.length > 0, 'front page has no `main a.story-link` (the lead story link)');
  return [...new Set(hrefs.map(withoutHash))];
}

/**
 * Record everything that counts as a broken page: uncaught exceptions,
 * console errors, requests that failed at the network level, and HTTP
 * errors for resources the page asked for. Call before navigating.
 */
export function watchForProblems(page) {
  const problems = [];
  // Chromium cancels (net::ERR_ABORTED) whatever a page still had in flight when it is left: a
  // lazy image, the preview's fetch, the icon. That is the browser's doing, not a broken page,
  // so an abort counts only if the page it belonged to is still the one shown.
  let pageLoads = 0;
  const loadOf = new WeakMap();
  page.on('request', (req) => {
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) pageLoads += 1;
    else loadOf.set(req, pageLoads);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      problems.push(`console error: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? 'unknown';
    if (error === 'net::ERR_ABORTED' && loadOf.has(req) && loadOf.get(req) !== pageLoads) return;
    // The icon is fetched by the browser itself, after the load event, and Playwright may report
    // that request only once the next page's navigation has begun (so the rule above counts it
    // against the new page): CI failed on exactly that. An aborted icon is never the page's
    // doing; a missing one still shows as an HTTP error below.
    if (error === 'net::ERR_ABORTED' && /\/favicon\.(svg|ico)$/.test(new URL(req.url()).pathname)) {
      return;
    }
    // The editor's "Also open" ping runs in the background every second in this suite
    // (tests/browser/run): one started while the next page was already on its way is cut off
    // by the browser when that page arrives. Its refusal would still show as an HTTP error.
    if (error === 'net::ERR_ABORTED' && /\/newsroom\/stories\/\d+\/presence$/.test(new URL(req.url()).pathname)) {
      return;
    }
    problems.push(`request failed: ${req.method()} ${req.url()} (${error})`);
  });
  page.on('response', (res) => {
    // The browser fetches /favicon.ico on its own; that is not the page's doing.
    if (res.status() >= 400 && new URL(res.url()).pathname !== '/favicon.ico') {
      problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
    }
  });
  return problems;
}

/** Trimmed, whitespace-collapsed visible text of the first match, or null. */
export async function textOf(page, selector) {
  const loc = page.locator(selector).first();
  if ((await loc.count()) === 0) return null;
  return (await loc.innerText()).replace(/\s+/g, ' ').trim();
}

/** An attribute of the first match, or null when nothing matches (no waiting). */
export async function attrOf(page, selector, name) {
  const loc = page.locator(selector).first();
  if ((await loc.count()) === 0) return null;
  return loc.getAttribute(name);
}

/**
 * Do something that loads a new page (click a submit button, press a shortcut that submits a
 * form) and wait for that new page's load event. Playwright's click does not wait for the
 * navigation it starts, and `waitForLoadState('load')` is already satisfied by the page being
 * left, so reading the page right after either may read the old one.
 */
export async function loadsNewPage(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** The newsroom admin tests/browser/run creates for the suite. */
export const NEWSROOM_EMAIL = process.env.DATELINE_NEWSROOM_EMAIL;
export const NEWSROOM_PASSWORD = process.env.DATELINE_NEWSROOM_PASSWORD;

/** The axe-core tags of WCAG 2.2 AA: every newsroom page must pass them with 0 violations. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Fail unless axe finds no WCAG 2.2 AA violation on the page as it is now. */
export async function audit(page, label) {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const text = (v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    - ${n.target.join(' ')}`).join('\n')}`;
  assert.equal(results.violations.length, 0, `axe on ${label}:\n${results.violations.map(text).join('\n')}`);
}

/** Sign in to the newsroom (the suite's admin unless told otherwise) and land on its home. */
export async function signIn(page, email = NEWSROOM_EMAIL, password = NEWSROOM_PASSWORD) {
  assert.ok(email && password, 'DATELINE_NEWSROOM_EMAIL/_PASSWORD are not set (tests/browser/run sets them)');
  await goto(page, `${BASE_URL}/newsroom/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(`${BASE_URL}/newsroom/`), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** The story editor's writing surface (the contenteditable labelled "Body"). */
export const surface = (page) => page.getByRole('textbox', { name: 'Body', exact: true });

/** A button of the story editor's formatting toolbar. */
export const tool = (page, name) => page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name, exact: true });

/** A new draft with `headline` and `words` typed into the body, saved with the button; answers
 * its number (the page is left on its editor). */
export async function newDraft(page, headline, words) {
  await goto(page, `${BASE_URL}/newsroom/stories/new`);
  await page.getByLabel('Headline', { exact: true }).fill(headline);
  await surface(page).click();
  await page.keyboard.type(words);
  await loadsNewPage(page, () => page.getByRole('button', { name: 'Save draft' }).click());
  const m = /\/newsroom\/stories\/(\d+)$/.exec(new URL(page.url()).pathname);
  assert.ok(m, `saved to ${page.url()}`);
  return Number(m[1]);
}
