// The article editor in a real browser: an editor (the suite's admin) signs in, uploads a photo
// with alt text, caption and credit, writes a story with that photo as lead and in the body, a
// READ MORE chosen with the picker and a footnote, watches the live preview, publishes it, and
// a reader (a fresh browser context) finds it on the front page and its section front with the
// photo, the READ MORE box and the note. axe-core finds no serious or critical violation on the
// editor's pages. tests/browser/run creates the admin and passes DATELINE_NEWSROOM_EMAIL/_PASSWORD.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';

import AxeBuilder from '@axe-core/playwright';

import { BASE_URL, frontPageStoryLinks, goto, launchBrowser, loadsNewPage, newContext, signIn, textOf, watchForProblems } from './lib.mjs';

const VNU_JAR = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const BLOCKING = new Set(['serious', 'critical']);

async function audit(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
  const text = (v) =>
    `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes
      .slice(0, 5)
      .map((n) => `    - ${n.target.join(' ')}`)
      .join('\n')}`;
  assert.equal(blocking.length, 0, `axe on ${label}:\n${blocking.map(text).join('\n')}`);
}

/** The Nu HTML checker's errors on pages fetched with `context`'s cookies. */
async function nuErrors(context, paths) {
  const dir = mkdtempSync(join(tmpdir(), 'dateline-editor-vnu-'));
  try {
    const files = [];
    for (const [i, path] of paths.entries()) {
      const res = await context.request.get(`${BASE_URL}${path}`);
      assert.equal(res.status(), 200, `GET ${path}`);
      const file = join(dir, `page${i}.html`);
      writeFileSync(file, await res.text());
      files.push(file);
    }
    const run = spawnSync('java', ['-jar', VNU_JAR, '--format', 'json', '--stdout', '--exit-zero-always', ...files], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `vnu failed:\n${run.stdout}\n${run.stderr}`);
    return JSON.parse(run.stdout)
      .messages.filter((m) => m.type === 'error' || m.type === 'non-document-error')
      .map((m) => `${paths[Number(m.url.match(/page(\d+)\.html/)?.[1])]} line ${m.lastLine}: ${m.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real PNG (a 640×360 gradient) so the upload decodes and gets variants. */
function png(width = 640, height = 360) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      rows[row + 1 + x * 3] = (x * 255) / width;
      rows[row + 2 + x * 3] = (y * 255) / height;
      rows[row + 3 + x * 3] = 128;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('article editor', () => {
  let browser;
  let context;

  before(async () => {
    browser = await launchBrowser();
    context = await newContext(browser);
  });

  after(async () => {
    await browser?.close();
  });

  it('writes, previews and publishes a story a reader then finds', { timeout: 180_000 }, async () => {
    // A published story to point READ MORE at: the front page's lead.
    const reader = await newContext(browser);
    const firstPage = await reader.newPage();
    const [leadUrl] = await frontPageStoryLinks(firstPage);
    await goto(firstPage, leadUrl);
    const targetHeadline = await textOf(firstPage, 'h1');
    assert.ok(targetHeadline, 'the lead story has a headline');

    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signIn(page);

    // Upload a photo with its alt text, caption and credit.
    await goto(page, `${BASE_URL}/newsroom/media`);
    const stamp = Date.now().toString(36);
    const alt = `Harbour cranes at dusk ${stamp}`;
    await page.setInputFiles('#file', { name: 'cranes.png', mimeType: 'image/png', buffer: png() });
    await page.getByLabel('Alt text', { exact: true }).fill(alt);
    await page.getByLabel('Caption', { exact: true }).fill('Cranes over the container port.');
    await page.getByLabel('Agency', { exact: true }).fill('Test Wire');
    await page.getByLabel('Photographer', { exact: true }).fill('R. Lens');
    await page.getByRole('button', { name: 'Upload' }).click();
    // With JavaScript the upload goes by XHR and then loads the library: wait for the photo.
    const item = page.locator('.nr-photo', { hasText: alt });
    await item.first().waitFor({ timeout: 30_000 });
    const photoHref = await item.first().locator('a[href^="/newsroom/media/"]').getAttribute('href');
    const photoId = photoHref.split('/').pop();
    assert.match(photoId, /^\d+$/);
    // Wait for the variants (made in the background).
    for (let i = 0; i < 60; i++) {
      await goto(page, `${BASE_URL}/newsroom/media/${photoId}`);
      if ((await page.locator('.nr-processing').count()) === 0) break;
      await page.waitForTimeout(500);
    }
    assert.equal(await page.locator('.nr-processing').count(), 0, 'the photo was processed');

    // The editor: new story.
    await goto(page, `${BASE_URL}/newsroom/stories/new`);
    assert.equal(await textOf(page, 'h1'), 'New story');
    await audit(page, 'new story');
    const headline = `Port cranes light up the harbour ${stamp}`;
    await page.getByLabel('Headline', { exact: true }).fill(headline);
    // The slug follows the headline until edited.
    assert.match(await page.getByLabel('Slug', { exact: true }).inputValue(), /^port-cranes-light-up-the-harbour-/);
    await page.getByLabel('Standfirst', { exact: true }).fill('The new cranes were switched on at dusk.');
    // Tagged like any real story (the feeds and markup suites later read the newest story's
    // tag links); an editor may create a tag on the fly.
    await page.getByLabel('Tags', { exact: true }).fill('Shipping, Harbour lights');
    await page.getByLabel('Lead photo', { exact: true }).selectOption(photoId);
    // This story is typed in the dialect, in the source view (the rich-text surface has its
    // own suite, story-editor.test.mjs).
    await page.getByRole('button', { name: 'Source' }).click();
    await page
      .locator('#body')
      .fill(
        `The cranes[^cranes] came on one by one.\n\n::: photo ${photoId}\n:::\n\nThe port says more are coming.\n\n` +
          `[^cranes]: Ship-to-shore gantry cranes, each 90 metres tall.\n`,
      );
    // READ MORE through the picker.
    await page.getByLabel('Find a story by headline').fill(targetHeadline.slice(0, 40));
    await page.getByRole('button', { name: 'Add READ MORE' }).first().click();
    assert.match(await page.locator('#body').inputValue(), /READ MORE: \d+/);
    // The live preview, from the site's renderer.
    await page.waitForFunction(
      (want) => document.querySelector('#preview')?.textContent.includes(want),
      targetHeadline.slice(0, 20),
      { timeout: 15_000 },
    );
    assert.ok(await page.locator('#preview img').count(), 'the preview shows the photo');
    assert.ok((await textOf(page, '#preview')).includes('Ship-to-shore gantry cranes'));

    // Publish now.
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Publish now' }).click());
    assert.equal(await textOf(page, '.nr-notice'), 'Published.', await textOf(page, 'main'));
    await audit(page, 'edit story');
    const storyPath = await page.getByRole('link', { name: 'View on the site' }).getAttribute('href');
    assert.match(storyPath, /^\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/port-cranes-light-up-the-harbour-/);
    const storyId = new URL(page.url()).pathname.split('/')[3];
    await goto(page, `${BASE_URL}/newsroom/stories/${storyId}/revisions`);
    await audit(page, 'revisions');
    for (const [path, label] of [
      ['/newsroom/sections', 'sections and tags'],
      ['/newsroom/front-page', 'front page pins'],
      ['/newsroom/settings', 'settings'],
      ['/newsroom/settings/discussion', 'discussion settings'],
      ['/newsroom/', 'dashboard'],
    ]) {
      await goto(page, `${BASE_URL}${path}`);
      await audit(page, label);
    }
    assert.ok((await textOf(page, '#published')).includes(headline));
    const invalid = await nuErrors(context, [
      '/newsroom/stories/new',
      `/newsroom/stories/${storyId}`,
      `/newsroom/stories/${storyId}/revisions`,
      '/newsroom/sections',
      '/newsroom/front-page',
      '/newsroom/settings',
      '/newsroom/settings/discussion',
    ]);
    assert.deepEqual(invalid, []);

    // A reader sees it: the front page, the section front, the story with photo, READ MORE, note.
    // (A new reader: the first one's browser may keep the front page it saw for a minute.)
    await reader.close();
    const fresh = await newContext(browser);
    const readerPage = await fresh.newPage();
    await goto(readerPage, `${BASE_URL}/`);
    assert.ok((await textOf(readerPage, 'main')).includes(headline), 'on the front page');
    const section = storyPath.split('/')[1];
    await goto(readerPage, `${BASE_URL}/${section}/`);
    assert.ok((await textOf(readerPage, 'main')).includes(headline), 'on the section front');
    await goto(readerPage, `${BASE_URL}${storyPath}`);
    assert.equal(await textOf(readerPage, 'h1'), headline);
    assert.ok(await readerPage.locator(`img[alt="${alt}"]`).count(), 'the photo with its alt text');
    const main = await textOf(readerPage, 'main');
    assert.ok(main.includes('Cranes over the container port.'), 'the caption');
    assert.ok(main.includes('R. Lens'), 'the credit');
    assert.ok(main.includes(targetHeadline), 'the READ MORE box');
    assert.ok(main.includes('Ship-to-shore gantry cranes'), 'the note');
    assert.deepEqual(
      await readerPage.$$eval('.tags a', (links) => links.map((a) => a.textContent.trim())),
      ['Shipping', 'Harbour lights'],
      'the tags, in the order typed',
    );
    assert.deepEqual(problems, []);
    await fresh.close();
  });
});
