// Markup quality: the Nu HTML checker (vnu-jar from npm, run on Debian's
// Java) must report zero errors for every page type of the default theme:
// front, section, article (one with READ MORE, a photo in the body and
// footnotes), tag, author, community standards, and the error pages (400, 404,
// and 410 for the demo's withdrawn story). Warnings are printed, not fatal.
//
// Pages are fetched over HTTP exactly as served (no browser involved), saved to
// a temporary folder and checked in one run of vnu, which keeps the suite fast.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BASE_URL } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const VNU_JAR = join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');

// The demo's one withdrawn story (crates/dateline/demo/stories/43-…). Any date
// in its URL answers 301 to the canonical one, which is the 410 page.
const WITHDRAWN = '/business/2000/01/01/corran-line-chief-executive-to-step-down/';

/** GET a page, following redirects; the final status and the body. */
async function get(path, expectedStatus) {
  const res = await fetch(new URL(path, BASE_URL), { redirect: 'follow' });
  const body = await res.text();
  assert.equal(res.status, expectedStatus, `GET ${path} answered ${res.status}, expected ${expectedStatus}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `GET ${path} is not HTML`);
  return { url: res.url, body };
}

/** The first demo story whose page has READ MORE, a body photo and footnotes. */
async function richestArticle() {
  const list = await (await fetch(`${BASE_URL}/api/v1/articles?per_page=100`)).json();
  for (const a of list.articles) {
    const path = new URL(a.url).pathname;
    const { body } = await get(path, 200);
    if (
      body.includes('class="read-more"') &&
      /class="story-body[^"]*"[\s\S]*<figure class="photo"/.test(body) &&
      body.includes('class="footnotes"')
    ) {
      return { path, body };
    }
  }
  throw new Error('no demo story has READ MORE, a body photo and footnotes');
}

/** Run vnu on every file in `dir`; its messages. */
function vnu(dir, files) {
  // --exit-zero-always: errors are read from the report, so a non-zero exit means vnu itself
  // failed. Java's default thread stack is big enough for vnu's schema (a smaller -Xss is not).
  const run = spawnSync(
    'java',
    ['-jar', VNU_JAR, '--format', 'json', '--stdout', '--exit-zero-always', ...files.map((f) => join(dir, f))],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  );
  assert.equal(run.error, undefined, `could not run java -jar vnu.jar: ${run.error}`);
  assert.equal(run.status, 0, `vnu failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout).messages;
}

describe('markup quality (Nu HTML checker)', () => {
  let dir;
  const pages = new Map(); // file name → page label with its URL

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dateline-vnu-'));
    const save = (file, label, { url, body }) => {
      writeFileSync(join(dir, file), body);
      pages.set(file, `${label} (${url})`);
    };
    const front = await get('/', 200);
    save('front.html', 'front page', front);
    const article = await richestArticle();
    save('article.html', 'article with READ MORE, photo and footnotes', { url: article.path, body: article.body });
    const section = article.path.split('/')[1];
    save('section.html', 'section front', await get(`/${section}/`, 200));
    const tag = article.body.match(/<nav class="tags"[\s\S]*?<a href="(\/tags\/[^"]+)"/);
    assert.ok(tag, 'the article has no tag link');
    save('tag.html', 'tag page', await get(tag[1], 200));
    const author = article.body.match(/<a rel="author" href="(\/authors\/[^"]+)"/);
    assert.ok(author, 'the article has no byline link');
    save('author.html', 'author page', await get(author[1], 200));
    save('community.html', 'community standards', await get('/community-standards/', 200));
    save('live.html', 'Listen Live player', await get('/live/', 200));
    save('404.html', 'not found', await get('/no-such-page/', 404));
    save('410.html', 'withdrawn story', await get(WITHDRAWN, 410));
    save('400.html', 'bad request', await get(`/${section}/?page=abc`, 400));
    save('search.html', 'search results', await get('/search?q=shipping&sort=newest', 200));
    save('search-empty.html', 'search without results', await get('/search?q=zzyzx+quorble', 200));
    const discussion = article.body.match(/<a class="discussion-link" href="(\/discussion\/\d+\/)"/);
    assert.ok(discussion, 'the article has no discussion link');
    save('discussion.html', 'discussion', await get(discussion[1], 200));
    save('sign-in.html', 'reader sign-in', await get('/readers/sign-in', 200));
    save('register.html', 'reader registration', await get('/readers/register', 200));
    save('forgot.html', 'forgotten password', await get('/readers/forgot', 200));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports zero errors on every page type', { timeout: 180_000 }, () => {
    const files = [...pages.keys()];
    const messages = vnu(dir, files);
    const where = (m) => pages.get(m.url.split('/').pop()) ?? m.url;
    const line = (m) =>
      `  ${where(m)} line ${m.lastLine ?? '?'}: ${m.message}${m.extract ? `\n    ${m.extract.replace(/\n/g, ' ')}` : ''}`;
    const errors = messages.filter((m) => m.type === 'error' || m.type === 'non-document-error');
    const warnings = messages.filter((m) => m.type === 'info' && m.subType === 'warning');
    if (warnings.length) {
      console.log(`vnu: ${warnings.length} warning(s), not fatal:\n${warnings.map(line).join('\n')}`);
    }
    assert.equal(errors.length, 0, `vnu found ${errors.length} error(s):\n${errors.map(line).join('\n')}`);
    // Every page was checked (vnu names each file it read).
    assert.equal(files.length, 16);
  });
});
