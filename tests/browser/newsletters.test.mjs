// Newsletters in a real browser (issue 21): a reader subscribes from an article page, reads
// the confirmation mail from a real SMTP server (aiosmtpd, as in the Rust tests) and follows
// its link; an editor sends a letter from the newsroom; the reader follows the preferences
// link in that mail and changes their choice; the page says so and the store (the site's
// SQLite database, read by Python's sqlite3) agrees. Then screenshots (320 and 1280 px) and
// axe (WCAG 2.2 AA tags) of the newsroom pages this work changed, and axe of each reader page
// on the way (sent, confirmed, preferences, the /newsletters/ list: the demo without SMTP has none).
//
// The suite's shared server has no SMTP settings (other tests rely on that), so this file
// starts its own: aiosmtpd on a free port writing to a maildir, and DATELINE_BIN
// (tests/browser/run exports it) serving the demo with [smtp] pointing at it. Both are
// stopped at the end, and every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { launchBrowser, newContext, goto, NAV_TIMEOUT } from './lib.mjs';

const BIN = process.env.DATELINE_BIN || 'target/release/dateline';
const PYTHON = '/usr/bin/python3';
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SHOTS = process.env.DATELINE_NEWSLETTER_SHOTS || '';
const ADMIN = 'news-admin@example.com';
const PASSWORD = `browser-${Math.random().toString(36).slice(2)}-newsletters`;
const READER = 'reader@readers.example';

let work;
let smtp;
let server;
let base;
let browser;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Poll `probe` until it returns something truthy, for at most `ms`. */
async function until(what, ms, probe) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    assert.ok(Date.now() < deadline, `${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function answers(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('220'));
    });
    s.once('error', () => resolve(false));
  });
}

/** Undo quoted-printable (soft breaks and =XX), for parts that use it. */
function unQuote(s) {
  return s.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** The messages aiosmtpd has written for `to`, oldest first, as text. */
function mailTo(to) {
  const dir = join(work, 'maildir', 'new');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n'))
    .filter((m) => new RegExp(`^To: .*${to.replace('.', '\\.')}`, 'mi').test(m))
    .map((m) => (/quoted-printable/i.test(m) ? unQuote(m) : m));
}

function linkIn(mail, path) {
  const m = mail.match(new RegExp(`${base.replace(/[.]/g, '\\.')}${path.replace(/[?]/g, '\\?')}[A-Za-z0-9_.\\-]+`));
  assert.ok(m, `no ${path} link in\n${mail}`);
  return m[0];
}

/** The reader's subscriptions as the store has them: slug → state. */
function storedSubscriptions() {
  const script = `
import sqlite3, sys, json
db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
rows = db.execute("""SELECT n.slug, s.confirmed_at IS NOT NULL, s.unsubscribed_at IS NOT NULL
  FROM subscriptions s JOIN newsletters n ON n.id = s.newsletter_id
  JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email = ?""", (sys.argv[2],)).fetchall()
print(json.dumps({slug: ('unsubscribed' if gone else 'active' if ok else 'pending') for slug, ok, gone in rows}))
`;
  const out = execFileSync(PYTHON, ['-c', script, join(work, 'data', 'dateline.db'), READER], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return JSON.parse(out);
}

async function axe(page, name) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = results.violations.map((v) => `${name}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
  assert.deepEqual(found, [], found.join('\n'));
}

