// Accessibility: axe-core on the front page and the lead article. Serious and
// critical violations fail the build; minor/moderate ones are printed so they
// are visible without blocking.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, newContext } from './lib.mjs';

const BLOCKING = new Set(['serious', 'critical']);

/** One violation as readable text: rule, impact, help link and offending nodes. */
function describeViolation(v) {
  const nodes = v.nodes
    .slice(0, 10)
    .map((n) => `      - ${n.target.join(' ')}\n        ${(n.failureSummary ?? '').replace(/\n/g, '\n        ')}`)
    .join('\n');
  const more = v.nodes.length > 10 ? `\n      … and ${v.nodes.length - 10} more` : '';
  return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
}

async function audit(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
  const other = results.violations.filter((v) => !BLOCKING.has(v.impact));
  if (other.length) {
    console.log(`a11y (${label}): ${other.length} non-blocking violation(s):\n${other.map(describeViolation).join('\n')}`);
  }
  assert.ok(
    blocking.length === 0,
    `${blocking.length} serious/critical accessibility violation(s) on ${label} (${page.url()}):\n` +
      blocking.map(describeViolation).join('\n'),
  );
}

describe('accessibility', () => {
  let browser;
  let context;

  before(async () => {
    browser = await launchBrowser();
    context = await newContext(browser);
  });

  after(async () => {
    await browser?.close();
  });

  it('front page has no serious or critical axe violations', { timeout: 120_000 }, async () => {
    const page = await context.newPage();
    try {
      await goto(page, `${BASE_URL}/`);
      await audit(page, 'front page');
    } finally {
      await page.close();
    }
  });

  it('the Listen Live player has no serious or critical axe violations', { timeout: 120_000 }, async () => {
    const page = await context.newPage();
    try {
      await goto(page, `${BASE_URL}/live/`);
      await audit(page, 'Listen Live player');
    } finally {
      await page.close();
    }
  });

  it('search results have no serious or critical axe violations', { timeout: 120_000 }, async () => {
    const page = await context.newPage();
    try {
      await goto(page, `${BASE_URL}/search?q=shipping`);
      await audit(page, 'search results');
    } finally {
      await page.close();
    }
  });

  it('lead article has no serious or critical axe violations', { timeout: 120_000 }, async () => {
    const page = await context.newPage();
    try {
      const [lead] = await frontPageStoryLinks(page);
      await goto(page, lead);
      await audit(page, 'lead article');
    } finally {
      await page.close();
    }
  });
});
