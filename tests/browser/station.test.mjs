// The demo is on air (issue 23): with nothing but `dateline serve --demo` running (no ffmpeg,
// no mount added by hand), Listen Live is in the header and its player plays the demo
// station's playlist. This file starts its own server for that, on a fresh data folder, since
// tests/browser/run's server has a tone broadcast to another mount.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { goto, launchBrowser, newContext, textOf, watchForProblems } from './lib.mjs';

const BIN = process.env.DATELINE_BIN || 'target/release/dateline';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Poll (bounded) until the server answers GET /. */
async function ready(url, server) {
  const deadline = Date.now() + 180_000; // a debug build generates the demo photos slowly
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode})`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the demo server did not answer within 180 s');
}

describe('the demo station', () => {
  let browser;
  let server;
  let data;
  let base;
  let log = '';

  before(async () => {
    data = mkdtempSync(join(tmpdir(), 'dateline-station-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['serve', '--demo', '--data', data, '--listen', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    server.stdout.on('data', (d) => { log += d; });
    server.stderr.on('data', (d) => { log += d; });
    await ready(`${base}/`, server);
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('plays Listen Live from the demo playlist with nothing else running', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await goto(page, `${base}/`);
    const button = page.locator('.site-header a.listen-live');
    assert.equal(await button.count(), 1, 'Listen Live is in the header');
    const [player] = await Promise.all([context.waitForEvent('page'), button.click()]);
    await player.waitForURL(`${base}/live/`, { waitUntil: 'load' });
    const problems = watchForProblems(player);
    assert.match(await textOf(player, '.live-state-text'), /^on air$/i);
    assert.equal(await player.getAttribute('.live-console audio', 'src'), '/live/demo.mp3');
    await player.evaluate(() => document.querySelector('.live-console audio').play());
    // The <audio> element's clock moves: the playlist decodes and keeps coming.
    await player.waitForFunction(
      () => {
        const a = document.querySelector('.live-console audio');
        return a && !a.paused && !a.error && a.currentTime > 3;
      },
      null,
      { timeout: 45_000, polling: 250 },
    );
    const status = await (await fetch(`${base}/api/v1/live`)).json();
    const mount = status.mounts.find((m) => m.path === '/live/demo.mp3');
    assert.ok(mount?.source?.playlist, `the playlist is on air: ${JSON.stringify(mount)}`);
    assert.ok(mount.source.title.startsWith('Dateline Radio - '), mount.source.title);
    assert.deepEqual(problems, [], `problems on the player:\n${problems.join('\n')}\n${log.slice(-2000)}`);
    await context.close();
  });
});
