// Feeds as readers see them: every feed a page announces with
// <link rel="alternate"> (front page, a section, a tag, an author) is fetched;
// RSS and Atom must parse in Python's feedparser (Debian's, /usr/bin/python3)
// without `bozo`, and JSON Feed must carry the 1.1 required fields (feedparser
// 6.0 does not read JSON Feed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { BASE_URL, goto, launchBrowser, newContext } from './lib.mjs';

const PYTHON = '/usr/bin/python3';

// Let feedparser fetch each URL itself, so it sees the real Content-Type and
// encoding as a feed reader would.
const FEEDPARSER = `
import json, sys
import feedparser
out = []
for url in sys.argv[1:]:
    d = feedparser.parse(url)
    out.append({
        "url": url,
        "status": d.get("status"),
        "bozo": bool(d.bozo),
        "error": repr(d.get("bozo_exception")) if d.bozo else None,
        "version": d.version,
        "entries": len(d.entries),
        "titled": all(e.get("title") and e.get("link") for e in d.entries),
        "enclosures": sum(1 for e in d.entries if e.get("enclosures")),
    })
print(json.dumps(out))
`;

/** The `<link rel="alternate">` feeds of a page, by absolute URL → type. */
async function announcedFeeds(page, url) {
  await goto(page, url);
  return page.$$eval('link[rel="alternate"]', (links) =>
    links.map((l) => ({ href: l.href, type: l.type, title: l.title })),
  );
}

describe('feeds', () => {
  let browser;
  let context;
  const feeds = new Map(); // href → { type, title, from }

  before(async () => {
    browser = await launchBrowser();
    context = await newContext(browser);
    const page = await context.newPage();
    try {
      const pages = [`${BASE_URL}/`];
      await goto(page, `${BASE_URL}/`);
      const section = await page.$eval('nav.sections-nav a[href$="/"]:not([href="/"])', (a) => a.href);
      pages.push(section);
      const story = await page.$eval('main a.story-link', (a) => a.href);
      await goto(page, story);
      pages.push(await page.$eval('.tags a', (a) => a.href));
      pages.push(await page.$eval('.byline a[rel="author"]', (a) => a.href));
      pages.push(story);
      for (const url of pages) {
        const found = await announcedFeeds(page, url);
        assert.ok(found.length >= 3, `${url} announces ${found.length} feeds`);
        for (const f of found) {
          assert.ok(f.title, `${url}: a feed link without a title`);
          if (!feeds.has(f.href)) feeds.set(f.href, { ...f, from: url });
        }
      }
    } finally {
      await page.close();
    }
  });

  after(async () => {
    await browser?.close();
  });

  it('pages announce RSS, Atom and JSON Feed for the site and their listing', () => {
    const types = new Set([...feeds.values()].map((f) => f.type));
    assert.deepEqual(
      [...types].sort(),
      ['application/atom+xml', 'application/feed+json', 'application/rss+xml'],
    );
    // Site-wide three, plus three each for a section, a tag and an author (and the article's
    // section, which may be another one).
    const paths = [...feeds.keys()].map((u) => new URL(u).pathname);
    for (const re of [/^\/feed\.xml$/, /^\/[^/]+\/atom\.xml$/, /^\/tags\/[^/]+\/feed\.json$/, /^\/authors\/[^/]+\/feed\.xml$/]) {
      assert.ok(paths.some((p) => re.test(p)), `no feed matches ${re}:\n${paths.join('\n')}`);
    }
    assert.ok(feeds.size >= 12, paths.join('\n'));
  });

  it('every RSS and Atom feed parses in feedparser without bozo', { timeout: 120_000 }, () => {
    const urls = [...feeds.values()].filter((f) => f.type !== 'application/feed+json').map((f) => f.href);
    const run = spawnSync(PYTHON, ['-c', FEEDPARSER, ...urls], {
      encoding: 'utf8',
      timeout: 90_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    assert.equal(run.status, 0, `feedparser failed:\n${run.stderr}`);
    const results = JSON.parse(run.stdout);
    assert.equal(results.length, urls.length);
    for (const r of results) {
      const type = feeds.get(r.url).type;
      assert.equal(r.status, 200, `${r.url}: HTTP ${r.status}`);
      assert.equal(r.bozo, false, `${r.url} (linked from ${feeds.get(r.url).from}) is bozo: ${r.error}`);
      assert.equal(r.version, type === 'application/rss+xml' ? 'rss20' : 'atom10', r.url);
      assert.ok(r.entries > 0, `${r.url} has no entries`);
      assert.ok(r.titled, `${r.url}: an entry without title or link`);
      assert.ok(r.enclosures > 0, `${r.url}: no lead photo enclosure`);
    }
  });

  it('every JSON Feed has the JSON Feed 1.1 required fields', async () => {
    const urls = [...feeds.values()].filter((f) => f.type === 'application/feed+json').map((f) => f.href);
    assert.ok(urls.length >= 4, urls.join('\n'));
    for (const url of urls) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get('content-type') ?? '', /^application\/feed\+json/, url);
      const feed = await res.json();
      assert.equal(feed.version, 'https://jsonfeed.org/version/1.1', url);
      assert.equal(typeof feed.title, 'string', `${url}: title`);
      assert.ok(feed.title.length > 0, `${url}: empty title`);
      assert.ok(Array.isArray(feed.items) && feed.items.length > 0, `${url}: items`);
      assert.equal(feed.feed_url, url, `${url}: feed_url names the feed itself`);
      const ids = new Set();
      for (const item of feed.items) {
        assert.equal(typeof item.id, 'string', `${url}: an item without id`);
        assert.ok(item.id.length > 0 && !ids.has(item.id), `${url}: empty or repeated id ${item.id}`);
        ids.add(item.id);
        assert.ok(
          typeof item.content_html === 'string' || typeof item.content_text === 'string',
          `${url}: item ${item.id} has neither content_html nor content_text`,
        );
        for (const date of [item.date_published, item.date_modified].filter(Boolean)) {
          assert.ok(!Number.isNaN(Date.parse(date)), `${url}: bad date ${date}`);
        }
      }
    }
  });
});
