// The newsroom's station page in a real browser: sign in as the suite's admin, add an audio
// file to the playlist of the suite's mount (/live/radio.mp3, which ffmpeg keeps live), see a
// file of another format refused with a sentence at the top and above the field, move the new
// file up, turn shuffle on and off, and remove it through the confirmation page; then the
// weekly schedule: add a programme, see an overlapping one refused with a sentence, edit the
// first on its own page and delete it through its confirmation. Every form is plain HTML (no
// script needed). axe-core (WCAG 2.2 AA tags) and the Nu HTML checker on the
// page as served and on its error state; with DATELINE_SCREENSHOTS=1 also screenshots at 320
// and 1280 px into docs/screenshots/ (or DATELINE_STATION_SHOTS).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import AxeBuilder from '@axe-core/playwright';

import { BASE_URL, goto, launchBrowser, loadsNewPage, newContext, textOf, watchForProblems } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const VNU_JAR = join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const EMAIL = process.env.DATELINE_NEWSROOM_EMAIL;
const PASSWORD = process.env.DATELINE_NEWSROOM_PASSWORD;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const MOUNT = '#live-radio-mp3';
// DATELINE_STATION_SHOTS=DIR puts them elsewhere (to look at them without refreshing the rest).
const SHOTS =
  process.env.DATELINE_STATION_SHOTS ||
  (process.env.DATELINE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : null);

async function audit(page, label) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const text = (v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    - ${n.target.join(' ')}`).join('\n')}`;
  assert.equal(results.violations.length, 0, `axe on ${label}:\n${results.violations.map(text).join('\n')}`);
}

function vnu(files) {
  const run = spawnSync('java', ['-jar', VNU_JAR, '--format', 'json', '--stdout', '--exit-zero-always', ...files], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `vnu failed:\n${run.stdout}\n${run.stderr}`);
  const errors = JSON.parse(run.stdout).messages.filter((m) => m.type === 'error' || m.type === 'non-document-error');
  assert.equal(errors.length, 0, `vnu: ${errors.map((m) => `${m.url} line ${m.lastLine}: ${m.message}`).join('\n')}`);
}

