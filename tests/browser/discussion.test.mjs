// The discussion in a real browser (issues 4 and 18): the admin makes a new reader's first
// comment wait for a moderator; a reader opens a story, sees their own view of the discussion
// put under it by script, registers through "Comment via", comments (held) and replies in
// place, without a reload; a moderator approves from the queue with the keyboard shortcut; a
// sample of injection vectors posted as a comment and as a display name runs nothing (no
// dialog, no script) on the discussion page or under the story. Without script the story page
// carries the discussion's first page, and a reader reads, signs in, posts and replies with
// plain forms. tests/browser/run creates the admin account.
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

    // Posting happens in place: the page is not loaded again.
    await page.evaluate(() => { window.__samePage = true; });
    const text = `First comment ${unique}`;
    await page.getByLabel(/^Comment as/).fill(text);
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.locator('.discussion-notice').waitFor();
    assert.match(await textOf(page, '.discussion-notice'), /waiting for a moderator/);
    assert.equal(await page.evaluate(() => window.__samePage), true, 'posting reloaded the page');
    // The new comment is marked as the reader's own, and has the focus.
    assert.equal(await page.evaluate(() => document.activeElement.matches('li.comment.comment-mine')), true);
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
    // Shortcuts act only with the focus inside the queue: start on its first comment.
    await mod.locator('.mod-item').first().focus();
    for (let i = 0; i < at; i++) await mod.keyboard.press('j');
    await loadsNewPage(mod, () => mod.keyboard.press('a'));
    assert.equal(await mod.locator(`#mod-${id}`).count(), 0);

    // The reader sees it published, and replies.
    // On the story page this time: the reader's view of the discussion, replies in place.
    await goto(page, story);
    await page.locator('#discussion-slot[data-loaded="reader"]').waitFor();
    await page.evaluate(() => { window.__samePage = true; });
    const published = page.locator(`#comment-${id}`);
    assert.equal(await published.evaluate((e) => e.classList.contains('comment-held')), false);
    // Times read "… ago", with the exact time on hover.
    const time = published.locator('time.comment-time').first();
    assert.match(await time.innerText(), /ago|just now/);
    assert.ok((await time.getAttribute('title')).length > 8);
    await published.locator('details.comment-reply > summary').first().click();
    await published.getByLabel(/^Reply to/).first().fill(`A reply ${unique}`);
    await published.getByRole('button', { name: 'Post reply' }).first().click();
    await page.locator(`#comment-${id} > ol.replies > li.comment-mine`, { hasText: `A reply ${unique}` }).waitFor();
    assert.equal(await page.evaluate(() => window.__samePage), true, 'replying reloaded the page');
    assert.equal(new URL(page.url()).pathname, new URL(story).pathname);

    // Injection vectors as a comment: shown as text, nothing runs.
    await page.getByLabel(/^Comment as/).fill(XSS.join('\n\n'));
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.locator('.comment-body', { hasText: '<script>window.__xss = 1</script>' }).first().waitFor();
    for (const url of [discussion, story]) {
      await goto(page, url);
      await page.waitForSelector(url === story ? '#discussion-slot[data-loaded="reader"]' : 'section.discussion');
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

  it('works without script: read, sign in, post, reply', { timeout: 180_000 }, async () => {
    const context = await newContext(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    const dialogs = watchDialogs(page);
    const unique = Date.now().toString(36);
    // The story of the test above, whose discussion has other readers' published comments.
    const [story] = await frontPageStoryLinks(page);
    await goto(page, story);
    // The server's HTML carries the discussion's first page and the ways in.
    const slot = page.locator('#discussion-slot section.discussion');
    assert.equal(await slot.count(), 1, 'no discussion in the story page without script');
    assert.match(await textOf(page, '#discussion-slot .discussion-count'), /^\(\d+ comments?\)$/);
    assert.match(await textOf(page, 'a.comment-count'), /^\d+ comments?$/);
    const countOf = async () => Number((await textOf(page, 'a.comment-count')).split(' ')[0]);
    const discussion = new URL(await page.locator('a.discussion-link').getAttribute('href'), BASE_URL).href;

    await submit(page, slot.locator('a.comment-via').first());
    await submit(page, page.getByRole('link', { name: 'Create a reader account' }));
    await page.getByLabel('Display name').fill(`Plain Reader ${unique}`);
    await page.getByLabel('Email').fill(`plain-${unique}@example.com`);
    await page.getByLabel(/^Password/).fill('a long reader password');
    await submit(page, page.getByRole('button', { name: 'Create account' }));
    assert.equal(page.url(), discussion);
    // The count before posting, from the discussion page, which is never late: the story
    // page's kept copy may be up to DISCUSSION_LAG behind the test above's comments.
    const before = Number((await textOf(page, 'section.discussion .discussion-count')).replace(/\D/g, ''));

    const text = `Without script ${unique}`;
    await page.getByLabel(/^Comment as/).fill(text);
    await submit(page, page.getByRole('button', { name: 'Post comment' }));
    assert.match(await textOf(page, '.discussion-notice'), /published|waiting for a moderator/);
    const mine = page.locator('li.comment.comment-mine', { hasText: text });
    assert.equal(await mine.count(), 1);
    // Without script the time is the exact one.
    assert.doesNotMatch(await mine.locator('time.comment-time').innerText(), /ago/);

    let published = (await mine.evaluate((e) => e.classList.contains('comment-held'))) ? 0 : 1;

    // Reply to someone else's published comment, through the <details> form.
    const other = page.locator('ol.comments > li.comment:not(.comment-mine):not(.comment-held)').first();
    assert.equal(await other.count(), 1, 'no published comment to reply to');
    const otherId = await other.getAttribute('id');
    await other.locator('details.comment-reply > summary').first().click();
    await other.getByLabel(/^Reply to/).first().fill(`Plain reply ${unique}`);
    await submit(page, other.getByRole('button', { name: 'Post reply' }).first());
    const reply = page.locator(`#${otherId} > ol.replies > li.comment-mine`, { hasText: `Plain reply ${unique}` });
    assert.equal(await reply.count(), 1);
    if (await reply.evaluate((e) => !e.classList.contains('comment-held'))) published += 1;
    assert.ok(published > 0, 'neither the comment nor the reply was published');

    // The story page counts them too, once the server's kept copy is renewed (within
    // DISCUSSION_LAG, 10 s): poll, bounded. Reloading asks past the browser's own cache, which
    // may keep the page for its max-age.
    const deadline = Date.now() + 30_000;
    let now = before;
    await goto(page, story);
    while (Date.now() < deadline) {
      await page.reload({ waitUntil: 'load' });
      now = await countOf();
      if (now === before + published) break;
      await page.waitForTimeout(1000);
    }
    assert.equal(now, before + published, 'the story page never counted the new comments');
    assert.deepEqual(dialogs, []);
    await context.close();
  });
});
