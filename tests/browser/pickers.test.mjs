// The story editor's pickers, tried as a reporter would (issue 17): a READ MORE box shows its
// story's headline (also after a reload, when the body is read back from the stored text) and
// says when there is no such story; related stories are listed by headline with a Remove
// button; tag suggestions follow the name after the last comma; the photo picker searches the
// whole library by caption with "More photos" paging, and the lead photo can be chosen from it
// too. Bylines are picked by typing part of a name (the list says who cannot sign in),
// reordered with the keyboard, published in that order, and all removed for a story with none
// (also at 320 px, with no sideways scrolling). And "who else has this story open": two people in two browsers see each other within
// the ping interval (the suite's server pings every second: tests/browser/run), and a person
// who leaves drops out of the other's banner. axe (WCAG 2.2 AA tags) finds nothing with the
// pickers open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deflateSync, crc32 } from 'node:zlib';

import { BASE_URL, audit, frontPageStoryLinks, goto, launchBrowser, loadsNewPage, newContext, newDraft, signIn, textOf, tool, watchForProblems } from './lib.mjs';

/** A small real PNG whose pixels depend on `seed`, so every upload is a new file. */
function png(seed, width = 24, height = 16) {
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
  header[8] = 8;
  header[9] = 2;
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      rows[row + 1 + x * 3] = (seed * 7 + x) % 256;
      rows[row + 2 + x * 3] = (seed >> 8) % 256;
      rows[row + 3 + x * 3] = (y * 13 + seed) % 256;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Upload photos to the library as the in-place upload does (multipart, JSON answer), from a
 * newsroom page (for its session and form token). Answers their numbers, in upload order.
 */
async function upload(page, photos) {
  await goto(page, `${BASE_URL}/newsroom/media`);
  return page.evaluate(async (items) => {
    const csrf = document.querySelector('input[name=csrf]').value;
    const ids = [];
    for (const p of items) {
      const body = new FormData();
      body.set('csrf', csrf);
      body.set('alt', p.alt);
      body.set('caption', p.caption);
      const bytes = Uint8Array.from(atob(p.b64), (c) => c.charCodeAt(0));
      body.set('file', new File([bytes], p.name, { type: 'image/png' }));
      const res = await fetch('/newsroom/media', { method: 'POST', body, headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(`upload ${p.name}: HTTP ${res.status} ${await res.text()}`);
      ids.push((await res.json()).id);
    }
    return ids;
  }, photos);
}

describe('the story editor pickers', () => {
  let browser;
  let context;

  before(async () => {
    browser = await launchBrowser();
    context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    await signIn(await context.newPage());
  });

  after(async () => {
    await browser?.close();
  });

  it('shows a READ MORE box and related stories by headline, and says when a story is missing', { timeout: 120_000 }, async () => {
    const reader = await newContext(browser);
    const [leadUrl] = await frontPageStoryLinks(await reader.newPage());
    const first = await reader.newPage();
    await goto(first, leadUrl);
    const target = await textOf(first, 'h1');
    await reader.close();

    const page = await context.newPage();
    const problems = watchForProblems(page);
    const stamp = Date.now().toString(36);
    const id = await newDraft(page, `Pickers READ MORE ${stamp}`, 'The council met on Tuesday.');

    // Picked by headline in the dialog.
    await tool(page, 'Insert a READ MORE box').click();
    const dialog = page.getByRole('dialog', { name: 'READ MORE' });
    await dialog.getByLabel('Find a story by headline').fill(target.slice(0, 30));
    const pick = dialog.getByRole('button', { name: target }).first();
    assert.match(await pick.innerText(), /Story \d+ · published/, 'the result says it is published');
    await audit(page, 'READ MORE dialog with results');
    await pick.click();
    const source = await page.locator('#body').inputValue();
    const ref = /^READ MORE: (\d+)$/m.exec(source)?.[1];
    assert.ok(ref, source);

    // Saved and read back from the stored text, the box still names the story (it said
    // "story 12" before).
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Save draft' }).click());
    assert.equal(new URL(page.url()).pathname, `/newsroom/stories/${id}`);
    const box = page.locator(`.ed-content .ed-readmore[data-ref="${ref}"]`);
    await page.waitForFunction((r) => document.querySelector(`.ed-content .ed-readmore[data-ref="${r}"] .ed-readmore-note`)?.textContent, ref);
    const shown = (await box.innerText()).replace(/\s+/g, ' ');
    assert.ok(shown.includes(target), `the box names the story: ${shown}`);
    assert.match(shown, new RegExp(`Story ${ref} · published`));
    assert.doesNotMatch(shown, /story \d+$/i);

    // A READ MORE typed in the source view to a number with no story says so.
    await tool(page, 'Source').click();
    await page.locator('#body').fill(`${await page.locator('#body').inputValue()}\n\nREAD MORE: 987654321\n`);
    await tool(page, 'Source').click();
    const missing = page.locator('.ed-content .ed-readmore[data-ref="987654321"]');
    await page.waitForFunction(() => /No story 987654321/.test(document.querySelector('.ed-content .ed-readmore[data-ref="987654321"]')?.textContent || ''));
    assert.match(await missing.innerText(), /readers will not see this box/);
    assert.ok(await missing.evaluate((e) => e.classList.contains('ed-readmore-problem')));

    // Related stories: found by headline, listed by headline, removed by a button.
    await page.getByLabel('Find a story by headline').fill(target.slice(0, 30));
    const result = page.locator('#story-results li', { hasText: target }).first();
    await result.getByRole('button', { name: 'Add as related' }).click();
    assert.equal(await page.locator('#related').inputValue(), ref);
    const listed = page.locator(`[data-related-list] li[data-id="${ref}"]`);
    assert.ok((await listed.innerText()).includes(target), 'the pick is named by its headline');
    // A number typed into the field is named too, or said to be no story.
    await page.locator('#related').fill(`${ref}, 987654321`);
    await page.locator('#related').dispatchEvent('change');
    await page.locator('[data-related-list] li[data-id="987654321"].nr-related-problem').waitFor();
    assert.match(await textOf(page, '[data-related-list] li[data-id="987654321"]'), /No story has this number/);
    await audit(page, 'editor with READ MORE boxes and related picks');
    await page.getByRole('button', { name: 'Remove story 987654321 from related' }).click();
    assert.equal(await page.locator('#related').inputValue(), ref);
    await page.getByRole('button', { name: `Remove ${target} from related` }).click();
    assert.equal(await page.locator('#related').inputValue(), '');
    assert.equal(await page.locator('[data-related-list] li').count(), 0);

    // Tag suggestions complete the name after the last comma.
    const tags = page.getByLabel('Tags', { exact: true });
    await tags.fill('');
    await tags.pressSequentially('Cars, ');
    const offered = await page.$$eval('#tag-names option', (os) => os.map((o) => o.value));
    assert.ok(offered.length > 0, 'some tags are offered after a comma');
    assert.ok(offered.every((v) => v.startsWith('Cars, ')), offered.slice(0, 5).join(' | '));

    // Autosave may have sent the form while the unknown number stood in the related field:
    // the server refuses that save (422, "There is no story 987654321…", said in the status
    // line) and nothing else may have gone wrong.
    const refusedAutosave = (p) => /(HTTP 422: POST|status of 422).*\/newsroom\/stories\/\d+\/autosave/.test(p);
    assert.deepEqual(problems.filter((p) => !refusedAutosave(p)), []);
  });

  it('finds an older photo by its caption, a page at a time, for the body and the lead', { timeout: 150_000 }, async () => {
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const stamp = Date.now().toString(36);
    const caption = `Lighthouse keeper's cottage at dusk ${stamp}`;
    const seed = Date.now() % 100_000;
    // The captioned photo first, then more than a picker's page (24) of newer ones, so it is
    // not among the newest the picker shows before anything is typed.
    const items = [{ name: 'cottage.png', alt: `A white cottage ${stamp}`, caption, b64: png(seed).toString('base64') }];
    for (let i = 1; i <= 25; i++) {
      items.push({ name: `filler-${i}.png`, alt: `Filler ${i} ${stamp}`, caption: '', b64: png(seed + i * 131).toString('base64') });
    }
    const [older] = await upload(page, items);
    // Its files are made by the background worker: wait (bounded) until they exist, so the
    // preview of the body it goes into links files that answer.
    const madeBy = Date.now() + 60_000;
    for (;;) {
      const res = await page.request.get(new URL(`/newsroom/media/search?ids=${older}`, page.url()).href);
      if ((await res.json()).photos?.[0]?.thumb) break;
      assert.ok(Date.now() < madeBy, 'the photo\'s variants were made within a minute');
      await new Promise((r) => setTimeout(r, 200));
    }

    await newDraft(page, `Pickers photo ${stamp}`, 'The cottage is for sale.');
    await tool(page, 'Insert a photo').click();
    const dialog = page.getByRole('dialog', { name: 'Insert a photo' });
    await dialog.locator('.ed-library li').first().waitFor();
    assert.equal(await dialog.locator('.ed-library li').count(), 24, 'one page of the newest photos');
    assert.equal(await dialog.locator('.ed-library', { hasText: caption }).count(), 0, 'the older photo is not on the first page');
    // "More photos" brings the next page in, the focus on its first photo.
    await dialog.getByRole('button', { name: 'More photos' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.ed-dialog .ed-library li').length > 24);
    assert.ok(await page.evaluate(() => document.activeElement?.closest('.ed-library li') === document.querySelectorAll('.ed-dialog .ed-library li')[24]));

    // Searching by words of the caption finds it over the whole library.
    await dialog.getByLabel('Find a photo').fill('keeper\'s cottage');
    const found = dialog.getByRole('button', { name: new RegExp(`Photo ${older}:`) });
    await found.waitFor();
    assert.ok((await found.innerText()).includes(caption));
    await audit(page, 'photo dialog with a search');
    await found.click();
    await dialog.waitFor({ state: 'detached' });
    assert.match(await page.locator('#body').inputValue(), new RegExp(`^::: photo ${older}\\n:::$`, 'm'));
    assert.ok((await textOf(page, '.ed-content .ed-photo')).includes(caption), 'the photo in the text shows its caption');

    // The lead photo from the same search (the select lists only the newest hundred).
    await page.getByRole('button', { name: 'Find a lead photo in the library' }).click();
    const lead = page.getByRole('dialog', { name: 'Choose the lead photo' });
    await lead.getByLabel('Find a photo').fill(caption);
    await audit(page, 'lead photo dialog');
    await lead.getByRole('button', { name: new RegExp(`Photo ${older}:`) }).click();
    assert.equal(await page.locator('#lead_media').inputValue(), String(older));
    await loadsNewPage(page, () => page.getByRole('button', { name: 'Save draft' }).click());
    assert.equal(await page.locator('#lead_media').inputValue(), String(older), 'kept after saving');
    assert.deepEqual(problems, []);
  });

  it('picks bylines by typing, reorders them by keyboard, and saves a story with none', { timeout: 150_000 }, async () => {
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const stamp = Date.now().toString(36);
    const id = await newDraft(page, `Pickers bylines ${stamp}`, 'Two reporters, one story.');
    const bylines = page.locator('.ed-bylines li');
    const chosen = () => page.$$eval('.ed-bylines input[name=author]', (is) => is.map((i) => i.value));
    const names = () => page.$$eval('.ed-bylines .ed-byline-name', (ns) => ns.map((n) => n.textContent));
    // The writer's own byline, as a new story has it; the selects are gone.
    assert.deepEqual(await names(), ['Browser Admin']);
    assert.equal(await page.locator('select[name=author]').count(), 0);
    await page.getByRole('button', { name: 'Remove Browser Admin from the byline' }).click();
    assert.equal(await bylines.count(), 0);
    assert.ok(await page.locator('.ed-bylines-empty').isVisible(), 'an empty list says the story has no byline');

    // Typing part of a name lists people with their role, or that they cannot sign in.
    const combo = page.getByRole('combobox', { name: 'Add a person to the byline' });
    // Its suggestions (the page's selects have options too: the lead photo's name people).
    const suggestions = page.locator('.ed-combo-list');
    await combo.pressSequentially('amir');
    const amira = suggestions.getByRole('option', { name: /Amira Haddad/ });
    await amira.waitFor();
    assert.equal(await combo.getAttribute('aria-expanded'), 'true');
    assert.match(await amira.innerText(), /Middle East correspondent · No account: cannot sign in/);
    await audit(page, 'byline picker with suggestions');
    // Chosen with the keyboard: the arrow makes it the active option, Enter takes it.
    await combo.press('ArrowDown');
    assert.equal(await combo.getAttribute('aria-activedescendant'), await amira.getAttribute('id'));
    assert.equal(await amira.getAttribute('aria-selected'), 'true');
    await combo.press('Enter');
    assert.equal(await combo.getAttribute('aria-expanded'), 'false');
    assert.ok(await combo.evaluate((e) => e === document.activeElement), 'the focus stays in the box');
    assert.deepEqual(await names(), ['Amira Haddad']);
    assert.ok(!(await page.locator('.ed-bylines-empty').isVisible()), 'no "no byline" note once there is one');
    assert.equal(new URL(page.url()).pathname, `/newsroom/stories/${id}`, 'Enter did not submit the form');
    // A second one by a click.
    await combo.pressSequentially('feld');
    await suggestions.getByRole('option', { name: /Jonah Feld/ }).click();
    assert.deepEqual(await names(), ['Amira Haddad', 'Jonah Feld']);
    // Someone already chosen is not offered again.
    await combo.pressSequentially('amira');
    await page.waitForFunction(() => /Nobody else/.test(document.querySelector('.ed-combo-status')?.textContent || ''));
    assert.equal(await suggestions.getByRole('option').count(), 0);
    await combo.press('Escape');
    await combo.press('Escape');
    assert.equal(await combo.inputValue(), '');

    // Reordered with the keyboard: Jonah Feld up; the focus stays on his row.
    await page.getByRole('button', { name: 'Move Jonah Feld up' }).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await names(), ['Jonah Feld', 'Amira Haddad']);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Move Jonah Feld down', 'Up is disabled at the top: the focus moves to Down');
    assert.match(await textOf(page, '.ed-combo-status'), /Jonah Feld is now byline 1 of 2/);
    const order = await chosen();
    assert.equal(order.length, 2);
    await audit(page, 'byline picker with two bylines');

    // Published in that order, once autosave has the last change (a save still on its way
    // would make the button's version stale).
    await page.waitForFunction(() => document.querySelector('[data-autosave-status]')?.dataset.state === 'saved', null, { timeout: 20_000 });
    // The pre-publication checklist may ask for a confirmation (no standfirst): given.
    let checklists = 0;
    const press = async (name) => {
      await loadsNewPage(page, () => page.getByRole('button', { name, exact: true }).click());
      if (await page.locator('#confirm').count()) {
        checklists += 1;
        await page.locator('#confirm').check();
        await loadsNewPage(page, () => page.getByRole('button', { name, exact: true }).click());
      }
    };
    await press('Publish now');
    assert.deepEqual(await chosen(), order, 'the editor shows them in the saved order');
    const story = page.getByRole('link', { name: 'View on the site' });
    const path = await story.getAttribute('href');
    const reader = await newContext(browser);
    const readerPage = await reader.newPage();
    await goto(readerPage, `${BASE_URL}${path}`);
    assert.deepEqual(await readerPage.$$eval('.byline a[rel=author]', (as) => as.map((a) => a.textContent)), ['Jonah Feld', 'Amira Haddad']);

    // Every byline removed: saved with none (not the writer's own), and the page shows none.
    await page.getByRole('button', { name: 'Remove Jonah Feld from the byline' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Remove Amira Haddad from the byline');
    await page.keyboard.press('Enter');
    assert.equal(await bylines.count(), 0);
    assert.ok(await combo.evaluate((e) => e === document.activeElement), 'the last removal leaves the focus in the box');
    await press('Update');
    assert.equal(await bylines.count(), 0, 'saved with no byline');
    assert.ok(await page.locator('.ed-bylines-empty').isVisible());
    // A reader who had not seen it (the first one's browser may keep the page a while).
    await reader.close();
    const later = await newContext(browser);
    const laterPage = await later.newPage();
    await goto(laterPage, `${BASE_URL}${path}`);
    assert.ok((await textOf(laterPage, 'h1')).startsWith('Pickers bylines'), 'the story itself');
    assert.equal(await laterPage.locator('.byline').count(), 0, 'the story shows no byline');
    await later.close();

    // At 320 px: the picker fits, with no sideways scrolling, and passes axe.
    await page.setViewportSize({ width: 320, height: 800 });
    await combo.pressSequentially('a');
    await suggestions.getByRole('option').first().waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'no horizontal scrolling at 320 px');
    await audit(page, 'byline picker at 320 px');
    // The checklist's answer is a 422 with the form (and the browser logs it): expected, once
    // for each time it was shown; nothing else may have gone wrong.
    const checklist = (p) => p.includes(`/newsroom/stories/${id}`) && /422/.test(p);
    assert.equal(problems.filter(checklist).length, 2 * checklists, problems.join('\n'));
    assert.deepEqual(problems.filter((p) => !checklist(p)), []);
  });

  it('shows who else has the story open, and not once they leave', { timeout: 120_000 }, async () => {
    const stamp = Date.now().toString(36);
    const admin = await context.newPage();
    const problems = watchForProblems(admin);
    // A second person: an editor, added as an admin does.
    const name = `Pat Presence ${stamp}`;
    const email = `pat-${stamp}@example.com`;
    const password = `presence-${stamp}-password`;
    await goto(admin, `${BASE_URL}/newsroom/users`);
    await admin.getByLabel('Name', { exact: true }).fill(name);
    await admin.getByLabel('Email', { exact: true }).fill(email);
    await admin.getByLabel('Role', { exact: true }).selectOption('editor');
    await admin.getByLabel('First password').fill(password);
    await loadsNewPage(admin, () => admin.getByRole('button', { name: 'Add account' }).click());

    const id = await newDraft(admin, `Presence ${stamp}`, 'Two people, one story.');
    const every = Number(await admin.locator('[data-presence]').getAttribute('data-presence-every'));
    assert.ok(every > 0 && every <= 2000, `the suite's server pings often (tests/browser/run): ${every} ms`);
    assert.equal(await admin.locator('.nr-presence-person').count(), 0, 'nobody else yet');

    const other = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const pat = await other.newPage();
    await signIn(pat, email, password);
    await goto(pat, `${BASE_URL}/newsroom/stories/${id}`);
    // The second person sees the first at once (the page lists them as it is drawn)...
    assert.match(await textOf(pat, '.nr-presence'), /Also open: Browser Admin/);
    // ... and the first sees the second within a ping or two.
    const started = Date.now();
    await admin.locator(`.nr-presence-person[data-name="${name}"]`).waitFor({ timeout: every * 2 + 2000 });
    const waited = Date.now() - started;
    assert.match(await textOf(admin, '.nr-presence'), new RegExp(`Also open: ${name} \\(since \\d\\d:\\d\\d\\)`));
    await audit(admin, 'editor with "Also open"');

    // The second person leaves: gone from the first's banner within a ping or two.
    await goto(pat, `${BASE_URL}/newsroom/`);
    await admin.locator('.nr-presence-person').waitFor({ state: 'detached', timeout: every * 2 + 2000 });
    assert.equal((await textOf(admin, '.nr-presence')) || '', '');
    await other.close();
    assert.ok(waited <= every * 2 + 2000, `seen after ${waited} ms`);
    assert.deepEqual(problems, []);
  });
});
