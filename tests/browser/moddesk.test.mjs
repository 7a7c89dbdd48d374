// The moderation desk in a real browser (issue 17): a reader's held comments reach the desk;
// the single-key shortcuts act only while the focus is inside the queue (a key pressed on the
// page around it does nothing), j/k move, x ticks, a approves and the banner's Undo puts it
// back; a comment posted while the desk is open shows as a "1 new" badge and comes in when
// pressed, without a reload; two comments ticked are rejected at once from the bulk bar; a
// comment featured from the desk leads the readers' discussion in its own tab; the person turns
// the shortcuts off and they stop (WCAG 2.1.4). axe (WCAG 2.2 AA tags) finds nothing on the desk,
// which does not scroll sideways at 320 px. tests/browser/run creates the admin account.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, loadsNewPage, newContext, textOf } from './lib.mjs';

const EMAIL = process.env.DATELINE_NEWSROOM_EMAIL;
const PASSWORD = process.env.DATELINE_NEWSROOM_PASSWORD;
const DESK = `${BASE_URL}/newsroom/comments`;

/** axe-core with the WCAG 2.2 AA tags: no violation at all. */
async function audit(page, label) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const text = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  assert.equal(results.violations.length, 0, `axe on ${label}:\n${text.join('\n')}`);
}

async function noSidewaysScroll(page, label) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `${label} scrolls sideways: ${scroll} px wide in ${width} px`);
}

async function submit(page, button) {
  await loadsNewPage(page, () => button.click());
}

/** The comment ids on the desk, in order. */
async function listed(page) {
  return page.locator('.mod-item').evaluateAll((els) => els.map((e) => e.dataset.comment));
}

async function focusedComment(page) {
  return page.evaluate(() => document.activeElement?.closest('.mod-item')?.dataset.comment ?? null);
}