/** Screenshots at 320 and 1280 px (when DATELINE_NEWSLETTER_SHOTS names a folder) and axe. */
async function look(context, path, name) {
  for (const width of [320, 1280]) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    await goto(page, `${base}${path}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= width, `${name} is ${wide} px wide at ${width} px`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
    if (width === 1280) await axe(page, name);
    await page.close();
  }
}

function stop(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dateline-newsletters-'));
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  const smtpPort = await freePort();
  smtp = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`, '-c', 'aiosmtpd.handlers.Mailbox', join(work, 'maildir')], {
    stdio: 'ignore',
  });
  await until('aiosmtpd answering', 15_000, () => answers(smtpPort));

  const data = join(work, 'data');
  mkdirSync(data);
  writeFileSync(
    join(data, 'dateline.toml'),
    `[smtp]\nhost = "127.0.0.1"\nport = ${smtpPort}\ntls = "none"\nfrom = "The Herald <news@herald.example>"\n`,
  );
  execFileSync(BIN, ['user', 'add', '--data', data, '--email', ADMIN, '--name', 'Newsletter Editor', '--role', 'editor', '--password-stdin'], {
    input: `${PASSWORD}\n`,
    timeout: 60_000,
  });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', '--demo', '--data', data, '--listen', `127.0.0.1:${port}`, '--base-url', base], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  server.stderr.on('data', (d) => {
    log = (log + d.toString()).slice(-4000);
  });
  await until('the server answering', 240_000, async () => {
    assert.equal(server.exitCode, null, `the server stopped:\n${log}`);
    try {
      return (await fetch(`${base}/`)).ok;
    } catch {
      return false;
    }
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stop(server);
  await stop(smtp);
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signIn(page) {
  await goto(page, `${base}/newsroom/sign-in`);
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${base}/newsroom/`), page.getByRole('button', { name: 'Sign in' }).click()]);
}

async function defineNewsletter(page, name, slug, kind) {
  await goto(page, `${base}/newsroom/newsletters`);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Address name').fill(slug);
  await page.getByLabel('Kind').selectOption(kind);
  await Promise.all([page.waitForURL(/\/newsroom\/newsletters\/\d+$/), page.getByRole('button', { name: 'Create newsletter' }).click()]);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

test('subscribe from an article, confirm by mail, change preferences from an issue', async () => {
  const editorContext = await newContext(browser);
  const editor = await editorContext.newPage();
  await signIn(editor);
  const morning = await defineNewsletter(editor, 'The Morning', 'morning', 'letter');
  const breaking = await defineNewsletter(editor, 'Breaking News', 'breaking', 'alerts');

  // A reader, with no account, on an article page.
  const readerContext = await newContext(browser);
  const reader = await readerContext.newPage();
  await goto(reader, `${base}/`);
  const [story] = await reader.$$eval('main a.story-link', (as) => as.map((a) => a.href));
  assert.ok(story, 'the front page lists no story');
  await goto(reader, story);
  const signup = reader.locator('.newsletter-signup');
  await signup.scrollIntoViewIfNeeded();
  await signup.getByLabel('The Morning').check();
  await signup.getByLabel('Email address').fill(READER);
  await Promise.all([reader.waitForURL(`${base}/newsletters/subscribe`), signup.getByRole('button', { name: 'Subscribe' }).click()]);
  assert.match(await reader.locator('h1').innerText(), /Check your email/);
  await axe(reader, 'reader-subscribe-sent');
  assert.deepEqual(storedSubscriptions(), { morning: 'pending' });

  // The confirmation, from the SMTP server.
  const [confirmation] = await until('the confirmation mail', 30_000, () => {
    const mails = mailTo(READER);
    return mails.length > 0 ? mails : null;
  });
  assert.match(confirmation, /^Subject: Confirm your subscription/m);
  await goto(reader, linkIn(confirmation, '/newsletters/confirm?token='));
  assert.match(await reader.locator('h1').innerText(), /You are subscribed/);
  await axe(reader, 'reader-confirmed');
  assert.deepEqual(storedSubscriptions(), { morning: 'active' });

  // The editor sends a letter; it reaches the reader.
  await goto(editor, `${base}/newsroom/newsletters/${morning}`);
  await editor.getByLabel('Subject').fill('Harbour reopens');
  await editor.locator('#issue-markdown').fill('Good morning.\n\nThe **harbour** reopens today.');
  await Promise.all([editor.waitForURL(/\/newsroom\/newsletters\/issues\/\d+$/), editor.getByRole('button', { name: /^Send to 1 subscriber now$/ }).click()]);
  const issuePath = new URL(editor.url()).pathname;
  const letter = await until('the letter', 30_000, () => mailTo(READER).find((m) => /^Subject: Harbour reopens/m.test(m)));

  // The reader follows the preferences link in it and changes their choice.
  await goto(reader, linkIn(letter, '/newsletters/preferences?token='));
  assert.match(await reader.locator('h1').innerText(), /Your newsletters/);
  assert.ok(await reader.getByLabel('The Morning').isChecked());
  assert.ok(!(await reader.getByLabel('Breaking News').isChecked()));
  await reader.getByLabel('The Morning').uncheck();
  await reader.getByLabel('Breaking News').check();
  await Promise.all([reader.waitForLoadState('load'), reader.getByRole('button', { name: 'Save my choice' }).click()]);
  await reader.waitForSelector('text=Your choice is saved.', { timeout: NAV_TIMEOUT });
  assert.ok(!(await reader.getByLabel('The Morning').isChecked()));
  assert.ok(await reader.getByLabel('Breaking News').isChecked());
  await axe(reader, 'reader-preferences');
  // The store agrees: the link proves the mailbox, so the new choice is active at once.
  assert.deepEqual(storedSubscriptions(), { morning: 'unsubscribed', breaking: 'active' });

  // The newsroom shows it: the issue's reader left after it; the counts over time.
  await goto(editor, `${base}${issuePath}`);
  assert.equal(await editor.locator('td[data-state=unsubscribed]').innerText(), '1');
  await goto(editor, `${base}/newsroom/newsletters/${breaking}`);
  await editor.locator('.nr-growth-days summary').click();
  assert.equal(await editor.locator('#growth-days td[data-count]').first().innerText(), '1');

  await look(editorContext, `/newsroom/newsletters/${morning}`, 'newsroom-newsletter');
  await look(editorContext, issuePath, 'newsroom-issue');
  // The readers' own newsletter pages, signed out: 320 px reflow and axe.
  await look(readerContext, '/newsletters/', 'reader-newsletters');
  await editorContext.close();
  await readerContext.close();
});
