// Screenshots of the demo's lead article for the README, written to
// docs/screenshots/{desktop,phone}.png, of its discussion (as the suite left it, seen by a
// reader who is not signed in) to docs/screenshots/discussion-{desktop,phone}.png, and of the
// story editor on a demo story (signed in; 1280 and 320 px wide) to
// docs/screenshots/editor-{desktop,phone}.png, and of the moderation desk to
// docs/screenshots/moderation-{desktop,phone}.png. Run by tests/browser/run when
// DATELINE_SCREENSHOTS=1 (not a test: nothing here asserts the design).
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, newContext } from './lib.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = process.env.DATELINE_SCREENSHOT_DIR || join(repoRoot, 'docs/screenshots');

const VIEWPORTS = [
  { name: 'desktop', options: { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 } },
  {
    name: 'phone',
    options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  },
];

const browser = await launchBrowser();
try {
  await mkdir(outDir, { recursive: true });
  const probe = await (await newContext(browser)).newPage();
  const [lead] = await frontPageStoryLinks(probe);
  await probe.context().close();

  for (const { name, options } of VIEWPORTS) {
    const context = await newContext(browser, { ...options, colorScheme: 'light' });
    const page = await context.newPage();
    await goto(page, lead);
    // Same pixels every run: wait for images and web fonts, no animations.
    await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
    await page.evaluate(() => document.fonts.ready);
    const path = join(outDir, `${name}.png`);
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
    console.log(`screenshot: ${path}`);
    // The discussion's own page, from its heading to the first threads.
    await goto(page, new URL(await page.locator('a.discussion-link').getAttribute('href'), lead).href);
    await page.evaluate(() => document.fonts.ready);
    const discussion = join(outDir, `discussion-${name}.png`);
    await page.screenshot({ path: discussion, animations: 'disabled', caret: 'hide' });
    console.log(`screenshot: ${discussion}`);
    await context.close();
  }

  // The story editor on the lead story, as its editor sees it.
  const signedIn = await newContext(browser, { viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const nr = await signedIn.newPage();
  await goto(nr, `${BASE_URL}/newsroom/sign-in`);
  await nr.getByLabel('Email').fill(process.env.DATELINE_NEWSROOM_EMAIL);
  await nr.getByLabel('Password').fill(process.env.DATELINE_NEWSROOM_PASSWORD);
  await Promise.all([nr.waitForURL(`${BASE_URL}/newsroom/`), nr.getByRole('button', { name: 'Sign in' }).click()]);
  const dash = await (await signedIn.request.get(`${BASE_URL}/newsroom/`)).text();
  const storyId = dash.match(/href="\/newsroom\/stories\/(\d+)"/)?.[1];
  for (const [name, width, height] of [
    ['desktop', 1280, 900],
    ['phone', 320, 720],
  ]) {
    await nr.setViewportSize({ width, height });
    await goto(nr, `${BASE_URL}/newsroom/stories/${storyId}`);
    await nr.waitForSelector('#preview p', { timeout: 15_000 });
    await nr.evaluate(() => document.fonts.ready);
    await nr.locator('.ed-content').click();
    const path = join(outDir, `editor-${name}.png`);
    await nr.screenshot({ path, animations: 'disabled', caret: 'hide' });
    console.log(`screenshot: ${path}`);
  }
  // The moderation desk (its Approved tab, which the suite leaves with comments in it).
  for (const [name, width, height] of [
    ['desktop', 1280, 900],
    ['phone', 320, 720],
  ]) {
    await nr.setViewportSize({ width, height });
    await goto(nr, `${BASE_URL}/newsroom/comments?tab=approved`);
    await nr.evaluate(() => document.fonts.ready);
    const path = join(outDir, `moderation-${name}.png`);
    await nr.screenshot({ path, animations: 'disabled', caret: 'hide' });
    console.log(`screenshot: ${path}`);
  }
  await signedIn.close();
} finally {
  await browser.close();
}
