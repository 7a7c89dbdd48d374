// The discussion in a real browser (issue 4): the admin makes a new reader's first comment wait
// for a moderator; a reader opens a story, sees the discussion loaded under it by script,
// registers through "Comment via", comments (held), a moderator approves it from the queue
// with the keyboard shortcut, the reader sees it published and replies; a sample of injection
// vectors posted as a comment and as a display name runs nothing (no dialog, no script) on the
// discussion page or under the story. tests/browser/run creates the admin account.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, loadsNewPage, newContext, textOf } from './lib.mjs';

const EMAIL = process.env.DATELINE_NEWSROOM_EMAIL;
const PASSWORD = process.env.DATELINE_NEWSROOM_PASSWORD;
const XSS = [
  '<script>window.__xss = 1</script>',
  '<img src=x onerror="window.__xss = 2; alert(2)">',
  '<svg onload="alert(3)"></svg>',
  '"><script>alert(4)</script>',
  'javascript:alert(5)',
  'https://example.com/"onmouseover="alert(6)',
  '<a href="javascript:alert(7)">click</a>',
  '\u202e<details open ontoggle=alert(8)>',
];

/** axe-core on the page as it is: no serious or critical violation. */
async function audit(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = blocking.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  assert.equal(blocking.length, 0, `axe on ${label}:\n${text.join('\n')}`);
}

/** Fail on any dialog; count them. */
function watchDialogs(page) {
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  return dialogs;
}

async function submit(page, button) {
  await loadsNewPage(page, () => button.click());
}

describe('discussion', () => {
  let browser;

  before(async () => {
    assert.ok(EMAIL && PASSWORD, 'DATELINE_NEWSROOM_EMAIL/_PASSWORD are not set (tests/browser/run sets them)');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it('a reader registers, comments and replies; a moderator approves', { timeout: 180_000 }, async () => {
    const staff = await newContext(browser);
    const reader = await newContext(browser);
    const mod = await staff.newPage();
    const page = await reader.newPage();
    const dialogs = [...watchDialogs(mod), ...watchDialogs(page)];
    const unique = Date.now().toString(36);

    // The admin holds a new reader's first comment for review.
    await goto(mod, `${BASE_URL}/newsroom/sign-in`);
    await mod.getByLabel('Email').fill(EMAIL);
    await mod.getByLabel('Password').fill(PASSWORD);
    await Promise.all([mod.waitForURL(`${BASE_URL}/newsroom/`), mod.getByRole('button', { name: 'Sign in' }).click()]);
    await goto(mod, `${BASE_URL}/newsroom/comments`);
    await mod.getByLabel("Hold a new reader's first comments (how many)").fill('1');
    await submit(mod, mod.getByRole('button', { name: 'Save rules' }));

    // A story: its discussion arrives under it by script, with a link for those without.
    await goto(page, `${BASE_URL}/`);
    const [story] = await frontPageStoryLinks(page);
    await goto(page, story);
    await page.waitForSelector('#discussion-slot section.discussion');
    assert.match(await textOf(page, 'a.discussion-link'), /^Discussion \(\d+ comments?\)$/);
    const discussion = new URL(await page.locator('a.discussion-link').getAttribute('href'), BASE_URL).href;

    await audit(page, 'a story with its discussion');
    // Comment via the site: sign-in, then a new account, back to the discussion.
    await submit(page, page.locator('#discussion-slot a.comment-via').first());
    await audit(page, 'the reader sign-in page');
    await submit(page, page.getByRole('link', { name: 'Create a reader account' }));
    await audit(page, 'the reader registration page');
    await page.getByLabel('Display name').fill(`${XSS[1]} Reader`);
    await page.getByLabel('Email').fill(`reader-${unique}@example.com`);
    await page.getByLabel(/^Password/).fill('a long reader password');
    await submit(page, page.getByRole('button', { name: 'Create account' }));
    assert.equal(page.url(), discussion);

    const text = `First comment ${unique}`;
    await page.getByLabel(/^Comment as/).fill(text);
    await submit(page, page.getByRole('button', { name: 'Post comment' }));
    assert.match(await textOf(page, '.discussion-notice'), /waiting for a moderator/);
    await audit(page, 'a discussion, signed in');
    const held = page.locator('li.comment.comment-held', { hasText: text });
    assert.equal(await held.count(), 1);
    const id = (await held.getAttribute('id')).replace('comment-', '');

    // The moderator approves it with the keyboard: j/k to it, then a.
    await goto(mod, `${BASE_URL}/newsroom/comments`);
    await audit(mod, 'the moderation queue');
    const items = await mod.locator('.mod-item').evaluateAll((els) => els.map((e) => e.dataset.comment));
    const at = items.indexOf(id);
    assert.ok(at >= 0, `comment ${id} is in the queue`);
    for (let i = 0; i < at; i++) await mod.keyboard.press('j');
    await loadsNewPage(mod, () => mod.keyboard.press('a'));
    assert.equal(await mod.locator(`#mod-${id}`).count(), 0);

    // The reader sees it published, and replies.
    await goto(page, discussion);
    const published = page.locator(`#comment-${id}`);
    assert.equal(await published.evaluate((e) => e.classList.contains('comment-held')), false);
    await published.locator('details.comment-reply > summary').first().click();
    await published.getByLabel(/^Reply to/).first().fill(`A reply ${unique}`);
    await submit(page, published.getByRole('button', { name: 'Post reply' }).first());
    assert.equal(await page.locator(`#comment-${id} > ol.replies > li.comment`, { hasText: `A reply ${unique}` }).count(), 1);

    // Injection vectors as a comment: shown as text, nothing runs.
    await page.getByLabel(/^Comment as/).fill(XSS.join('\n\n'));
    await submit(page, page.getByRole('button', { name: 'Post comment' }));
    for (const url of [discussion, story]) {
      await goto(page, url);
      await page.waitForSelector('section.discussion');
      assert.ok((await page.locator('.comment-body', { hasText: '<script>window.__xss = 1</script>' }).count()) >= 1);
      assert.equal(await page.evaluate(() => window.__xss), undefined, `script ran on ${url}`);
      assert.equal(await page.locator('section.discussion script, section.discussion img, section.discussion svg').count(), 0);
    }
    await goto(mod, `${BASE_URL}/newsroom/comments`);
    assert.equal(await mod.evaluate(() => window.__xss), undefined);
    assert.deepEqual(dialogs, []);
    await staff.close();
    await reader.close();
  });
});