describe('moderation desk', () => {
  let browser;
  before(async () => {
    assert.ok(EMAIL && PASSWORD, 'DATELINE_NEWSROOM_EMAIL/_PASSWORD are not set (tests/browser/run sets them)');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('shortcuts only inside the queue, undo, the new badge, bulk reject, featuring, shortcuts off', { timeout: 180_000 }, async () => {
    const staff = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const readers = await newContext(browser);
    const mod = await staff.newPage();
    const reader = await readers.newPage();
    const unique = Date.now().toString(36);

    await goto(mod, `${BASE_URL}/newsroom/sign-in`);
    await mod.getByLabel('Email').fill(EMAIL);
    await mod.getByLabel('Password').fill(PASSWORD);
    await Promise.all([mod.waitForURL(`${BASE_URL}/newsroom/`), mod.getByRole('button', { name: 'Sign in' }).click()]);
    // Hold a new reader's first comments, as the site's rules allow; put the rule back after.
    await goto(mod, DESK);
    const hold = mod.getByLabel("Hold a new reader's first comments (how many)");
    const heldBefore = await hold.inputValue();
    await hold.fill('10');
    await submit(mod, mod.getByRole('button', { name: 'Save rules' }));

    // A reader posts three comments on a story's discussion: all held.
    await goto(reader, `${BASE_URL}/`);
    const [story] = await frontPageStoryLinks(reader);
    await goto(reader, story);
    const discussion = new URL(await reader.locator('a.discussion-link').getAttribute('href'), BASE_URL).href;
    await goto(reader, `${BASE_URL}/readers/register?next=${encodeURIComponent(new URL(discussion).pathname)}`);
    await reader.getByLabel('Display name').fill(`Desk Reader ${unique}`);
    await reader.getByLabel('Email').fill(`desk-${unique}@example.com`);
    await reader.getByLabel(/^Password/).fill('a long reader password');
    await submit(reader, reader.getByRole('button', { name: 'Create account' }));
    async function post(text) {
      await goto(reader, discussion);
      await reader.getByLabel(/^Comment as/).fill(text);
      await reader.getByRole('button', { name: 'Post comment' }).click();
      await reader.locator('.discussion-notice').waitFor();
    }
    for (const n of [1, 2, 3]) await post(`Desk comment ${n} ${unique}`);

    await goto(mod, DESK);
    await audit(mod, 'the moderation desk');
    await noSidewaysScroll(mod, 'the moderation desk at 1280 px');
    const ids = (await listed(mod)).slice(0, 3);
    assert.equal((await mod.locator(`#mod-${ids[0]} .mod-body`).innerText()).trim(), `Desk comment 3 ${unique}`);
    assert.match(await textOf(mod, `#mod-${ids[0]} .mod-new-reader`), /new reader/);
    assert.equal(await mod.locator('[data-moderation-queue]').getAttribute('data-shortcuts'), 'on');

    // Outside the queue the keys do nothing: x ticks nothing, j moves nowhere.
    await mod.locator('h1').click();
    await mod.keyboard.press('x');
    await mod.keyboard.press('j');
    assert.equal(await mod.locator('input[name=ids]:checked').count(), 0);
    assert.equal(await focusedComment(mod), null);

    // Inside: j and k move, x ticks the current comment.
    await mod.locator(`#mod-${ids[0]}`).focus();
    await mod.keyboard.press('j');
    assert.equal(await focusedComment(mod), ids[1]);
    await mod.keyboard.press('k');
    assert.equal(await focusedComment(mod), ids[0]);
    await mod.keyboard.press('x');
    assert.equal(await mod.locator(`#sel-${ids[0]}`).isChecked(), true);
    await mod.keyboard.press('x');
    assert.equal(await mod.locator(`#sel-${ids[0]}`).isChecked(), false);
    // a approves; the banner offers Undo, which puts it back.
    await loadsNewPage(mod, () => mod.keyboard.press('a'));
    assert.equal(await textOf(mod, '.mod-banner p'), 'Approved 1 comment.');
    assert.equal(await mod.locator(`#mod-${ids[0]}`).count(), 0);
    await audit(mod, 'the desk with its banner');
    await submit(mod, mod.getByRole('button', { name: 'Undo' }));
    assert.match(await textOf(mod, '.mod-banner'), /Undone/);
    assert.equal(await mod.locator(`#mod-${ids[0]}`).count(), 1);

    // A comment arrives while the desk is open: a badge, then the comment, without a reload.
    await mod.evaluate(() => { window.__samePage = true; });
    await post(`Desk comment 4 ${unique}`);
    // The desk asks every 15 s and whenever the tab becomes visible again: ask now.
    await mod.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    const badge = mod.locator('[data-new-badge] button');
    await badge.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await badge.innerText(), '1 new: show it');
    await badge.click();
    await mod.locator('.mod-item.mod-fresh').first().waitFor();
    assert.equal(await mod.evaluate(() => window.__samePage), true, 'showing new comments reloaded the page');
    assert.equal((await mod.locator('.mod-item.mod-fresh .mod-body').first().innerText()).trim(), `Desk comment 4 ${unique}`);
    assert.equal(await mod.locator('[data-new-badge]').isHidden(), true);
    const fresh = await focusedComment(mod);
    assert.ok(fresh && !ids.includes(fresh), 'the new comment has the focus');

    // Bulk: tick two, reject them citing a standard by its short label.
    await mod.locator(`#sel-${ids[1]}`).check();
    await mod.locator(`#sel-${ids[2]}`).check();
    assert.equal(await textOf(mod, '[data-selected]'), '(2 selected)');
    const label = await mod.locator('#bulk-standard option').first().innerText();
    assert.ok(label.length <= 40 && !label.includes('*'), `a short label: ${label}`);
    await submit(mod, mod.locator('#mod-bulk').getByRole('button', { name: 'Reject' }));
    assert.equal(await textOf(mod, '.mod-banner p'), 'Rejected 2 comments.');
    for (const id of ids.slice(1)) assert.equal(await mod.locator(`#mod-${id}`).count(), 0);

    // Approve the first, then feature it from the Approved tab: readers see it first.
    await submit(mod, mod.locator(`#mod-${ids[0]}`).getByRole('button', { name: /^Approve/ }));
    await goto(mod, `${DESK}?tab=approved`);
    const item = mod.locator(`#mod-${ids[0]}`);
    await item.locator('details.mod-more > summary').click();
    await submit(mod, item.getByRole('button', { name: 'Feature' }));
    assert.match(await textOf(mod, '.mod-banner p'), /^Featured 1 comment/);
    await goto(reader, discussion);
    assert.match(await textOf(reader, '.discussion-sort a[aria-current="true"]'), /^Featured \(\d+\)$/);
    assert.equal(await reader.locator(`#comment-${ids[0]} .comment-featured`).count(), 1);

    // The phone width: no sideways scroll, nothing for axe.
    await mod.setViewportSize({ width: 320, height: 720 });
    await goto(mod, DESK);
    await noSidewaysScroll(mod, 'the moderation desk at 320 px');
    await audit(mod, 'the moderation desk at 320 px');
    await mod.setViewportSize({ width: 1280, height: 900 });

    // Shortcuts off, for this person: x and a do nothing even inside the queue.
    await goto(mod, `${DESK}?tab=unmoderated`);
    await mod.locator('details.mod-keys > summary').click();
    await submit(mod, mod.getByRole('button', { name: 'Turn shortcuts off' }));
    assert.equal(await mod.locator('[data-moderation-queue]').getAttribute('data-shortcuts'), 'off');
    const first = mod.locator('.mod-item').first();
    if (await first.count()) {
      const before = mod.url();
      await first.focus();
      await mod.keyboard.press('x');
      await mod.keyboard.press('j');
      assert.equal(await mod.locator('input[name=ids]:checked').count(), 0);
      assert.equal(mod.url(), before);
    }
    // Back on, and the rule as it was, for the suites after this one.
    await mod.locator('details.mod-keys > summary').click();
    await submit(mod, mod.getByRole('button', { name: 'Turn shortcuts on' }));
    await mod.getByLabel("Hold a new reader's first comments (how many)").fill(heldBefore);
    await submit(mod, mod.getByRole('button', { name: 'Save rules' }));
    await staff.close();
    await readers.close();
  });
});
