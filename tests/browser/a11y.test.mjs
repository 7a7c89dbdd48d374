// Accessibility, measured (issue 18): axe-core with the WCAG 2.2 AA tags on every reader page
// type, signed out and as a signed-in reader, at a phone's 320 px and a desktop's 1280 px; any
// violation fails, whatever its impact. Beside axe: no horizontal scrolling at 320 px, a focus
// ring of at least 3:1 against whatever it sits on, the sections bar's cue that more sections
// follow, and the two search forms on the search page named apart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, loadsNewPage, newContext } from './lib.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [320, 1280];

/** One violation as readable text: rule, impact, help link and offending nodes. */
function describeViolation(v) {
  const nodes = v.nodes
    .slice(0, 10)
    .map((n) => `      - ${n.target.join(' ')}\n        ${(n.failureSummary ?? '').replace(/\n/g, '\n        ')}`)
    .join('\n');
  const more = v.nodes.length > 10 ? `\n      … and ${v.nodes.length - 10} more` : '';
  return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
}

/** axe with the WCAG 2.2 AA tags: no violation at all. */
async function audit(page, label) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  assert.equal(
    results.violations.length,
    0,
    `${results.violations.length} WCAG 2.2 AA violation(s) on ${label} (${page.url()}):\n` +
      results.violations.map(describeViolation).join('\n'),
  );
}

/** The page is no wider than the viewport (WCAG 1.4.10 reflow at 320 px). */
async function noSidewaysScroll(page, label) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(over <= 0, `${label} scrolls sideways by ${over}px at ${page.viewportSize().width}px`);
}

/** Every page type at each width: axe and reflow. */
async function auditAll(page, pages, who) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    for (const [label, url, ready] of pages) {
      await goto(page, url);
      if (ready) await ready(page);
      await audit(page, `${label} (${who}, ${width}px)`);
      if (width === 320) await noSidewaysScroll(page, `${label} (${who})`);
    }
  }
}

/** WCAG relative luminance and contrast of two rgb()/rgba() colours (alpha ignored). */
function contrastScript() {
  return `
    function parse(c) { const m = c.match(/[\\d.]+/g) || ['0','0','0','0']; return m.map(Number); }
    function lum(c) {
      const [r, g, b] = parse(c).slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    }
    function contrast(a, b) { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
    function ground(el) {
      for (let e = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        const c = parse(s.backgroundColor);
        if (s.backgroundImage !== 'none' && e.matches('.sections-nav')) return 'rgb(12, 27, 42)';
        if (c.length < 4 || c[3] > 0.5) return s.backgroundColor;
      }
      return 'rgb(255, 255, 255)';
    }`;
}

/** Tab through the page: every stop shows an outline of ≥ 2 px at ≥ 3:1 against its ground. */
async function focusIsVisible(page, label, stops = 40) {
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  const seen = [];
  for (let i = 0; i < stops; i++) {
    await page.keyboard.press('Tab');
    const got = await page.evaluate(`(() => {
      ${contrastScript()}
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      // The ring sits outside the element (outline-offset ≥ 0) on its parent's ground, or
      // inside it (negative offset) on its own.
      const on = parseFloat(s.outlineOffset) < 0 ? ground(el) : ground(el.parentElement);
      return {
        what: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + (el.textContent || '').trim().slice(0, 30),
        style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor, on,
        ratio: contrast(s.outlineColor, on),
      };
    })()`);
    if (!got) break;
    seen.push(got);
  }
  assert.ok(seen.length > 5, `${label}: only ${seen.length} focus stops`);
  const bad = seen.filter((f) => f.style === 'none' || f.width < 2 || f.ratio < 3);
  assert.deepEqual(
    bad.map((f) => `${f.what}: ${f.style} ${f.width}px ${f.colour} on ${f.on} = ${f.ratio.toFixed(2)}:1`),
    [],
    `${label}: focus rings under 3:1 or missing`,
  );
}