describe('the station page', () => {
  let browser;
  let context;
  const dir = mkdtempSync(join(tmpdir(), 'dateline-station-'));

  before(async () => {
    assert.ok(EMAIL && PASSWORD, 'DATELINE_NEWSROOM_EMAIL/_PASSWORD are not set (tests/browser/run sets them)');
    browser = await launchBrowser();
    context = await newContext(browser);
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, refuses, moves, shuffles and removes playlist files', { timeout: 180_000 }, async () => {
    const page = await context.newPage();
    const problems = watchForProblems(page);
    try {
      await goto(page, `${BASE_URL}/newsroom/sign-in`);
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([page.waitForURL(`${BASE_URL}/newsroom/`), page.getByRole('button', { name: 'Sign in' }).click()]);

      await loadsNewPage(page, () => page.getByRole('link', { name: 'Station' }).click());
      assert.equal(await textOf(page, 'h1'), 'Station');
      const before = await page.locator(`${MOUNT} .nr-track`).count();

      // Add the demo's ident (an MP3) to the MP3 mount: it goes at the end.
      const ident = join(ROOT, 'crates', 'dateline', 'demo', 'audio', '01-ident.mp3');
      await page.locator(`${MOUNT} input[type=file]`).setInputFiles(ident);
      await loadsNewPage(page, () => page.locator(MOUNT).getByRole('button', { name: /Add to playlist/ }).click());
      assert.match(await textOf(page, '[role=status]'), /File added to the playlist/);
      const tracks = page.locator(`${MOUNT} .nr-track`);
      assert.equal(await tracks.count(), before + 1);
      assert.equal(await tracks.last().locator('.nr-meta').innerText().then((t) => t.split(' · ')[0]), '01-ident.mp3');
      await audit(page, 'station page');

      // The page as served, for the Nu checker.
      const served = await context.request.get(`${BASE_URL}/newsroom/station`);
      assert.equal(served.headers()['cache-control'], 'no-store, private');
      writeFileSync(join(dir, 'station.html'), await served.text());

      if (SHOTS) {
        mkdirSync(SHOTS, { recursive: true });
        for (const width of [320, 1280]) {
          await page.setViewportSize({ width, height: 900 });
          await page.screenshot({ path: join(SHOTS, `newsroom-station-${width}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
        }
        await page.setViewportSize({ width: 1280, height: 900 });
      }
      // No sideways scrolling at 320 px.
      await page.setViewportSize({ width: 320, height: 800 });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'the page scrolls sideways at 320 px');
      await page.setViewportSize({ width: 1280, height: 900 });

      // Another format: refused with a sentence at the top, linked to the field, and above it.
      const wav = join(dir, 'talk.wav');
      writeFileSync(wav, Buffer.concat(Array.from({ length: 200 }, () => Buffer.from('RIFF\x24\x08\x00\x00WAVEfmt ', 'latin1'))));
      await page.locator(`${MOUNT} input[type=file]`).setInputFiles(wav);
      await loadsNewPage(page, () => page.locator(MOUNT).getByRole('button', { name: /Add to playlist/ }).click());
      const summary = await textOf(page, '.nr-error-summary a');
      assert.match(summary, /^talk\.wav cannot go on the playlist of \/live\/radio\.mp3: .*this mount plays mp3 files\. Nothing was stored\.$/);
      assert.match(await textOf(page, '#file-live-radio-mp3-error'), /talk\.wav cannot go/);
      assert.equal(await tracks.count(), before + 1, 'nothing stored');
      problems.length = 0; // the 415 is expected
      await audit(page, 'station page with a refused file');
      const refusedHtml = await page.content();
      writeFileSync(join(dir, 'station-refused.html'), `<!doctype html>\n${refusedHtml.replace(/^<!DOCTYPE html>/i, '')}`);
      if (SHOTS) {
        await page.setViewportSize({ width: 320, height: 900 });
        await page.screenshot({ path: join(SHOTS, 'newsroom-station-refused-320.png'), fullPage: false, animations: 'disabled', caret: 'hide' });
        await page.setViewportSize({ width: 1280, height: 900 });
      }

      // Move the new file up one place: a plain form button.
      await goto(page, `${BASE_URL}/newsroom/station`);
      if (before > 0) {
        await loadsNewPage(page, () => tracks.last().getByRole('button', { name: /^Move up/ }).click());
        assert.equal(await tracks.nth(before - 1).locator('.nr-meta').innerText().then((t) => t.split(' · ')[0]), '01-ident.mp3');
      }

      // Shuffle on, then back in order.
      await page.locator(`${MOUNT}-shuffled`).check();
      await loadsNewPage(page, () => page.locator(MOUNT).getByRole('button', { name: /Save order/ }).click());
      assert.ok(await page.locator(`${MOUNT}-shuffled`).isChecked());
      await page.locator(`${MOUNT}-in-order`).check();
      await loadsNewPage(page, () => page.locator(MOUNT).getByRole('button', { name: /Save order/ }).click());
      assert.ok(await page.locator(`${MOUNT}-in-order`).isChecked());

      // Remove it: a confirmation page first, then gone.
      const row = page.locator(`${MOUNT} .nr-track`, { hasText: '01-ident.mp3' });
      await loadsNewPage(page, () => row.getByRole('button', { name: /^Remove/ }).click());
      assert.equal(await textOf(page, 'h1'), 'Remove a file from the playlist');
      await audit(page, 'removal confirmation');
      await loadsNewPage(page, () => page.getByRole('button', { name: 'Remove from the playlist' }).click());
      assert.match(await textOf(page, '[role=status]'), /File removed/);
      assert.equal(await tracks.count(), before);

      vnu([join(dir, 'station.html'), join(dir, 'station-refused.html')]);
      assert.deepEqual(problems, []);
      assert.ok(readFileSync(join(dir, 'station.html'), 'utf8').includes('enctype="multipart/form-data"'));
    } finally {
      await page.close();
    }
  });

  it('adds, refuses, edits and deletes programmes of the weekly schedule', { timeout: 180_000 }, async () => {
    const page = await context.newPage();
    const problems = watchForProblems(page);
    try {
      await goto(page, `${BASE_URL}/newsroom/station`);
      if (page.url().includes('/sign-in')) {
        await page.getByLabel('Email').fill(EMAIL);
        await page.getByLabel('Password').fill(PASSWORD);
        await Promise.all([page.waitForURL(`${BASE_URL}/newsroom/`), page.getByRole('button', { name: 'Sign in' }).click()]);
        await goto(page, `${BASE_URL}/newsroom/station`);
      }
      const form = page.locator('form.nr-programme-editor');
      const fill = async (title, day, starts, ends) => {
        await form.getByLabel('Name').fill(title);
        await form.getByLabel(day).check();
        await form.getByLabel('Starts').fill(starts);
        await form.getByLabel('Ends').fill(ends);
        await form.getByLabel('Airs from').selectOption('');
      };
      await fill('Browser Hour', 'Saturday', '03:00', '04:00');
      await loadsNewPage(page, () => form.getByRole('button', { name: 'Add programme' }).click());
      assert.match(await textOf(page, '[role=status]'), /Programme added/);
      const row = page.locator('#programmes .nr-programme', { hasText: 'Browser Hour' });
      assert.match(await row.locator('.nr-meta').innerText(), /^sat 03:00–04:00 · live, from no playlist$/);
      await audit(page, 'station page with a programme');
      if (SHOTS) {
        for (const width of [320, 1280]) {
          await page.setViewportSize({ width, height: 900 });
          await page.locator('#programmes').screenshot({ path: join(SHOTS, `newsroom-station-schedule-${width}.png`), animations: 'disabled', caret: 'hide' });
        }
        await page.setViewportSize({ width: 1280, height: 900 });
      }

      // An overlapping programme: a sentence at the top linked to the field, what was typed kept.
      await fill('Clash', 'Saturday', '03:30', '04:30');
      await loadsNewPage(page, () => form.getByRole('button', { name: 'Add programme' }).click());
      assert.equal(
        await textOf(page, '.nr-error-summary a[href="#programme-starts"]'),
        'It overlaps Browser Hour (sat 03:00–04:00). One programme airs at a time: change its days or times, or those of the other.',
      );
      assert.equal(await form.getByLabel('Name').inputValue(), 'Clash');
      assert.equal(await page.locator('#programmes .nr-programme', { hasText: 'Clash' }).count(), 0, 'nothing stored');
      problems.length = 0; // the 409 is expected
      await audit(page, 'station page with a refused programme');
      writeFileSync(join(dir, 'station-programme-refused.html'), `<!doctype html>\n${(await page.content()).replace(/^<!DOCTYPE html>/i, '')}`);
      if (SHOTS) {
        for (const width of [320, 1280]) {
          await page.setViewportSize({ width, height: 900 });
          await page.locator('#programmes').screenshot({ path: join(SHOTS, `newsroom-station-schedule-refused-${width}.png`), animations: 'disabled', caret: 'hide' });
        }
        await page.setViewportSize({ width: 1280, height: 900 });
      }
      await page.setViewportSize({ width: 320, height: 800 });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'the refused form scrolls sideways at 320 px');
      await page.setViewportSize({ width: 1280, height: 900 });

      // Edit it on its own page.
      await goto(page, `${BASE_URL}/newsroom/station`);
      await loadsNewPage(page, () => row.getByRole('link', { name: /^Edit/ }).click());
      assert.equal(await textOf(page, 'h1'), 'Edit a programme');
      assert.equal(await page.getByLabel('Name').inputValue(), 'Browser Hour');
      assert.ok(await page.getByLabel('Saturday').isChecked());
      await audit(page, 'programme edit page');
      writeFileSync(join(dir, 'station-programme.html'), await (await context.request.get(page.url())).text());
      await page.getByLabel('Ends').fill('05:00');
      await loadsNewPage(page, () => page.getByRole('button', { name: 'Save programme' }).click());
      assert.match(await textOf(page, '[role=status]'), /Programme saved/);
      assert.match(await row.locator('.nr-meta').innerText(), /^sat 03:00–05:00/);

      // Delete it: a confirmation page first, then gone.
      await loadsNewPage(page, () => row.getByRole('button', { name: /^Delete/ }).click());
      assert.equal(await textOf(page, 'h1'), 'Delete a programme');
      await audit(page, 'programme delete confirmation');
      await loadsNewPage(page, () => page.getByRole('button', { name: 'Delete the programme' }).click());
      assert.match(await textOf(page, '[role=status]'), /Programme deleted/);
      assert.equal(await row.count(), 0);

      vnu([join(dir, 'station-programme-refused.html'), join(dir, 'station-programme.html')]);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
