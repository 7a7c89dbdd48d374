// "Comment via <provider>" against a real OpenID Connect provider on 127.0.0.1
// (tests/browser/oidc-provider.mjs, started and registered by tests/browser/run): a full
// sign-in through discovery, the authorization code flow with PKCE, state and nonce; then a
// forged state, a wrong nonce, an expired ID token and one signed by another key, each refused
// with a sentence and no session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, loadsNewPage, newContext, textOf } from './lib.mjs';

const ISSUER = process.env.DATELINE_OIDC_ISSUER;
const LABEL = process.env.DATELINE_OIDC_LABEL;

async function setMode(m) {
  const res = await fetch(`${ISSUER}/__test/mode?m=${m}`);
  assert.equal(res.status, 200);
}

describe('comment via an OpenID Connect provider', () => {
  let browser;
  let discussion;

  before(async () => {
    assert.ok(ISSUER && LABEL, 'DATELINE_OIDC_ISSUER/_LABEL are not set (tests/browser/run sets them)');
    browser = await launchBrowser();
    const context = await newContext(browser);
    const page = await context.newPage();
    await goto(page, `${BASE_URL}/`);
    const [story] = await frontPageStoryLinks(page);
    await goto(page, story);
    discussion = new URL(await page.locator('a.discussion-link').getAttribute('href'), BASE_URL).href;
    await context.close();
  });

  after(async () => {
    await setMode('ok').catch(() => {});
    await browser?.close();
  });

  /**
   * Click "Comment via LABEL" on the discussion, sign in at the provider as `login`, consent,
   * and return the page where the site left us.
   */
  async function signIn(login) {
    const context = await newContext(browser);
    const page = await context.newPage();
    const dialogs = [];
    page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
    await goto(page, discussion);
    await Promise.all([
      page.waitForURL(`${ISSUER}/**`),
      page.getByRole('link', { name: `Comment via ${LABEL}` }).click(),
    ]);
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any password');
    await loadsNewPage(page, () => page.locator('button[type=submit]').click());
    // Consent, when the provider asks.
    if (page.url().startsWith(ISSUER) && (await page.locator('button[type=submit]').count()) > 0) {
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(BASE_URL)),
        page.locator('button[type=submit]').click(),
      ]);
    }
    await page.waitForLoadState('load');
    assert.deepEqual(dialogs, []);
    return { context, page };
  }

  /** Refused for `why` (the sentence's reason), and no session made. */
  async function refused(page, context, why) {
    const text = await textOf(page, 'main');
    assert.ok(text.includes(`Signing in through ${LABEL} did not work: ${why}`), text);
    const cookies = await context.cookies(BASE_URL);
    assert.equal(cookies.filter((c) => c.name === 'dateline_reader').length, 0, 'refused, yet signed in');
    await context.close();
  }

  it('signs a reader in, who can then comment', { timeout: 120_000 }, async () => {
    await setMode('ok');
    const { context, page } = await signIn('alice');
    assert.equal(page.url(), discussion);
    assert.match(await textOf(page, '.reader-sign-out'), /Signed in as Visitor alice/);
    await page.getByLabel(/^Comment as/).fill('Signed in through a provider.');
    // Posted in place (site.js): the comment appears without a new page.
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.locator('li.comment-mine .comment-author', { hasText: 'Visitor alice' }).first().waitFor();
    await context.close();
  });

  it('refuses a forged state', { timeout: 120_000 }, async () => {
    await setMode('ok');
    // The reader starts a sign-in (the flow's cookie is set), then a callback arrives that this
    // flow did not ask for: a code with someone else's state.
    const context = await newContext(browser);
    const page = await context.newPage();
    await goto(page, discussion);
    await Promise.all([
      page.waitForURL(`${ISSUER}/**`),
      page.getByRole('link', { name: `Comment via ${LABEL}` }).click(),
    ]);
    const res = await page.goto(`${BASE_URL}/readers/oidc/${LABEL}/callback?code=stolen-code&state=forged-state`);
    assert.equal(res.status(), 400);
    await refused(page, context, 'the answer did not match this sign-in');
  });

  for (const [mode, what] of [
    ['nonce', 'a wrong nonce'],
    ['expired', 'an expired ID token'],
    ['otherkey', 'an ID token signed by another key'],
  ]) {
    it(`refuses ${what}`, { timeout: 120_000 }, async () => {
      await setMode(mode);
      try {
        // The ID token's signature or claims: the token exchange itself went through.
        const { context, page } = await signIn(`eve-${mode}`);
        await refused(page, context, 'its answer could not be verified');
      } finally {
        await setMode('ok');
      }
    });
  }
});
