// The newsroom in a real browser: sign in through the form (Chromium sends
// Origin and Sec-Fetch-Site, so the server's same-origin check is exercised),
// axe-core on the sign-in page, the dashboard, the people, password and API
// tokens pages, the Nu HTML checker on the same pages as served, then sign
// out. tests/browser/run creates the admin account with `dateline user add`
// and passes its email and password in DATELINE_NEWSROOM_EMAIL/_PASSWORD.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import AxeBuilder from '@axe-core/playwright';

import { BASE_URL, goto, launchBrowser, loadsNewPage, newContext, textOf, watchForProblems } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const VNU_JAR = join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const EMAIL = process.env.DATELINE_NEWSROOM_EMAIL;
const PASSWORD = process.env.DATELINE_NEWSROOM_PASSWORD;
const BLOCKING = new Set(['serious', 'critical']);

async function audit(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
  const text = (v) =>
    `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes
      .slice(0, 5)
      .map((n) => `    - ${n.target.join(' ')}`)
      .join('\n')}`;
  const other = results.violations.filter((v) => !BLOCKING.has(v.impact));
  if (other.length) console.log(`a11y (${label}): non-blocking:\n${other.map(text).join('\n')}`);
  assert.equal(blocking.length, 0, `axe on ${label}:\n${blocking.map(text).join('\n')}`);
}

describe('newsroom', () => {
  let browser;
  let context;

  before(async () => {
    assert.ok(EMAIL && PASSWORD, 'DATELINE_NEWSROOM_EMAIL/_PASSWORD are not set (tests/browser/run sets them)');
    browser = await launchBrowser();
    context = await newContext(browser);
  });

  after(async () => {
    await browser?.close();
  });

  it('signs in, passes axe and the Nu checker, and signs out', { timeout: 180_000 }, async () => {
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const served = new Map(); // file → label, for vnu
    const dir = mkdtempSync(join(tmpdir(), 'dateline-newsroom-vnu-'));
    const keep = async (file, label, path) => {
      // The page exactly as served, fetched with this browser's cookies.
      const res = await context.request.get(`${BASE_URL}${path}`);
      assert.equal(res.status(), 200, `GET ${path}`);
      assert.equal(res.headers()['cache-control'], 'no-store, private', `${path} must never be cached`);
      writeFileSync(join(dir, file), await res.text());
      served.set(file, `${label} (${path})`);
    };
    try {
      // Not signed in: the dashboard sends us to the sign-in form.
      await goto(page, `${BASE_URL}/newsroom/`);
      assert.match(new URL(page.url()).pathname, /^\/newsroom\/sign-in$/);
      await audit(page, 'sign-in page');
      await keep('sign-in.html', 'sign-in page', '/newsroom/sign-in');

      // A wrong password: the form again, with a sentence, announced.
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill('not the password at all');
      await loadsNewPage(page, () => page.getByRole('button', { name: 'Sign in' }).click());
      assert.equal(await textOf(page, '[role=alert]'), 'That email and password do not match an account.');
      problems.length = 0; // the 401 of the wrong password is expected

      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL(`${BASE_URL}/newsroom/`), page.getByRole('button', { name: 'Sign in' }).click()]);
      assert.equal(await textOf(page, 'h1'), 'Dashboard');
      assert.ok((await textOf(page, '#published')).length > 0);
      await audit(page, 'dashboard');
      await keep('dashboard.html', 'dashboard', '/newsroom/');

      await goto(page, `${BASE_URL}/newsroom/users`);
      assert.equal(await textOf(page, 'h1'), 'People');
      await audit(page, 'people page');
      await keep('users.html', 'people page', '/newsroom/users');

      await goto(page, `${BASE_URL}/newsroom/password`);
      await audit(page, 'password page');
      await keep('password.html', 'password page', '/newsroom/password');

      await goto(page, `${BASE_URL}/newsroom/tokens`);
      assert.equal(await textOf(page, 'h1'), 'API tokens');
      await audit(page, 'API tokens page');
      await keep('tokens.html', 'API tokens page', '/newsroom/tokens');

      const files = [...served.keys()];
      const run = spawnSync(
        'java',
        ['-jar', VNU_JAR, '--format', 'json', '--stdout', '--exit-zero-always', ...files.map((f) => join(dir, f))],
        { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      );
      assert.equal(run.status, 0, `vnu failed:\n${run.stdout}\n${run.stderr}`);
      const errors = JSON.parse(run.stdout).messages.filter(
        (m) => m.type === 'error' || m.type === 'non-document-error',
      );
      const where = (m) => served.get(m.url.split('/').pop()) ?? m.url;
      assert.equal(
        errors.length,
        0,
        `vnu: ${errors.map((m) => `${where(m)} line ${m.lastLine}: ${m.message}`).join('\n')}`,
      );

      // Signing out works without JavaScript: a form with a button.
      await Promise.all([page.waitForURL(/\/newsroom\/sign-in/), page.getByRole('button', { name: 'Sign out' }).click()]);
      assert.equal(await textOf(page, '[role=status]'), 'You have signed out.');
      await goto(page, `${BASE_URL}/newsroom/`);
      assert.match(new URL(page.url()).pathname, /^\/newsroom\/sign-in$/);
      assert.deepEqual(problems, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await page.close();
    }
  });
});
