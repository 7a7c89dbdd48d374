// Benchmark (issue 17): the time from a keystroke in the story editor to a preview that shows
// it, on a given story (scripts/bench-editor opens the bench site's longest one). Not a test:
// it prints the distribution, and nothing here asserts the target (100 ms p95).
//
//   DATELINE_URL=… DATELINE_NEWSROOM_EMAIL=… DATELINE_NEWSROOM_PASSWORD=… \
//     BENCH_STORY=123 BENCH_KEYS=200 BENCH_DELAY_MS=120 node tests/browser/bench-editor.mjs
//
// Each keystroke is timed in the page, from its keydown to the first preview answer rendered
// from a text at least as long as the text that keystroke made (the preview sends one request
// at a time and the newest text next, so a keystroke typed while a render is on its way is
// shown by the render after). Keys are typed at BENCH_DELAY_MS apart, a fast typist's pace.
import { goto, launchBrowser, newContext, BASE_URL } from './lib.mjs';

const STORY = process.env.BENCH_STORY;
const KEYS = Number(process.env.BENCH_KEYS || 200);
const DELAY = Number(process.env.BENCH_DELAY_MS || 120);
if (!STORY) throw new Error('BENCH_STORY (a story id) is not set');

const browser = await launchBrowser();
try {
  const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await goto(page, `${BASE_URL}/newsroom/sign-in`);
  await page.getByLabel('Email').fill(process.env.DATELINE_NEWSROOM_EMAIL);
  await page.getByLabel('Password').fill(process.env.DATELINE_NEWSROOM_PASSWORD);
  await Promise.all([page.waitForURL(`${BASE_URL}/newsroom/`), page.getByRole('button', { name: 'Sign in' }).click()]);
  await goto(page, `${BASE_URL}/newsroom/stories/${STORY}`);
  const bytes = (await page.locator('#body').inputValue()).length;
  await page.waitForSelector('#preview p');
  await page.evaluate(() => {
    const body = document.querySelector('#body');
    const pane = document.querySelector('[data-preview]');
    const pending = [];
    window.benchLatencies = [];
    document.addEventListener(
      'keydown',
      (e) => {
        // A typed character makes the text one character longer than now.
        if (e.key.length === 1) pending.push({ at: performance.now(), len: body.value.length + 1 });
      },
      true,
    );
    pane.addEventListener('dateline:preview', () => {
      const shown = Number(pane.dataset.renderedFor || 0);
      const now = performance.now();
      while (pending.length && pending[0].len <= shown) window.benchLatencies.push(now - pending.shift().at);
    });
  });
  // Type at the end of the story's first paragraph, in the rich-text surface.
  await page.locator('.ed-content p').first().click();
  await page.keyboard.press('End');
  const words = 'the quick brown fox jumps over the lazy dog ';
  let typed = '';
  while (typed.length < KEYS) typed += words;
  await page.keyboard.type(typed.slice(0, KEYS), { delay: DELAY });
  await page.waitForFunction((n) => window.benchLatencies.length >= n, KEYS, { timeout: 60_000 });
  const ms = (await page.evaluate(() => window.benchLatencies)).sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)];
  console.log(
    `keystroke-to-preview story=${STORY} body_bytes=${bytes} keys=${ms.length} delay_ms=${DELAY} ` +
      `p50=${q(50).toFixed(1)} p95=${q(95).toFixed(1)} p99=${q(99).toFixed(1)} max=${ms[ms.length - 1].toFixed(1)}`,
  );
} finally {
  await browser.close();
}
