// The demo page (www/) in Debian's Chromium, clicked through panel by panel with real
// outcomes checked against the real server: the race ends with every reader's count and
// hash verified; the fault scenario reconnects and each reconnection carried the last id
// the client had received (read back from the server's request log); the POST stream
// yields exactly the server's tokens and the server saw the Authorization header; the
// sharing panel shows two tabs on one connection and the leader moving. Saves a
// screenshot to test-results/demo.png (1280×800); with UPDATE_SCREENSHOT=1 also to
// docs/demo.png, the one the README opens with (a test run leaves tracked files alone).
//
// Driven over a bare DevTools pipe (./cdp.mjs), not playwright: playwright enables the
// Network domain, which makes Chromium report every native EventSource message and slows
// the native reader of the race several times over.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './cdp.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const server = process.env.SSE_SERVER_URL;
const RACE_EVENTS = 300_000;

let browser;
before(async () => {
  assert.ok(server, 'SSE_SERVER_URL is not set: run scripts/test.sh');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const dataset = (page, selector) => page.evaluate(`({ ...document.querySelector(${JSON.stringify(selector)}).dataset })`);
const text = (page, selector) => page.evaluate(`document.querySelector(${JSON.stringify(selector)}).textContent`);
const state = (id) => `document.getElementById('${id}').dataset.state`;

/** The README's screenshot: the top of the page at 1280×800. */
async function shoot(page) {
  await page.evaluate('window.scrollTo(0, 0)');
  const png = await page.screenshot();
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results/demo.png'), png);
  if (process.env.UPDATE_SCREENSHOT === '1') writeFileSync(join(root, 'docs/demo.png'), png);
}

test('the demo page: race, reconnection timeline, POST stream, sharing', async () => {
  const shareKey = `share-${process.pid}-${Date.now()}`;
  const page = await browser.newPage(`${server}/www/?manual&share-key=${shareKey}`);
  const pages = [page]; // open tabs
  const opened = [page]; // every tab, for their uncaught exceptions
  await page.waitFor("document.documentElement.dataset.ready === 'true'");

  // 1. The race: every reader gets every event, checked by count and hash against the
  // server's own check values (fetched here too, independently of the page).
  const info = await (await fetch(`${server}/stream/info?gen=tiny&count=${RACE_EVENTS}`)).json();
  await page.select('#race-count', String(RACE_EVENTS));
  await page.click('#race-start');
  await page.waitFor(`${state('race')} === 'finished'`, 30_000);
  const lanes = await page.evaluate("[...document.querySelectorAll('#race-lanes li')].map((li) => ({ ...li.dataset }))");
  assert.deepEqual(lanes.map((l) => l.lane), ['native', 'dom', 'iter']);
  for (const lane of lanes) {
    assert.equal(lane.state, 'done', `${lane.lane} finished`);
    assert.equal(Number(lane.count), info.events, `${lane.lane} got every event`);
    assert.equal(lane.verified, 'true', `${lane.lane}'s hash matches the server's`);
    assert.ok(Number(lane.ms) > 0);
  }
  const hashes = await page.evaluate('demo.race.lanes.map((l) => l.hash >>> 0)');
  assert.deepEqual(hashes, [info.fnv1a32, info.fnv1a32, info.fnv1a32]);
  assert.match(await text(page, '#race-score'), /^300,000 events side by side: /);
  assert.equal(await page.evaluate("document.querySelectorAll('#race-lanes .badge.place').length"), 3);

  // 2 and 3 run at the same time: the fault scenario and the POST stream.
  await page.click('#tl-start');
  const message = 'Stream me a reply';
  await page.fill('#chat-input', message);
  await page.click('#chat-send');

  await page.waitFor(`${state('chat')} === 'done'`, 15_000);
  const chat = await dataset(page, '#chat');
  const reply = `You said \u201c${message}\u201d. This reply is streamed word by word, like a language model would.`;
  assert.equal(await text(page, '#chat-out'), reply);
  assert.equal(Number(chat.tokens), reply.split(' ').length);
  assert.equal(chat.auth, 'Bearer demo-token', 'the server received the Authorization header');
  assert.equal(chat.you, message, 'the server received the JSON body');

  await page.waitFor(`${state('timeline')} === 'finished'`, 20_000);
  const timeline = await dataset(page, '#timeline');
  assert.ok(Number(timeline.reconnects) >= 1, 'at least one reconnection');
  const conns = await page.evaluate('demo.timeline.run.conns.map((c) => ({ ids: c.ids, reason: c.reason }))');
  const shown = await page.evaluate("[...document.querySelectorAll('#tl-table tbody tr')].map((r) => r.dataset.lastEventId)");
  // The server's own log: each reconnection sent the last id received before it.
  const key = await page.evaluate('demo.timeline.run.key');
  const log = await (await fetch(`${server}/log?key=${key}`)).json();
  const sent = log.requests.filter((r) => r.conn !== null).sort((a, b) => a.conn - b.conn)
    .map((r) => r.headers['last-event-id'] ?? '');
  assert.equal(sent.length, conns.length);
  assert.deepEqual(shown, sent, 'the table shows what the server received');
  let last = '';
  sent.forEach((id, i) => {
    assert.equal(id, last, `connection ${i} sent Last-Event-ID ${JSON.stringify(last)}`);
    last = conns[i].ids.at(-1) ?? last;
  });
  assert.ok(sent.filter(Boolean).length >= 1, 'a reconnection carried a Last-Event-ID');
  const labels = await page.evaluate("[...document.querySelectorAll('#tl-svg text.lid')].map((t) => t.textContent)");
  assert.equal(labels[0], 'first request');
  assert.ok(labels.some((l) => /^Last-Event-ID \d+$/.test(l)), labels.join(' | '));

  // 4. Sharing: two tabs on one connection (the package has `shared`, so the panel must
  // not fall back to its not-available message), and the leader moves.
  const share = await dataset(page, '#share-body');
  assert.equal(share.available, 'true');
  const other = await browser.newPage(`${server}/www/?manual&share-key=${shareKey}`);
  pages.push(other);
  opened.push(other);
  const both = [page, other];
  // Both tabs receive events over one connection, one of them leading.
  // (`live` is the server's count of connections for the key, from `/live?key=`.)
  const shared = "(() => { const d = document.getElementById('share-body').dataset; "
    + "return Number(d.count) >= 2 && d.live === '1' && d.role !== '—'; })()";
  await Promise.all(both.map((p) => p.waitFor(shared, 15_000)));
  const [a, b] = await Promise.all(both.map((p) => dataset(p, '#share-body')));
  assert.deepEqual([a.role, b.role].sort(), ['follower', 'leader']);
  await shoot(page);
  const [leader, follower] = a.role === 'leader' ? [page, other] : [other, page];
  await leader.close();
  pages.splice(pages.indexOf(leader), 1);
  // The leader moves to the remaining tab, which keeps receiving events.
  const count = Number((await dataset(follower, '#share-body')).count);
  await follower.waitFor("(() => { const d = document.getElementById('share-body').dataset; "
    + `return d.role === 'leader' && d.live === '1' && Number(d.count) > ${count}; })()`, 15_000);

  const errors = opened.flatMap((p) => p.errors);
  for (const p of pages) await p.close();
  assert.deepEqual(errors, []);
});

test('opened without ?manual, the page runs its race, fault scenario and POST stream by itself', async () => {
  const page = await browser.newPage(`${server}/www/`);
  await page.waitFor(`${state('race')} === 'finished' && ${state('timeline')} === 'finished' && ${state('chat')} === 'done'`, 25_000);
  const lanes = await page.evaluate("[...document.querySelectorAll('#race-lanes li')].map((li) => li.dataset.verified)");
  assert.deepEqual(lanes, ['true', 'true', 'true']);
  assert.ok(Number((await dataset(page, '#timeline')).reconnects) >= 1);
  assert.match(await text(page, '#chat-out'), /^You said \u201cWhy stream over SSE\?\u201d\. /);
  const { errors } = page;
  await page.close();
  assert.deepEqual(errors, []);
});
