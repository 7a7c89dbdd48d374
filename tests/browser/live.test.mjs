// Listen Live in a real browser: the header's button opens the pop-out player, the player's
// <audio> plays the station that tests/browser/run broadcasts with ffmpeg (a 440 Hz tone into
// the demo's /live/radio.mp3 mount), and it keeps playing while the reader moves from one
// article to another in the main window.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  BASE_URL,
  frontPageStoryLinks,
  goto,
  launchBrowser,
  newContext,
  textOf,
  watchForProblems,
} from './lib.mjs';

/** The player's position in seconds, and whether it is playing. */
async function playback(player) {
  return player.$eval('.live-console audio', (a) => ({
    time: a.currentTime,
    paused: a.paused,
    error: a.error ? a.error.code : null,
  }));
}

/** Wait (bounded) until the player's clock has moved past `seconds`. */
async function playedPast(player, seconds) {
  await player.waitForFunction(
    (s) => {
      const a = document.querySelector('.live-console audio');
      return a && !a.paused && a.currentTime > s;
    },
    seconds,
    { timeout: 30_000, polling: 250 },
  );
  return playback(player);
}

describe('Listen Live', () => {
  let browser;
  let context;

  before(async () => {
    assert.ok(
      process.env.DATELINE_LIVE_MOUNT,
      'tests/browser/run sets DATELINE_LIVE_MOUNT once ffmpeg broadcasts to the demo station',
    );
    // Sound needs a user gesture in browsers; the suite has no hands, so it says so up front.
    browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
    context = await newContext(browser);
  });

  after(async () => {
    await browser?.close();
  });

  it('plays in a pop-out player that keeps playing across article navigation', async () => {
    const [first, second] = await frontPageStoryLinks(await context.newPage());
    assert.ok(first && second, 'the demo front page links at least two stories');
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await goto(page, first);

    const button = page.locator('.site-header a.listen-live');
    assert.equal(await button.count(), 1, 'one Listen Live control in the header');
    const [player] = await Promise.all([context.waitForEvent('page'), button.click()]);
    await player.waitForURL(`${BASE_URL}/live/`, { waitUntil: 'load' });
    const playerProblems = watchForProblems(player);
    // A pop-out: the site's name, no sections bar, search or Listen Live pointing at itself.
    assert.equal(await player.locator('.site-header .site-name').count(), 1);
    assert.equal(await player.locator('.sections-nav, .site-search, a.listen-live').count(), 0);

    // The relay says the demo station is on air.
    // (The theme shows it in capitals; the words are the contract.)
    assert.match(await textOf(player, '.live-state-text'), /^on air$/i);
    assert.equal(
      await player.getAttribute('.live-console audio', 'src'),
      process.env.DATELINE_LIVE_MOUNT,
    );
    // The reader presses play.
    await player.evaluate(() => document.querySelector('.live-console audio').play());
    const started = await playedPast(player, 1);
    assert.equal(started.error, null, 'the stream decodes');

    // The reader moves on in the main window, twice.
    await goto(page, second);
    await goto(page, first);
    assert.ok(!player.isClosed(), 'the player window is still open');
    const later = await playedPast(player, started.time + 2);
    assert.ok(
      later.time > started.time + 2 && !later.paused,
      `the audio kept playing across navigation (${started.time} s, then ${later.time} s)`,
    );
    // Pressing Listen Live again only brings the open player forward: it does not reload it.
    await page.locator('.site-header a.listen-live').click();
    const still = await playedPast(player, later.time);
    assert.ok(still.time >= later.time, 'the player was not restarted');
    // Moving on while a photo is still loading aborts its request: that is the navigation's
    // doing, not a broken page.
    const broken = problems.filter((p) => !p.includes('net::ERR_ABORTED'));
    assert.deepEqual(broken, [], `problems on the article page:\n${broken.join('\n')}`);
    assert.deepEqual(playerProblems, [], `problems on the player:\n${playerProblems.join('\n')}`);
  });

  it('works without the pop-out: /live/ on its own plays the station', async () => {
    const player = await context.newPage();
    await goto(player, `${BASE_URL}/live/`);
    await player.evaluate(() => document.querySelector('.live-console audio').play());
    const p = await playedPast(player, 1);
    assert.equal(p.error, null);
  });
});