describe('accessibility (WCAG 2.2 AA)', () => {
  let browser;
  let urls;

  before(async () => {
    browser = await launchBrowser();
    const context = await newContext(browser);
    const page = await context.newPage();
    const [lead] = await frontPageStoryLinks(page);
    await goto(page, lead);
    const href = async (sel) => new URL(await page.locator(sel).first().getAttribute('href'), BASE_URL).href;
    urls = {
      lead,
      section: await href('.story-section'),
      author: await href('a[rel=author]'),
      tag: await href('.tags a'),
      discussion: await href('a.discussion-link'),
    };
    await context.close();
  });

  after(async () => {
    await browser?.close();
  });

  it('every reader page type, signed out', { timeout: 300_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await auditAll(
      page,
      [
        ['front page', `${BASE_URL}/`],
        ['article', urls.lead],
        ['section', urls.section],
        ['tag', urls.tag],
        ['author', urls.author],
        ['search results', `${BASE_URL}/search?q=shipping`],
        ['search, no results', `${BASE_URL}/search?q=zzzqqqxxx`],
        ['Listen Live player', `${BASE_URL}/live/`],
        ['discussion', urls.discussion],
        ['reader sign-in', `${BASE_URL}/readers/sign-in`],
        ['reader registration', `${BASE_URL}/readers/register`],
        ['forgotten password', `${BASE_URL}/readers/forgot`],
        ['static page', `${BASE_URL}/community-standards/`],
      ],
      'signed out',
    );
    await context.close();
  });

  it('every reader page type, as a signed-in reader', { timeout: 300_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const unique = Date.now().toString(36);
    await goto(page, `${BASE_URL}/readers/register?next=${encodeURIComponent(new URL(urls.discussion).pathname)}`);
    await page.getByLabel('Display name').fill(`Axe Reader ${unique}`);
    await page.getByLabel('Email').fill(`axe-${unique}@example.com`);
    await page.getByLabel(/^Password/).fill('a long reader password');
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Create account' }).click());
    // A comment of their own, so its controls (edit, delete) are audited too.
    await page.getByLabel(/^Comment as/).fill(`Checked by axe ${unique}`);
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.locator('li.comment-mine').first().waitFor();
    const readerView = async (p) => {
      await p.locator('#discussion-slot[data-loaded="reader"]').waitFor();
    };
    // A form open in place: a reply, or (when the site holds a new reader's comment, which
    // then has no reply button) the delete confirmation of their own comment.
    const replyOpen = async (p) => {
      await p.locator('li.comment-mine').locator('details.comment-reply > summary, details.comment-delete > summary').first().click();
    };
    await auditAll(
      page,
      [
        ['front page', `${BASE_URL}/`],
        ['article with the reader’s discussion', urls.lead, readerView],
        ['section', urls.section],
        ['search results', `${BASE_URL}/search?q=shipping`],
        ['Listen Live player', `${BASE_URL}/live/`],
        ['discussion', urls.discussion],
        ['discussion with a form open in place', urls.discussion, replyOpen],
        ['the reader’s own account', `${BASE_URL}/readers/me`],
      ],
      'signed in',
    );
    await context.close();
  });

  it('focus is visible at 3:1 wherever it lands', { timeout: 180_000 }, async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await goto(page, `${BASE_URL}/`);
    await focusIsVisible(page, 'front page');
    await goto(page, urls.lead);
    await focusIsVisible(page, 'article', 60);
    await goto(page, `${BASE_URL}/search?q=shipping`);
    await focusIsVisible(page, 'search');
    await goto(page, `${BASE_URL}/readers/sign-in`);
    await focusIsVisible(page, 'reader sign-in', 20);
    await context.close();
  });

  it('the sections bar shows that more sections follow on a phone', { timeout: 60_000 }, async () => {
    const context = await newContext(browser, { viewport: { width: 320, height: 700 } });
    const page = await context.newPage();
    await goto(page, `${BASE_URL}/`);
    const nav = page.locator('.sections-nav');
    const overflow = await nav.evaluate((n) => n.scrollWidth - n.clientWidth);
    assert.ok(overflow > 0, 'the sections bar fits at 320px; this test needs one that scrolls');
    // Without script: the bar's edge shadows (background layers that scroll with it).
    assert.match(await nav.evaluate((n) => getComputedStyle(n).backgroundImage), /gradient.*gradient.*gradient.*gradient/);
    // With it: an arrow while more follow, gone at the end.
    await page.locator('.sections-bar[data-more] .sections-more').waitFor({ state: 'visible' });
    await nav.evaluate((n) => { n.scrollLeft = n.scrollWidth; });
    await page.locator('.sections-bar:not([data-more])').waitFor();
    assert.equal(await page.locator('.sections-more').isVisible(), false);
    await context.close();
  });

  it('the search page names its two search forms apart', { timeout: 60_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await goto(page, `${BASE_URL}/search?q=shipping`);
    const names = await page.locator('[role=search]').evaluateAll((forms) => forms.map((f) => f.getAttribute('aria-label')));
    assert.equal(names.length, 2);
    assert.ok(names.every(Boolean) && new Set(names).size === 2, `search forms named ${JSON.stringify(names)}`);
    await context.close();
  });
});
