// `shared: true` across real pages (tabs) of one Chromium context, driven by playwright
// (issue #13): one connection at the server for three pages; the leader page gets
// `freeze` → another page leads at once, resuming from Last-Event-ID; on `resume` the
// page joins again as a follower; the leader page closed → the handoff again. No page
// misses or repeats an event. The test dispatches `freeze`/`resume` itself: headless
// Chromium never freezes a visible page (CDP Page.setWebLifecycleState 'frozen' does
// nothing to one). Needs SSE_SERVER_URL and a built pkg/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumForTests } from './chromium.mjs';
import { poll as pollUntil } from './node_util.mjs';

const server = process.env.SSE_SERVER_URL;
const browser = chromiumForTests();

/** @param {string} key */
async function serverState(key) {
  const live = (await (await fetch(`${server}/live?key=${key}`)).json()).live;
  const log = await (await fetch(`${server}/log?key=${key}`)).json();
  const requests = log.requests.filter((/** @type {any} */ r) => r.path.startsWith('/stream'));
  return { live, requests };
}

/** Polls `check` until it returns a value other than undefined (node_util.mjs). */
const poll = (/** @type {() => Promise<any>} */ check, /** @type {string} */ what, ms = 10000) => pollUntil(check, what, ms);

/** @param {number[]} ids @param {string} what */
function consecutive(ids, what) {
  for (let i = 1; i < ids.length; i += 1) {
    assert.equal(ids[i], ids[i - 1] + 1, `${what}: no event missed or repeated: ${ids}`);
  }
}

test('shared: pages of one context share one connection; a frozen or closed leader hands over with Last-Event-ID', async () => {
  const context = await browser().newContext();
  try {
    const key = `pages-${Date.now().toString(36)}`;
    const pages = [];
    for (let i = 0; i < 3; i += 1) {
      const page = await context.newPage();
      await page.goto(`${server}/tests/browser/bfcache.html?shared=1&key=${key}`);
      pages.push(page);
    }
    // (The page's module awaits the wasm, so it may still be loading after `load`.)
    /** @param {import('playwright-core').Page} page */
    const state = (page) => page.evaluate(() => ({
      ids: /** @type {any} */ (globalThis).__record?.ids ?? [],
      events: /** @type {any} */ (globalThis).__record?.events ?? [],
      leader: /** @type {any} */ (globalThis).__isLeader?.() ?? false,
    }));
    const leaderIndex = async (/** @type {import('playwright-core').Page[]} */ among) => {
      const states = await Promise.all(among.map(state));
      const leaders = states.flatMap((s, i) => (s.leader ? [i] : []));
      return leaders.length === 1 ? leaders[0] : undefined;
    };
    await poll(async () => ((await Promise.all(pages.map(state))).every((s) => s.ids.length >= 3) ? true : undefined), '3 events in every page');
    assert.deepEqual((await serverState(key)).live, 1, 'one connection for three pages');
    assert.equal((await serverState(key)).requests.length, 1);

    // Freeze the leader: it lets go, another page leads and resumes.
    const first = await poll(() => leaderIndex(pages), 'one leader');
    await pages[first].evaluate(() => document.dispatchEvent(new Event('freeze')));
    const { requests } = await poll(async () => {
      const s = await serverState(key);
      return s.requests.length >= 2 ? s : undefined;
    }, 'a new connection from another page');
    const others = pages.filter((_, i) => i !== first);
    const second = await poll(() => leaderIndex(others), 'a new leader');
    const before = await Promise.all(others.map(state));
    await poll(async () => ((await Promise.all(others.map(state))).every((s, i) => s.ids.length >= before[i].ids.length + 3) ? true : undefined), 'events after the handoff');
    for (const [i, s] of (await Promise.all(others.map(state))).entries()) {
      consecutive(s.ids, `page ${i}`);
      assert.ok(s.ids.includes(Number(requests[1].headers['last-event-id'])), 'resumed from an id every page saw');
    }
    assert.equal((await serverState(key)).live, 1);

    // Resume it: it joins again as a follower (open), still one connection.
    await pages[first].evaluate(() => document.dispatchEvent(new Event('resume')));
    const thawed = await poll(async () => {
      const s = await state(pages[first]);
      return s.events.at(-1) === 'open:1' && s.events.length >= 2 ? s : undefined;
    }, 'the unfrozen page to be open again');
    assert.equal(thawed.leader, false);
    assert.equal((await serverState(key)).live, 1);

    // Close the leader page: the handoff again.
    await others[second].close();
    const rest = pages.filter((p) => p !== others[second]);
    await poll(async () => ((await serverState(key)).requests.length >= 3 ? true : undefined), 'a third connection');
    await poll(() => leaderIndex(rest), 'a leader among the rest');
    const counts = await Promise.all(rest.map(state));
    await poll(async () => ((await Promise.all(rest.map(state))).every((s, i) => s.ids.length >= counts[i].ids.length + 3) ? true : undefined), 'events after the second handoff');
    const stillOpen = await state(rest[1 - rest.indexOf(pages[first])] ?? rest[0]);
    consecutive(stillOpen.ids, 'a page that stayed through both handoffs');
    assert.equal((await serverState(key)).live, 1);
  } finally {
    await context.close();
  }
});
