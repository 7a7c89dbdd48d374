// The anatomy of an article page, checked in a real browser against
// `dateline serve --demo`. The selectors are the contract between the
// templates and this suite; change them together.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  ACTION_TIMEOUT,
  BASE_URL,
  absolute,
  attrOf,
  frontPageStoryLinks,
  goto,
  launchBrowser,
  newContext,
  textOf,
  watchForProblems,
  withoutHash,
} from './lib.mjs';

// "14:05 BST 3 March 2025"
const DATELINE_TEXT = /^\d{2}:\d{2} [A-Z]{2,5} \d{1,2} [A-Z][a-z]+ \d{4}$/;
// Short codes use an alphabet without look-alikes (no 0/1/i/l/o).
const SHORT_URL = /\/s\/[2-9a-hj-km-np-z]{1,7}$/;
// How many front-page stories we are willing to open looking for the
// optional features (photo, READ MORE, footnotes) before giving up.
const MAX_STORIES_TO_SCAN = 40;

describe('article page', () => {
  let browser;
  let context;
  let page; // the lead story, loaded once and only read by most tests
  let problems; // everything that went wrong on `page`
  let storyUrls; // front-page story links, lead first
  let leadUrl;

  before(async () => {
    browser = await launchBrowser();
    // 127.0.0.1 is a secure context, so the async clipboard API is available
    // once these permissions are granted.
    context = await newContext(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
    const front = await context.newPage();
    storyUrls = await frontPageStoryLinks(front);
    await front.close();
    leadUrl = storyUrls[0];
    page = await context.newPage();
    problems = watchForProblems(page);
    await goto(page, leadUrl);
  });

  after(async () => {
    await browser?.close();
  });

  it('has a headline and a standfirst', async () => {
    const headline = await textOf(page, 'article.story h1.story-headline');
    assert.ok(headline, `no non-empty \`article.story h1.story-headline\` on ${leadUrl}`);
    const standfirst = await textOf(page, 'article.story p.story-standfirst');
    assert.ok(standfirst, `no non-empty \`article.story p.story-standfirst\` on ${leadUrl}`);
  });

  it('has a byline linking to author pages', async () => {
    const hrefs = await page.$$eval('.byline a[rel="author"]', (as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.length >= 1, 'no `.byline a[rel="author"]`');
    for (const href of hrefs) {
      assert.ok(href?.startsWith('/authors/'), `author link ${JSON.stringify(href)} does not start with /authors/`);
    }
  });

  it('has a dateline with a machine-readable time', async () => {
    const time = page.locator('time.dateline[datetime]').first();
    assert.equal(await time.count(), 1, 'no `time.dateline[datetime]`');
    const text = (await time.innerText()).replace(/\s+/g, ' ').trim();
    assert.match(text, DATELINE_TEXT, `dateline text ${JSON.stringify(text)} is not like "14:05 BST 3 March 2025"`);
    const datetime = await time.getAttribute('datetime');
    assert.ok(!Number.isNaN(Date.parse(datetime)), `datetime=${JSON.stringify(datetime)} does not parse as a date`);
  });

  it('links to its section front', async () => {
    const href = await attrOf(page, 'a.story-section', 'href');
    assert.ok(href, 'no `a.story-section` with an href');
    const url = new URL(href, page.url());
    assert.equal(url.origin, new URL(BASE_URL).origin, `section link ${href} leaves the site`);
    assert.match(url.pathname, /^\/[a-z0-9-]+\/$/, `section link ${href} is not a section front like /slug/`);
  });

  it('offers a short URL that can be copied and redirects to the canonical URL', async () => {
    // A page of its own: this test clicks and navigates away.
    const p = await context.newPage();
    const pageProblems = watchForProblems(p);
    try {
      await goto(p, leadUrl);
      const canonical = await attrOf(p, 'link[rel="canonical"]', 'href');
      assert.ok(canonical, 'no `link[rel=canonical]` href');

      const summary = p.locator('details.short-url > summary');
      assert.equal(await summary.count(), 1, 'no `details.short-url > summary`');
      assert.equal((await summary.innerText()).trim(), 'Get short URL');
      await summary.click();

      const link = p.locator('a.short-url-link').first();
      await link.waitFor({ state: 'visible' });
      const shortHref = await link.getAttribute('href');
      assert.match(shortHref ?? '', SHORT_URL, `short URL href ${JSON.stringify(shortHref)}`);
      const shortUrl = absolute(shortHref, p.url());

      const copy = p.locator('button.copy-short-url');
      assert.equal(await copy.count(), 1, 'no `button.copy-short-url`');
      await copy.click();
      // The button flips to "Copied" once the clipboard write resolved.
      await p.waitForFunction(
        () => /^Copied\b/.test(document.querySelector('button.copy-short-url')?.textContent.trim() ?? ''),
        null,
        { timeout: ACTION_TIMEOUT },
      ).catch(async () => {
        const now = (await copy.innerText()).trim();
        assert.fail(`copy button text is ${JSON.stringify(now)}, expected "Copied" after clicking`);
      });
      const clip = await p.evaluate(() => navigator.clipboard.readText());
      assert.equal(clip, shortUrl, 'clipboard does not hold the (absolute) short URL');

      await goto(p, shortUrl);
      assert.equal(p.url(), absolute(canonical, leadUrl), `short URL ${shortUrl} did not end at the canonical URL`);
      assert.deepEqual(pageProblems, [], 'errors while using the short URL');
    } finally {
      await p.close();
    }
  });

  it('has a body of several paragraphs', async () => {
    const n = await page.locator('.story-body p').count();
    assert.ok(n >= 3, `expected >= 3 \`.story-body p\`, found ${n}`);
  });

  it('has 1-4 related stories, none linking to itself', async () => {
    // Each related story is a card: its headline link is `a.story-link`; the card also links
    // its photo and section, and none of those links may point to the page itself.
    const stories = await page.locator('.related a.story-link').count();
    assert.ok(stories >= 1 && stories <= 4, `expected 1-4 related stories, found ${stories}`);
    const hrefs = await page.$$eval('.related a', (as) => as.map((a) => a.href));
    const canonical = await attrOf(page, 'link[rel="canonical"]', 'href');
    const self = new Set([withoutHash(page.url()), canonical && withoutHash(absolute(canonical, page.url()))]);
    for (const href of hrefs) {
      assert.ok(!self.has(withoutHash(href)), `related link ${href} points to the page itself`);
    }
  });

  it('has tag links', async () => {
    const n = await page.locator('.tags a[href^="/tags/"]').count();
    assert.ok(n >= 1, 'no `.tags a[href^="/tags/"]`');
  });

  it('links to the community standards', async () => {
    const found = await page.$$eval('a[href]', (as) =>
      as.some((a) => a.origin === location.origin && a.pathname === '/community-standards/'),
    );
    assert.ok(found, 'no link to /community-standards/');
  });

  it('loads its discussion under the story, from a resource of its own', async () => {
    // The story page (cached) only links to the discussion; the script puts it in place.
    const href = await attrOf(page, 'a.discussion-link', 'href');
    assert.match(href ?? '', /^\/discussion\/\d+\/$/);
    await page.waitForSelector('#discussion-slot section.discussion');
    assert.equal(await page.locator('article .discussion').count(), 0, 'comments inside the cached story');
  });

  it('has complete head metadata', async () => {
    const title = await page.title();
    assert.ok(title.trim(), 'empty <title>');
    const attr = (sel, name) => attrOf(page, sel, name);
    assert.ok(await attr('meta[name="description"]', 'content'), 'no meta[name=description] content');
    const canonical = await attr('link[rel="canonical"]', 'href');
    assert.ok(canonical, 'no link[rel=canonical] href');
    assert.doesNotThrow(() => new URL(canonical), `canonical ${canonical} is not an absolute URL`);
    assert.ok(await attr('meta[property="og:title"]', 'content'), 'no meta[property="og:title"] content');
    assert.ok(await attr('meta[name="twitter:card"]', 'content'), 'no meta[name="twitter:card"] content');

    const blocks = await page.$$eval('script[type="application/ld+json"]', (ss) => ss.map((s) => s.textContent));
    assert.ok(blocks.length >= 1, 'no script[type="application/ld+json"]');
    const nodes = [];
    for (const [i, text] of blocks.entries()) {
      let data;
      try {
        data = JSON.parse(text);
      } catch (err) {
        assert.fail(`ld+json block ${i} is not valid JSON: ${err.message}`);
      }
      // Accept a bare object, an array of them, or an @graph.
      for (const item of [data].flat()) nodes.push(item, ...(item?.['@graph'] ?? []));
    }
    const isNewsArticle = (n) => [n?.['@type']].flat().includes('NewsArticle');
    assert.ok(nodes.some(isNewsArticle), 'no ld+json object with @type NewsArticle');
  });

  it('shows photos, READ MORE links and footnotes somewhere in the demo', { timeout: 300_000 }, async () => {
    // Not every story has every feature, so scan front-page stories (lead
    // first) until each has been seen once, and validate it where found.
    const found = { photo: null, readMore: null, footnotes: null };
    const notes = []; // near misses, to make a failure explainable
    const p = await context.newPage();
    try {
      for (const url of storyUrls.slice(0, MAX_STORIES_TO_SCAN)) {
        if (found.photo && found.readMore && found.footnotes) break;
        await goto(p, url);
        if (!found.photo && (await checkPhoto(p, notes))) found.photo = url;
        if (!found.readMore && (await checkReadMore(p, notes))) found.readMore = url;
        if (!found.footnotes && (await checkFootnotes(p, notes))) found.footnotes = url;
      }
    } finally {
      await p.close();
    }
    const scanned = Math.min(storyUrls.length, MAX_STORIES_TO_SCAN);
    const why = notes.length ? `\nNear misses:\n  ${notes.join('\n  ')}` : '';
    assert.ok(found.photo, `no \`figure.photo\` with img[srcset][width][height][alt] and a © credit in ${scanned} stories${why}`);
    assert.ok(found.readMore, `no \`aside.read-more a\` starting "READ MORE:" in ${scanned} stories${why}`);
    assert.ok(found.footnotes, `no footnotes (\`.footnotes p.footnote\` + \`sup.fn-ref a\`) in ${scanned} stories${why}`);
  });

  // Last, so that it also covers anything the tests above triggered.
  it('loads without console errors or failed requests', async () => {
    // Let late requests (images, scripts) finish; a page that polls forever
    // never goes idle, which is fine: we just stop waiting.
    await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
    assert.deepEqual(problems, [], `problems on ${leadUrl}`);
  });
});

/** A photo with responsive sources, dimensions, alt text and a © credit that actually loads. */
async function checkPhoto(p, notes) {
  const figures = p.locator('article.story figure.photo');
  const n = await figures.count();
  for (let i = 0; i < n; i++) {
    const fig = figures.nth(i);
    const img = fig.locator('img[srcset][width][height][alt]').first();
    if ((await img.count()) === 0) {
      notes.push(`${p.url()}: figure.photo #${i + 1} lacks an img with srcset, width, height and alt`);
      continue;
    }
    const credit = await textOf(fig, 'figcaption .credit');
    if (!credit?.startsWith('©')) {
      notes.push(`${p.url()}: figure.photo #${i + 1} credit is ${JSON.stringify(credit)}, expected "© …"`);
      continue;
    }
    // Lazy images only load near the viewport.
    await img.scrollIntoViewIfNeeded();
    const handle = await img.elementHandle();
    await p.waitForFunction((el) => el.complete, handle, { timeout: ACTION_TIMEOUT });
    const width = await img.evaluate((el) => el.naturalWidth);
    assert.ok(width > 0, `photo ${await img.getAttribute('src')} on ${p.url()} failed to load`);
    return true;
  }
  return false;
}

/** An inline "READ MORE: <headline>" link to another page that exists. */
async function checkReadMore(p, notes) {
  const links = await p.$$eval('aside.read-more a', (as) =>
    as.map((a) => ({ href: a.href, text: a.innerText.replace(/\s+/g, ' ').trim() })),
  );
  const good = links.find((l) => l.text.startsWith('READ MORE:'));
  if (!good) {
    if (links.length) notes.push(`${p.url()}: aside.read-more link text ${JSON.stringify(links[0].text)}`);
    return false;
  }
  assert.notEqual(withoutHash(good.href), withoutHash(p.url()), `READ MORE on ${p.url()} points to itself`);
  const res = await p.request.get(good.href, { timeout: ACTION_TIMEOUT });
  assert.ok(res.ok(), `READ MORE target ${good.href} answered HTTP ${res.status()}`);
  return true;
}

/** Footnotes, and every footnote reference jumps to an element on the page. */
async function checkFootnotes(p, notes) {
  const footnotes = await p.locator('.footnotes p.footnote').count();
  const refs = await p.$$eval('sup.fn-ref a', (as) =>
    as.map((a) => {
      const url = new URL(a.href);
      const samePage = url.origin + url.pathname + url.search === location.origin + location.pathname + location.search;
      const id = url.hash ? decodeURIComponent(url.hash.slice(1)) : '';
      return { href: a.getAttribute('href'), ok: samePage && id !== '' && document.getElementById(id) !== null };
    }),
  );
  if (footnotes === 0 || refs.length === 0) {
    if (footnotes || refs.length) {
      notes.push(`${p.url()}: ${footnotes} \`.footnotes p.footnote\` but ${refs.length} \`sup.fn-ref a\``);
    }
    return false;
  }
  const broken = refs.filter((r) => !r.ok).map((r) => r.href);
  assert.deepEqual(broken, [], `footnote references on ${p.url()} with no target on the page`);
  return true;
}
