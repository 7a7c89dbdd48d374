// Photos in AVIF and WebP (issue 18, "Photos"), checked in a real browser against
// `dateline serve --demo`: the demo's photos get their AVIF and WebP variants from the
// background worker after start, then Chromium on a phone takes the AVIF files of the article
// page; every <picture> offers AVIF, then WebP, then the JPEG <img> a browser without either
// takes (Chromium cannot be made to refuse AVIF, so that side is checked in the markup).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, newContext } from './lib.mjs';

// The worker makes the demo's ~100 photos in the background; a debug build on a busy 2-core
// machine needs a few minutes. Bounded: the test fails rather than waiting for ever.
const BACKFILL_TIMEOUT_MS = 170_000;

describe('photo formats', () => {
  let browser;
  let leadUrl;

  before(async () => {
    browser = await launchBrowser();
    const context = await newContext(browser);
    const front = await context.newPage();
    // A demo story whose lead is a JPEG with a 1024 px variant: the suites run side by side,
    // so the front page's first story may be another test's, with a small PNG lead.
    for (const url of await frontPageStoryLinks(front)) {
      const html = await (await fetch(url)).text();
      const lead = html.match(/<figure class="photo story-lead">[\s\S]*?<\/figure>/)?.[0] ?? '';
      if (/-1024\.jpg 1024w/.test(lead)) {
        leadUrl = url;
        break;
      }
    }
    assert.ok(leadUrl, 'a story on the front page has a 1024 px JPEG lead photo');
    await front.close();
    await context.close();
  });

  after(async () => {
    await browser?.close();
  });

  it('a phone fetches the AVIF variants of the article page', { timeout: 240_000 }, async () => {
    // Wait until the worker has made every photo on the page in AVIF.
    const deadline = Date.now() + BACKFILL_TIMEOUT_MS;
    for (;;) {
      const html = await (await fetch(leadUrl)).text();
      const figures = (html.match(/<figure class="photo[^"]*">/g) || []).length;
      const pictures = (html.match(/<picture><source type="image\/avif"/g) || []).length;
      if (figures > 0 && pictures >= figures) break;
      assert.ok(Date.now() < deadline, `only ${pictures} of ${figures} photos had AVIF in time`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const context = await newContext(browser, {
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    const photos = [];
    page.on('response', (res) => {
      if (new URL(res.url()).pathname.startsWith('/media/')) {
        photos.push({ url: res.url(), type: res.headers()['content-type'], status: res.status() });
      }
    });
    await goto(page, leadUrl);
    // The lead photo: the AVIF file at the width a 3× phone needs, decoded.
    const lead = page.locator('figure.story-lead picture > img');
    await lead.waitFor();
    await page.waitForFunction(
      () => document.querySelector('figure.story-lead picture > img')?.complete,
    );
    const shown = await lead.evaluate((img) => ({
      src: img.currentSrc,
      natural: img.naturalWidth,
      loading: img.getAttribute('loading'),
    }));
    assert.match(shown.src, /-1024\.avif$/, `the lead is ${shown.src}`);
    // naturalWidth is in CSS pixels (the 1024 w candidate's density applied): non-zero once
    // the file decoded; an undecodable one leaves it 0.
    assert.ok(shown.natural > 0, 'Chromium decoded the AVIF file');
    assert.equal(shown.loading, null, 'the lead photo is not lazy');
    // Scroll to the end so lazy photos load, then: every photo file fetched is AVIF.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForLoadState('networkidle');
    const pictures = await page.locator('picture > img').evaluateAll((imgs) =>
      imgs.map((img) => img.currentSrc),
    );
    for (const src of pictures.filter(Boolean)) {
      assert.match(src, /\.avif$/, `${src} is AVIF`);
    }
    // No JPEG or WebP of a <picture> was fetched beside its AVIF (a portrait or logo outside
    // a <picture> may be).
    const offered = await page.locator('picture > img').evaluateAll((imgs) =>
      imgs.flatMap((img) => img.srcset.split(',').map((c) => c.trim().split(' ')[0])),
    );
    const avifs = photos.filter((p) => p.url.endsWith('.avif'));
    assert.ok(avifs.length >= pictures.filter(Boolean).length, 'an AVIF file per photo shown');
    for (const p of avifs) {
      assert.equal(p.status, 200, p.url);
      assert.equal(p.type, 'image/avif', `${p.url} is ${p.type}`);
    }
    for (const p of photos.filter((p) => !p.url.endsWith('.avif'))) {
      const path = new URL(p.url).pathname;
      assert.ok(!offered.includes(path) && !offered.includes(path.replace('.webp', '.jpg')), `${path} fetched beside its AVIF`);
    }
    await context.close();
  });

  it('photos in the first screen load at once, the rest lazily', { timeout: 180_000 }, async () => {
    // Every listing page type, and a story page: its own links give a section, a tag and an
    // author (the demo has no section's later page; the HTTP test covers that one).
    const context = await newContext(browser);
    const page = await context.newPage();
    await goto(page, leadUrl);
    const href = async (sel) =>
      new URL(await page.locator(sel).first().getAttribute('href'), BASE_URL).href;
    const section = await href('.story-section');
    const pages = [
      ['front', `${BASE_URL}/`],
      ['section', section],
      ['tag', await href('.tags a')],
      ['author', await href('a[rel=author]')],
      ['article', leadUrl],
    ];
    await context.close();
    const devices = {
      phone: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
      desktop: { viewport: { width: 1280, height: 800 } },
    };
    // Where each photo of `url` sits on each device, before any scrolling: [top, lazy] in
    // document order (the same markup on both).
    const seen = {};
    for (const [device, options] of Object.entries(devices)) {
      const ctx = await newContext(browser, options);
      const p = await ctx.newPage();
      for (const [name, url] of pages) {
        await goto(p, url);
        seen[name] ??= {};
        seen[name][device] = await p.locator('main img').evaluateAll((imgs) =>
          imgs.map((img) => ({
            top: img.getBoundingClientRect().top,
            bottom: img.getBoundingClientRect().bottom,
            height: window.innerHeight,
            lazy: img.getAttribute('loading') === 'lazy',
            src: img.getAttribute('src'),
          })),
        );
      }
      await ctx.close();
    }
    for (const [name] of pages) {
      const { phone, desktop } = seen[name];
      assert.equal(phone.length, desktop.length, `${name}: the same photos on both`);
      let eager = 0;
      for (let i = 0; i < phone.length; i++) {
        const on = [phone[i], desktop[i]];
        const first = on.some((s) => s.bottom > 0 && s.top < s.height);
        // Near: within a quarter screen of the fold, where headline lengths move a photo.
        const near = on.some((s) => s.top < s.height * 1.25);
        if (first) {
          assert.ok(!phone[i].lazy, `${name}: photo ${i + 1} (${phone[i].src}) is in the first screen but lazy`);
        }
        if (!near) {
          assert.ok(phone[i].lazy, `${name}: photo ${i + 1} (${phone[i].src}) is far below the fold but not lazy`);
        }
        if (!phone[i].lazy) eager += 1;
      }
      if (phone.length > 0) assert.ok(eager > 0, `${name}: some photo loads at once`);
    }
  });

  it('every picture falls back to WebP, then to a sized JPEG image', async () => {
    const html = await (await fetch(leadUrl)).text();
    const front = await (await fetch(`${BASE_URL}/`)).text();
    for (const [name, page] of [['article', html], ['front', front]]) {
      const pictures = page.match(/<picture>[\s\S]*?<\/picture>/g) || [];
      assert.ok(pictures.length > 0, `${name} has pictures`);
      for (const p of pictures) {
        const types = [...p.matchAll(/<source type="([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(types, ['image/avif', 'image/webp'], p);
        const sizes = [...p.matchAll(/sizes="([^"]+)"/g)].map((m) => m[1]);
        assert.equal(new Set(sizes).size, 1, `one sizes for every source and the image: ${p}`);
        const img = p.match(/<img [^>]*>/)?.[0] ?? '';
        // The upload's own format: JPEG for the demo's photos, PNG for another test's upload.
        const own = img.match(/ src="\/media\/[0-9a-f]+-\d+\.(jpg|png|gif)"/)?.[1];
        assert.ok(own, img);
        assert.match(img, / width="\d+" height="\d+"/, img);
        const avif = p.match(/type="image\/avif" srcset="([^"]+)"/)[1];
        const jpeg = img.match(/srcset="([^"]+)"/)[1];
        assert.equal(avif.replaceAll('.avif', `.${own}`), jpeg, 'the same widths in every format');
      }
    }
  });
});
