// The reader pages' weight on a phone and a desktop (issue 18, "Photos"), for
// scripts/bench-photos: the demo front page scrolled to its end and its lead article page,
// on a 360×740 phone at DPR 3 and a 1280×800 desktop, through the Chromium DevTools
// protocol (Network.loadingFinished's encodedDataLength: bytes on the wire, headers
// included), each in a fresh context (cold cache); then LCP and CLS with 4× CPU throttling.
// Not a test file (node --test picks only *.test.mjs). Prints `key=value` lines.
import { BASE_URL, frontPageStoryLinks, launchBrowser, newContext } from './lib.mjs';

const DEVICES = {
  phone: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
};

/** Scroll to the end in viewport steps (bounded), so lazy photos load, then settle. */
async function scrollToEnd(page) {
  for (let i = 0; i < 60; i++) {
    const done = await page.evaluate(() => {
      window.scrollBy(0, window.innerHeight);
      return window.scrollY + window.innerHeight >= document.body.scrollHeight - 2;
    });
    await page.waitForTimeout(150);
    if (done) break;
  }
  await page.waitForLoadState('networkidle');
}

async function measure(browser, device, url, { throttle = false } = {}) {
  const context = await newContext(browser, DEVICES[device]);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (throttle) await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const types = new Map();
  let bytes = 0;
  let requests = 0;
  let photoBytes = 0;
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.response.mimeType));
  cdp.on('Network.loadingFinished', (e) => {
    requests += 1;
    bytes += e.encodedDataLength;
    if ((types.get(e.requestId) || '').startsWith('image/')) photoBytes += e.encodedDataLength;
  });
  await page.addInitScript(() => {
    window.__lcp = 0;
    window.__cls = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__lcp = e.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle');
  const lcp = await page.evaluate(() => window.__lcp);
  if (!throttle) await scrollToEnd(page);
  const cls = await page.evaluate(() => window.__cls);
  await context.close();
  return { bytes, requests, photoBytes, lcp, cls };
}

const browser = await launchBrowser();
try {
  const ctx = await newContext(browser);
  const front = await ctx.newPage();
  const article = (await frontPageStoryLinks(front))[0];
  await ctx.close();
  for (const [name, url] of [['front', `${BASE_URL}/`], ['article', article]]) {
    for (const device of Object.keys(DEVICES)) {
      const m = await measure(browser, device, url);
      const t = await measure(browser, device, url, { throttle: true });
      console.log(
        `page=${name} device=${device} transfer_kb=${(m.bytes / 1024).toFixed(1)} ` +
          `photos_kb=${(m.photoBytes / 1024).toFixed(1)} requests=${m.requests} ` +
          `lcp_ms_cpu4x=${t.lcp.toFixed(0)} cls=${Math.max(m.cls, t.cls).toFixed(3)}`,
      );
    }
  }
} finally {
  await browser.close();
}
