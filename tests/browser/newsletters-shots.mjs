// Screenshots (320 and 1280 px) and axe (WCAG 2.2 AA tags) of the newsletter pages, for a
// person to look at: not a *.test.mjs, so the suite does not run it. Run by hand against a
// server whose SMTP settings are set and which has at least one newsletter:
//   DATELINE_URL=http://127.0.0.1:PORT NEWSLETTER_PREFS=/newsletters/preferences?token=… \
//   DATELINE_NEWSROOM_EMAIL=… DATELINE_NEWSROOM_PASSWORD=… SHOTS=/tmp/shots \
//   SUPPRESSED_EMAIL=… (a suppressed address, for the release page) \
//   node tests/browser/newsletters-shots.mjs
import AxeBuilder from '@axe-core/playwright';
import { BASE_URL, launchBrowser, newContext, goto, frontPageStoryLinks } from './lib.mjs';

const OUT = process.env.SHOTS || '/tmp/newsletter-shots';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let failed = 0;

async function check(page, name) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  for (const v of results.violations) {
    failed += 1;
    console.error(`${name}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target).join(', ')}`);
  }
  console.error(`${name}: ${results.violations.length} axe violations`);
}

async function shoot(browser, name, visit) {
  for (const width of [320, 1280]) {
    const context = await newContext(browser, { viewport: { width, height: 900 } });
    const page = await context.newPage();
    await visit(page);
    await page.screenshot({ path: `${OUT}/${name}-${width}.png`, fullPage: true });
    if (width === 1280) await check(page, name);
    await context.close();
  }
}

const browser = await launchBrowser();
try {
  await shoot(browser, 'list', (p) => goto(p, `${BASE_URL}/newsletters/`));
  await shoot(browser, 'error', async (p) => {
    await goto(p, `${BASE_URL}/newsletters/`);
    await p.getByLabel('Email address').fill('not an address');
    await p.locator('#newsletter-email').evaluate((e) => { e.type = 'text'; });
    await Promise.all([p.waitForLoadState('load'), p.getByRole('button', { name: 'Subscribe' }).click()]);
    await p.waitForSelector('#newsletter-error');
  });
  await shoot(browser, 'sent', async (p) => {
    await goto(p, `${BASE_URL}/newsletters/`);
    await p.getByLabel('Email address').fill('reader@example.org');
    await Promise.all([p.waitForURL(`${BASE_URL}/newsletters/subscribe`), p.getByRole('button', { name: 'Subscribe' }).click()]);
  });
  await shoot(browser, 'article', async (p) => {
    await goto(p, `${BASE_URL}/`);
    const links = await frontPageStoryLinks(p);
    await goto(p, links[0]);
    await p.locator('.newsletter-signup').scrollIntoViewIfNeeded();
  });
  if (process.env.NEWSLETTER_PREFS) {
    await shoot(browser, 'preferences', (p) => goto(p, `${BASE_URL}${process.env.NEWSLETTER_PREFS}`));
  }
  if (process.env.DATELINE_NEWSROOM_EMAIL) {
    const signIn = async (p) => {
      await goto(p, `${BASE_URL}/newsroom/sign-in`);
      await p.getByLabel('Email').fill(process.env.DATELINE_NEWSROOM_EMAIL);
      await p.getByLabel('Password').fill(process.env.DATELINE_NEWSROOM_PASSWORD);
      await Promise.all([p.waitForURL(`${BASE_URL}/newsroom/`), p.getByRole('button', { name: 'Sign in' }).click()]);
    };
    await shoot(browser, 'newsroom-list', async (p) => { await signIn(p); await goto(p, `${BASE_URL}/newsroom/newsletters`); });
    await shoot(browser, 'newsroom-letter', async (p) => {
      await signIn(p);
      await goto(p, `${BASE_URL}/newsroom/newsletters/1`);
      await p.getByLabel('Subject').fill('Good morning');
      await p.locator('#issue-markdown').fill('The **harbour** reopens today.\n\n- one\n- two');
      await Promise.all([p.waitForLoadState('load'), p.getByRole('button', { name: 'Preview' }).click()]);
      await p.waitForSelector('.nr-preview');
    });
    // Suppressed addresses (an admin's view: the release buttons show), and the release
    // confirmation of SUPPRESSED_EMAIL (one of them) with its error, as after an unticked box.
    await shoot(browser, 'newsroom-suppressions', async (p) => {
      await signIn(p);
      await goto(p, `${BASE_URL}/newsroom/newsletters/suppressions`);
    });
    if (process.env.SUPPRESSED_EMAIL) {
      await shoot(browser, 'newsroom-release', async (p) => {
        await signIn(p);
        await goto(p, `${BASE_URL}/newsroom/newsletters/suppressions/release?email=${encodeURIComponent(process.env.SUPPRESSED_EMAIL)}`);
        await p.locator('#confirm-release').evaluate((e) => { e.required = false; });
        await Promise.all([p.waitForLoadState('load'), p.getByRole('button', { name: 'Release address' }).click()]);
        await p.waitForSelector('#release-error');
      });
    }
  }
} finally {
  await browser.close();
}
console.error(failed === 0 ? 'axe: 0 violations' : `axe: ${failed} violations`);
process.exit(failed === 0 ? 0 : 1);
